import { z } from 'zod';
import { trackAction } from '../../actions';
import { clientCaller, requireUserToken } from '../../auth';
import type { Emu } from '../../context';
import { ApiError, type RouteContext } from '../../http';
import type { EmuChallenge } from '../../model';
import type { TokenClaims } from '../../tokens';
import { ACTION_CODE_PATTERN, parseInput } from '../../validate';
import {
  createAuthenticationOptions,
  createRegistrationOptions,
  signedChallenge,
  verifyAuthentication,
  verifyRegistration,
  WEBAUTHN_CHALLENGE_TTL_MS,
  type WebauthnMethod,
} from '../../webauthn';
import { actionKeys, type ClientRoute, fail, newChallenge, nowIso, requireMayAdd, succeed, userAgent } from './flow';
import { clientAuthenticator } from './shapes';

/** WebAuthn: passkeys (options and responses wrapped with a challenge id) and security keys (raw, reference §2.5). */

const ActionSchema = z.object({
  action: z.string().regex(ACTION_CODE_PATTERN, 'must be 1 to 64 letters, digits, "_" or "-"'),
  idempotencyKey: z.string().min(1).max(200).optional(),
});
const PasskeyOptionsSchema = z.object({
  username: z.string().max(320).optional(),
  displayName: z.string().max(320).optional(),
  authenticatorAttachment: z.string().max(20).optional(),
});
const CredentialSchema = z.looseObject({ id: z.string().min(1), response: z.looseObject({}) });

export async function registrationOptions(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const input = method === 'PASSKEY' ? parseInput(PasskeyOptionsSchema, ctx.body) : {};
  requireMayAdd(emu, claims);
  const user = emu.store.ensureUser(claims.userId);
  const options = await createRegistrationOptions(emu, user, emu.store.listAuthenticators(claims.userId), method, input);
  const challenge = emu.store.putChallenge(
    newChallenge({
      ...actionKeys(claims),
      verificationMethod: method,
      webauthnChallenge: options.challenge,
      webauthnCeremony: 'registration',
      expiresAt: Date.now() + WEBAUTHN_CHALLENGE_TTL_MS,
    }),
  );
  // Passkey options come wrapped with their challenge id; security-key options come raw (reference §2.5).
  return method === 'PASSKEY' ? { challengeId: challenge.challengeId, options } : options;
}

/** Finds the challenge a WebAuthn response answers: by id when the SDK sends one, else by the signed challenge. */
export function webauthnChallengeFor(
  emu: Emu,
  response: unknown,
  challengeId: string | undefined,
  method: WebauthnMethod,
  ceremony: 'registration' | 'authentication',
): EmuChallenge {
  const signed = signedChallenge(response);
  const challenge = challengeId
    ? emu.store.getChallenge(challengeId)
    : signed
      ? emu.store.findChallenges((c) => c.webauthnChallenge === signed)[0]
      : undefined;
  if (
    !challenge ||
    challenge.consumed ||
    challenge.expiresAt < Date.now() ||
    challenge.verificationMethod !== method ||
    challenge.webauthnCeremony !== ceremony ||
    !challenge.webauthnChallenge
  ) {
    throw new ApiError(400, 'invalid_request', 'The WebAuthn challenge is unknown, used or expired. Ask for new options and try again.');
  }
  return challenge;
}

export async function register(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const wrapped = method === 'PASSKEY';
  const body = (ctx.body ?? {}) as { registrationCredential?: unknown; challengeId?: unknown };
  const response = parseInput(CredentialSchema, wrapped ? body.registrationCredential : ctx.body);
  const challengeId = wrapped && typeof body.challengeId === 'string' ? body.challengeId : undefined;
  const challenge = webauthnChallengeFor(emu, response, challengeId, method, 'registration');
  if (challenge.userId !== claims.userId) throw new ApiError(400, 'invalid_request', 'The WebAuthn challenge belongs to another user.');
  // SECURITY: single use, whether or not the response verifies.
  challenge.consumed = true;
  requireMayAdd(emu, claims);
  const verified = await verifyRegistration(emu, challenge, method, response, userAgent(ctx));
  if (emu.store.findByCredentialId(verified.credential.id)) {
    throw new ApiError(400, 'invalid_credential', 'This credential is already registered.');
  }
  const user = emu.store.ensureUser(claims.userId);
  const now = nowIso();
  const a = emu.store.addAuthenticator({
    userId: claims.userId,
    verificationMethod: method,
    createdAt: now,
    verifiedAt: now,
    username: user.username ?? user.email,
    displayName: user.displayName,
    webauthnCredential: verified.webauthnCredential,
    _credential: verified.credential,
  });
  challenge.verified = true;
  return succeed(emu, claims, a);
}

