import { createHash, randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';
import UAParser from 'ua-parser-js';
import { aaguidMappingFor } from './actions';
import type { Emu } from './context';
import { ApiError } from './http';
import type { EmuAuthenticator, EmuChallenge, EmuUser, EmuWebauthnCredential, StoredCredential } from './model';

/** The two WebAuthn authenticator kinds Authsignal distinguishes. */
export type WebauthnMethod = 'PASSKEY' | 'SECURITY_KEY';

/** How long a WebAuthn challenge may be answered. */
export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60_000;

const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

/**
 * Origins a WebAuthn response may come from: the pre-built UI's own and the configured extra ones.
 * SECURITY: the origin check is what makes passkeys phishing-resistant; never accept any origin.
 */
export function expectedOrigins(emu: Emu): string[] {
  return [emu.uiOrigin, ...emu.allowedOrigins];
}

/** A stable, opaque WebAuthn user handle: it must not reveal the user id to the authenticator's UI. */
function userHandle(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(`authdesk-emulator-user:${userId}`).digest());
}

function credentialsOf(authenticators: EmuAuthenticator[], method: WebauthnMethod) {
  return authenticators
    .filter((a) => a.verificationMethod === method && a._credential)
    .map((a) => ({ id: a._credential!.id, transports: a._credential!.transports as AuthenticatorTransportFuture[] | undefined }));
}

/** Registration options for a passkey (discoverable, platform by default) or a security key (cross-platform). */
export async function createRegistrationOptions(
  emu: Emu,
  user: EmuUser,
  existing: EmuAuthenticator[],
  method: WebauthnMethod,
  input: { username?: string; displayName?: string; authenticatorAttachment?: string },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const userName = input.username || user.username || user.email || user.userId;
  const attachment =
    method === 'SECURITY_KEY'
      ? 'cross-platform'
      : input.authenticatorAttachment === 'platform' || input.authenticatorAttachment === 'cross-platform'
        ? input.authenticatorAttachment
        : undefined;
  return generateRegistrationOptions({
    rpName: `Authdesk local tenant (${emu.tenantId})`,
    rpID: emu.rpId,
    userName,
    userDisplayName: input.displayName || user.displayName || userName,
    userID: userHandle(user.userId),
    attestationType: 'none',
    // Re-registering an authenticator the user already has is refused by the browser itself.
    excludeCredentials: credentialsOf(existing, method),
    authenticatorSelection:
      method === 'PASSKEY'
        ? { residentKey: 'required', userVerification: 'preferred', authenticatorAttachment: attachment }
        : { residentKey: 'discouraged', userVerification: 'discouraged', authenticatorAttachment: 'cross-platform' },
  });
}

/** Authentication options; with no user (passkey sign-in by action), any discoverable credential may answer. */
export async function createAuthenticationOptions(
  emu: Emu,
  existing: EmuAuthenticator[] | undefined,
  method: WebauthnMethod,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: emu.rpId,
    allowCredentials: existing ? credentialsOf(existing, method) : [],
    userVerification: method === 'PASSKEY' ? 'preferred' : 'discouraged',
  });
}

/** The challenge string a browser signed, read from the response's clientDataJSON (undefined when unreadable). */
export function signedChallenge(response: unknown): string | undefined {
  const clientData = (response as { response?: { clientDataJSON?: unknown } } | undefined)?.response?.clientDataJSON;
  if (typeof clientData !== 'string') return undefined;
  try {
    return decodeClientDataJSON(clientData).challenge;
  } catch {
    return undefined;
  }
}

function invalidCredential(description: string): ApiError {
  return new ApiError(400, 'invalid_credential', description);
}

/** The request's User-Agent parsed the way Authsignal reports it (ua-parser-js's result shape). */
export function parseUserAgent(ua: string | undefined): EmuWebauthnCredential['parsedUserAgent'] {
  if (!ua) return undefined;
  const r = new UAParser(ua).getResult();
  const clean = <T extends object>(o: T): T | undefined => {
    const entries = Object.entries(o).filter(([, v]) => v !== undefined && v !== '');
    return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
  };
  return {
    ua: r.ua,
    browser: clean({ name: r.browser.name, version: r.browser.version, major: r.browser.major }),
    device: clean({ model: r.device.model, type: r.device.type, vendor: r.device.vendor }),
    engine: clean({ name: r.engine.name, version: r.engine.version }),
    os: clean({ name: r.os.name, version: r.os.version }),
    cpu: clean({ architecture: r.cpu.architecture }),
  };
}

