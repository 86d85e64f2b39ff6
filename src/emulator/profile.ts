/**
 * Emulator profiles. Where Authsignal's public documentation and the official SDKs' live tests
 * leave a behaviour open, the local tenant has to pick one reading. The `default` profile keeps
 * the readings the emulator has always had (convenient, and what the demo relies on); the
 * `strict` profile takes the reading least favourable to a client on every such point, so a
 * product that passes under both cannot depend on a lucky guess. README "Emulator profiles" lists
 * every rule with the doc page or SDK behaviour it rests on.
 *
 * A leaf module: no imports, so every part of the emulator (and the CLI) can read it.
 */

/** The profile names, in help order. */
export const EMULATOR_PROFILES = ['default', 'strict'] as const;

/** Which reading of the undocumented behaviours the emulator takes. */
export type EmulatorProfile = (typeof EMULATOR_PROFILES)[number];

/** Environment variable that picks the profile when the caller does not (tests, `npm start`). */
export const EMULATOR_PROFILE_ENV = 'AUTHDESK_EMULATOR_PROFILE';

/** One switch per undocumented behaviour; `true` is always the generous (default) reading. */
export interface ProfileRules {
  readonly profile: EmulatorProfile;
  /** `track` uses a caller-supplied `idempotencyKey` (else: ignores it and mints its own). */
  readonly honoursCallerIdempotencyKey: boolean;
  /**
   * Enrolling the first authenticator on a token moves that token's `ALLOW` action to
   * `CHALLENGE_SUCCEEDED` (else: the action stays `ALLOW`).
   */
  readonly firstEnrollmentSucceedsAction: boolean;
  /**
   * Any challenge the user passed in the last 10 minutes lets every token of that user add an
   * authenticator (else: only a token scoped `add:authenticators`, or the access token a passed
   * challenge returned, may).
   */
  readonly anyRecentChallengeBinds: boolean;
  /**
   * `/validate` answers a token that does not verify (or belongs to another user or action) with
   * 200 and `isValid: false` (else: 400 `invalid_token`).
   */
  readonly validateAnswers200ForBadTokens: boolean;
  /**
   * Fields the SDK types carry but the API reference does not document are sent: `emailVerified`
   * and `phoneNumberVerified` on Get User, `isDefault` on the Server API's authenticators.
   */
  readonly sendsUndocumentedFields: boolean;
  /** A 429 carries `Retry-After` (else: no header; the client has to back off on its own). */
  readonly sendsRetryAfter: boolean;
  /** A challenge's `expiresAt` is epoch milliseconds (else: epoch seconds). */
  readonly expiresAtInMilliseconds: boolean;
  /** Email lookups (`GET /users?email=`) ignore case (else: they match exactly). */
  readonly emailLookupIgnoresCase: boolean;
  /** `updateUser` rejects a phone number that is not E.164 (else: stores whatever it is given). */
  readonly rejectsNonE164UserPhone: boolean;
}

const DEFAULT_RULES: ProfileRules = {
  profile: 'default',
  honoursCallerIdempotencyKey: true,
  firstEnrollmentSucceedsAction: true,
  anyRecentChallengeBinds: true,
  validateAnswers200ForBadTokens: true,
  sendsUndocumentedFields: true,
  sendsRetryAfter: true,
  expiresAtInMilliseconds: true,
  emailLookupIgnoresCase: true,
  rejectsNonE164UserPhone: true,
};

const STRICT_RULES: ProfileRules = {
  profile: 'strict',
  honoursCallerIdempotencyKey: false,
  firstEnrollmentSucceedsAction: false,
  anyRecentChallengeBinds: false,
  validateAnswers200ForBadTokens: false,
  sendsUndocumentedFields: false,
  sendsRetryAfter: false,
  expiresAtInMilliseconds: false,
  emailLookupIgnoresCase: false,
  // The Go and Python SDKs' live tests store "9876543210" with updateUser, so a real tenant can
  // hold phone numbers that are not E.164; strict lets them in so the product meets them.
  rejectsNonE164UserPhone: false,
};

/** The rules of a profile. */
export function profileRules(profile: EmulatorProfile = 'default'): ProfileRules {
  return profile === 'strict' ? STRICT_RULES : DEFAULT_RULES;
}

/** True for a known profile name. */
export function isEmulatorProfile(value: unknown): value is EmulatorProfile {
  return typeof value === 'string' && (EMULATOR_PROFILES as readonly string[]).includes(value);
}

/**
 * The profile named by {@link EMULATOR_PROFILE_ENV}, `default` when unset or empty. A value that
 * names no profile is an error rather than a silent fallback, so a typo cannot run a "strict" test
 * pass under the default profile.
 */
export function profileFromEnv(env: Readonly<Record<string, string | undefined>>): EmulatorProfile {
  const raw = env[EMULATOR_PROFILE_ENV]?.trim();
  if (raw === undefined || raw === '') return 'default';
  if (isEmulatorProfile(raw)) return raw;
  throw new Error(`${EMULATOR_PROFILE_ENV}=${raw} names no emulator profile; use one of: ${EMULATOR_PROFILES.join(', ')}.`);
}