export async function authenticationOptions(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
  const caller = await clientCaller(ctx.req, emu.tokens);
  const challengeId = method === 'PASSKEY' ? (ctx.body as { challengeId?: unknown } | undefined)?.challengeId : undefined;
  if (method === 'SECURITY_KEY' && caller.kind !== 'token') throw new ApiError(401, 'unauthorized', 'A user token is required. Track an action and pass its token.');
  const userId = caller.kind === 'token' ? caller.claims.userId : undefined;
  const mine = userId ? emu.store.listAuthenticators(userId).filter((a) => a.verificationMethod === method) : undefined;
  if (mine && mine.length === 0) {
    throw new ApiError(400, 'invalid_request', `The user has no ${method === 'PASSKEY' ? 'passkey' : 'security key'}. Enroll one first.`);
  }
  const options = await createAuthenticationOptions(emu, mine, method);
  let challenge: EmuChallenge;
  if (typeof challengeId === 'string') {
    // A challenge opened by `/client/challenge` for an action (passkey sign-in without a token).
    const existing = emu.store.getChallenge(challengeId);
    if (!existing || existing.consumed || existing.expiresAt < Date.now() || existing.verificationMethod !== 'PASSKEY' || existing.webauthnCeremony !== 'authentication') {
      throw new ApiError(400, 'invalid_request', 'The challenge is unknown, used or expired. Start a new one.');
    }
    if (userId && existing.userId && existing.userId !== userId) throw new ApiError(400, 'invalid_request', 'The challenge belongs to another user.');
    existing.webauthnChallenge = options.challenge;
    challenge = existing;
  } else {
    // With a token: the user's own credentials. With tenant auth alone (usernameless or autofill
    // sign-in): any discoverable credential; the user is known once the assertion verifies.
    const claims = caller.kind === 'token' ? caller.claims : undefined;
    challenge = emu.store.putChallenge(
      newChallenge({
        userId: claims?.userId,
        actionCode: claims?.actionCode,
        idempotencyKey: claims?.idempotencyKey,
        verificationMethod: method,
        webauthnChallenge: options.challenge,
        webauthnCeremony: 'authentication',
        expiresAt: Date.now() + WEBAUTHN_CHALLENGE_TTL_MS,
      }),
    );
  }
  return method === 'PASSKEY' ? { options, challengeId: challenge.challengeId } : options;
}