/** A verified registration: what to store (private) and what to show (public). */
export interface VerifiedRegistration {
  credential: StoredCredential;
  webauthnCredential: EmuWebauthnCredential;
}

/** Verifies a registration response against its challenge, the rpID and the trusted origins. */
export async function verifyRegistration(
  emu: Emu,
  challenge: EmuChallenge,
  method: WebauthnMethod,
  response: unknown,
  userAgent: string | undefined,
): Promise<VerifiedRegistration> {
  const json = response as RegistrationResponseJSON;
  let result;
  try {
    result = await verifyRegistrationResponse({
      response: json,
      expectedChallenge: challenge.webauthnChallenge ?? '',
      expectedOrigin: expectedOrigins(emu),
      expectedRPID: emu.rpId,
      // userVerification is `preferred` (passkeys) or `discouraged` (security keys), as Authsignal asks.
      requireUserVerification: false,
    });
  } catch (error) {
    throw invalidCredential(`The ${method === 'PASSKEY' ? 'passkey' : 'security key'} registration could not be verified: ${(error as Error).message}`);
  }
  if (!result.verified) throw invalidCredential('The registration response did not verify.');
  const info = result.registrationInfo;
  const aaguid = info.aaguid && info.aaguid !== ZERO_AAGUID ? info.aaguid : undefined;
  const mapping = aaguidMappingFor(aaguid);
  const parsedUserAgent = parseUserAgent(userAgent);
  const fallbackName =
    parsedUserAgent?.browser?.name && parsedUserAgent.os?.name
      ? `${parsedUserAgent.browser.name} on ${parsedUserAgent.os.name}`
      : method === 'PASSKEY'
        ? 'Passkey'
        : 'Security key';
  const attachment = typeof json.authenticatorAttachment === 'string' ? json.authenticatorAttachment : undefined;
  return {
    credential: {
      id: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: info.credential.transports ?? json.response?.transports,
    },
    webauthnCredential: {
      credentialId: info.credential.id,
      deviceId: randomUUID(),
      name: mapping?.name ?? fallbackName,
      aaguid: info.aaguid,
      aaguidMapping: mapping,
      credentialBackedUp: info.credentialBackedUp,
      credentialDeviceType: info.credentialDeviceType,
      authenticatorAttachment: attachment,
      parsedUserAgent,
      verifiedAt: new Date().toISOString(),
    },
  };
}

/** Verifies an assertion with the stored public key and moves the signature counter on. */
export async function verifyAuthentication(emu: Emu, challenge: EmuChallenge, authenticator: EmuAuthenticator, response: unknown): Promise<void> {
  const stored = authenticator._credential;
  if (!stored) throw invalidCredential('This authenticator has no WebAuthn credential.');
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge.webauthnChallenge ?? '',
      expectedOrigin: expectedOrigins(emu),
      expectedRPID: emu.rpId,
      credential: {
        id: stored.id,
        publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')),
        counter: stored.counter,
        transports: stored.transports as AuthenticatorTransportFuture[] | undefined,
      },
      requireUserVerification: false,
    });
  } catch (error) {
    throw invalidCredential(`The ${authenticator.verificationMethod === 'PASSKEY' ? 'passkey' : 'security key'} could not be verified: ${(error as Error).message}`);
  }
  if (!result.verified) throw invalidCredential('The authentication response did not verify.');
  // SECURITY: a counter that does not grow signals a cloned authenticator; simplewebauthn refuses it above.
  stored.counter = result.authenticationInfo.newCounter;
  if (authenticator.webauthnCredential) authenticator.webauthnCredential.credentialBackedUp = result.authenticationInfo.credentialBackedUp;
}
