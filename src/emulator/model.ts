import type { UserActionState, VerificationMethod } from '@shared/domain/authsignal';

/** Custom data on a user, as Authsignal stores it. */
export type CustomData = Record<string, string | number | boolean>;

/** A user as the emulator stores it. Users are implicit: any id exists with no attributes. */
export interface EmuUser {
  userId: string;
  email?: string;
  emailVerified: boolean;
  phoneNumber?: string;
  phoneNumberVerified: boolean;
  username?: string;
  displayName?: string;
  custom?: CustomData;
  locale?: string;
  createdAt: string;
  /** When the user last passed a challenge (binding rule: 10 minutes to add another authenticator). */
  lastChallengeSucceededAt?: string;
}

/** The stored WebAuthn public key (emulator-internal; never returned by the API). */
export interface StoredCredential {
  /** base64url credential id */
  id: string;
  /** base64url COSE public key */
  publicKey: string;
  counter: number;
  transports?: string[];
}

/** The public part of a WebAuthn credential, as the Server API returns it. */
export interface EmuWebauthnCredential {
  credentialId: string;
  deviceId: string;
  name: string;
  aaguid?: string;
  aaguidMapping?: { name: string; svgIconLight: string; svgIconDark: string };
  credentialBackedUp?: boolean;
  credentialDeviceType?: string;
  authenticatorAttachment?: string;
  parsedUserAgent?: {
    ua: string;
    browser?: { name?: string; version?: string; major?: string };
    device?: { model?: string; type?: string; vendor?: string };
    engine?: { name?: string; version?: string };
    os?: { name?: string; version?: string };
    cpu?: { architecture?: string };
  };
  verifiedAt?: string;
}

/** An enrolled authenticator. Fields starting with `_` are internal and never serialised to clients. */
export interface EmuAuthenticator {
  userAuthenticatorId: string;
  userId: string;
  verificationMethod: VerificationMethod;
  createdAt: string;
  verifiedAt?: string;
  lastVerifiedAt?: string;
  isDefault?: boolean;
  email?: string;
  phoneNumber?: string;
  username?: string;
  displayName?: string;
  previousSmsChannel?: 'DEFAULT' | 'WHATSAPP' | 'SMS';
  webauthnCredential?: EmuWebauthnCredential;
  /** TOTP secret (base32). Internal. */
  _totpSecret?: string;
  /** WebAuthn public key material. Internal. */
  _credential?: StoredCredential;
  /** Not yet verified (e.g. TOTP enrolled but first code not entered). Internal. */
  _pending?: boolean;
}

/** A tracked action. */
export interface EmuAction {
  userId: string;
  actionCode: string;
  idempotencyKey: string;
  state: UserActionState;
  createdAt: string;
  updatedAt?: string;
  stateUpdatedAt: string;
  verificationMethod?: VerificationMethod;
  verifiedByAuthenticatorId?: string;
  redirectUrl?: string;
  redirectToSettings?: boolean;
  scope?: string;
  ipAddress?: string;
  userAgent?: string;
  deviceId?: string;
  /** Hints from `track` (the pre-built UI pre-fills them); they do not change the user record. */
  email?: string;
  phoneNumber?: string;
  username?: string;
  locale?: string;
  custom?: CustomData;
  ruleIds: string[];
  output?: unknown;
}

/** A pending challenge (server-side OTP, client OTP, WebAuthn, magic link, push). */
export interface EmuChallenge {
  challengeId: string;
  idempotencyKey?: string;
  userId?: string;
  actionCode?: string;
  verificationMethod: VerificationMethod;
  email?: string;
  phoneNumber?: string;
  smsChannel?: 'DEFAULT' | 'WHATSAPP';
  /** OTP (internal). */
  code?: string;
  /** WebAuthn challenge, base64url (internal). */
  webauthnChallenge?: string;
  /** WebAuthn ceremony the challenge belongs to (a registration challenge must not sign a user in). */
  webauthnCeremony?: 'registration' | 'authentication';
  /** The authenticator being verified, or being enrolled when it is still pending. */
  userAuthenticatorId?: string;
  /** Magic link / push: set when the link is clicked or the push approved. */
  approved?: boolean;
  /** Epoch ms. */
  expiresAt: number;
  attempts: number;
  verified: boolean;
  /** Single use: set once a successful verification consumed it. */
  consumed: boolean;
  scope?: string;
}

/** A message "sent" by the emulator: readable in the outbox instead of being delivered. */
export interface OutboxMessage {
  id: string;
  sentAt: string;
  channel: 'email' | 'sms' | 'whatsapp';
  to: string;
  kind: 'otp' | 'magic-link';
  code?: string;
  link?: string;
  userId?: string;
  actionCode?: string;
  idempotencyKey?: string;
  subject: string;
  body: string;
}

/** Per-action configuration: what `track` answers for an enrolled user. */
export interface ActionConfig {
  defaultUserActionResult: 'ALLOW' | 'CHALLENGE' | 'REVIEW' | 'BLOCK';
}