export async function verifyWebauthn(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
  const caller = await clientCaller(ctx.req, emu.tokens);
  if (method === 'SECURITY_KEY' && caller.kind !== 'token') throw new ApiError(401, 'unauthorized', 'A user token is required. Track an action and pass its token.');
  const wrapped = method === 'PASSKEY';
  const body = (ctx.body ?? {}) as { authenticationCredential?: unknown; challengeId?: unknown };
  const response = parseInput(CredentialSchema, wrapped ? body.authenticationCredential : ctx.body);
  const challengeId = wrapped && typeof body.challengeId === 'string' ? body.challengeId : undefined;
  const challenge = webauthnChallengeFor(emu, response, challengeId, method, 'authentication');
  challenge.consumed = true;
  const a = emu.store.findByCredentialId(response.id);
  const tokenUser = caller.kind === 'token' ? caller.claims.userId : undefined;
  if (!a || a._pending || a.verificationMethod !== method || (tokenUser && a.userId !== tokenUser) || (challenge.userId && a.userId !== challenge.userId)) {
    throw new ApiError(400, 'invalid_credential', 'This credential is not registered for this user.');
  }
  // The user is known only now when signing in by action: the action is created for them here.
  let claims: TokenClaims;
  if (caller.kind === 'token') {
    claims = caller.claims;
  } else {
    const tracked = await trackAction(emu, a.userId, challenge.actionCode ?? 'signIn', challenge.idempotencyKey ? { idempotencyKey: challenge.idempotencyKey } : {});
    claims = { userId: a.userId, actionCode: challenge.actionCode ?? 'signIn', idempotencyKey: tracked.idempotencyKey, scope: '', kind: 'track', exp: 0 };
  }
  try {
    await verifyAuthentication(emu, challenge, a, response);
  } catch (error) {
    fail(emu, claims, method, 'CODE_INVALID_OR_EXPIRED');
    throw error;
  }
  challenge.verified = true;
  const answer = await succeed(emu, claims, a);
  const user = emu.store.getUser(a.userId);
  return wrapped
    ? { isVerified: true, accessToken: answer.accessToken, userId: a.userId, userAuthenticatorId: a.userAuthenticatorId, username: user?.username, userDisplayName: user?.displayName }
    : { isVerified: true, accessToken: answer.accessToken, userId: a.userId, userAuthenticatorId: a.userAuthenticatorId };
}

/** Opens a passkey challenge for an action, for sign-in without a user token (tenant auth). */
export async function startPasskeyChallenge(emu: Emu, ctx: RouteContext) {
  await clientCaller(ctx.req, emu.tokens);
  const { action, idempotencyKey } = parseInput(ActionSchema, ctx.body);
  const challenge = emu.store.putChallenge(
    newChallenge({ actionCode: action, idempotencyKey, verificationMethod: 'PASSKEY', webauthnCeremony: 'authentication', expiresAt: Date.now() + WEBAUTHN_CHALLENGE_TTL_MS }),
  );
  return { challengeId: challenge.challengeId };
}

/** `passkey.isAvailableOnDevice`: 200 when one of the credentials is still registered, else 404. */
export async function passkeyAvailable(emu: Emu, ctx: RouteContext) {
  await clientCaller(ctx.req, emu.tokens);
  const ids = (ctx.query.get('credentialIds') ?? '').split(',').filter(Boolean);
  const found = ids.map((id) => emu.store.findByCredentialId(id)).find((a) => a && !a._pending && a.verificationMethod === 'PASSKEY');
  if (!found) throw new ApiError(404, 'not_found', 'None of these passkeys is registered.');
  return clientAuthenticator(found, false);
}

export const passkeyRoutes: readonly ClientRoute[] = [
  { method: 'POST', path: '/user-authenticators/passkey/registration-options', handler: (emu, ctx) => registrationOptions(emu, ctx, 'PASSKEY') },
  { method: 'POST', path: '/user-authenticators/passkey', handler: (emu, ctx) => register(emu, ctx, 'PASSKEY') },
  { method: 'POST', path: '/user-authenticators/passkey/authentication-options', handler: (emu, ctx) => authenticationOptions(emu, ctx, 'PASSKEY') },
  { method: 'POST', path: '/verify/passkey', handler: (emu, ctx) => verifyWebauthn(emu, ctx, 'PASSKEY') },
  { method: 'POST', path: '/challenge', handler: startPasskeyChallenge },
  { method: 'GET', path: '/user-authenticators/passkey', handler: passkeyAvailable },
];

export const securityKeyRoutes: readonly ClientRoute[] = [
  { method: 'POST', path: '/user-authenticators/security-key/registration-options', handler: (emu, ctx) => registrationOptions(emu, ctx, 'SECURITY_KEY') },
  { method: 'POST', path: '/user-authenticators/security-key', handler: (emu, ctx) => register(emu, ctx, 'SECURITY_KEY') },
  { method: 'POST', path: '/user-authenticators/security-key/authentication-options', handler: (emu, ctx) => authenticationOptions(emu, ctx, 'SECURITY_KEY') },
  { method: 'POST', path: '/verify/security-key', handler: (emu, ctx) => verifyWebauthn(emu, ctx, 'SECURITY_KEY') },
];
