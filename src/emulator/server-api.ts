import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UserActionState } from '@shared/domain/authsignal';
import {
  enrolledMethods,
  publicActionSummary,
  publicAuthenticator,
  publicUser,
  recordChallengeOutcome,
  signActionToken,
  trackAction,
  userAttributes,
  validateToken,
} from './actions';
import { requireSecret } from './auth';
import type { Emu } from './context';
import { ApiError, type RouteContext, type Router } from './http';
import type { EmuAction, EmuAuthenticator, EmuChallenge, EmuUser } from './model';
import { checkOtp, generateOtp, OTP_TTL_MS, sendOtp } from './otp';
import { SessionStore } from './sessions';
import type { TokenClaims } from './tokens';
import { secretFromOtpUri } from './totp';
import { ACTION_CODE_PATTERN, E164_PATTERN, parseInput } from './validate';

/**
 * The Server API under /v1 (Basic auth, the secret as username): every endpoint @authsignal/node
 * 2.21 calls, with the live API's behaviour where it is known (reference §1.9, §2.4, §7).
 *
 * Decisions where Authsignal's behaviour is not documented (each one is also in the final note):
 * - `GET /users` without any filter lists every user (the `lastEvaluatedUserId` cursor suggests
 *   a scan), in userId order, `limit` default 100, max 1000.
 * - `POST /users/:id/authenticators` with the same method and destination as an existing verified
 *   authenticator returns that one (a retried POST does not enroll twice).
 * - A server `verify` counts for the binding rule only when the code went to the email or phone of
 *   one of the user's enrolled authenticators (then it is a real challenge with an existing
 *   authenticator); it also marks the user's email/phone verified when the code went there.
 * - Challenge `expiresAt` is epoch milliseconds; session `expiresAt` is epoch seconds (JWT `exp`).
 * - `/verify` of an unknown challenge answers `CODE_INVALID_OR_EXPIRED` (expired challenges vanish).
 * - Sessions live in memory only; a restart revokes them.
 */
export function registerServerApi(router: Router, emu: Emu): void {
  const sessions = new SessionStore(emu.tokens.ttlSeconds);
  /** Registers a secret-protected route. */
  const on = (method: string, path: string, handler: (ctx: RouteContext) => unknown) =>
    router.on(method, `/v1${path}`, (ctx) => {
      requireSecret(ctx.req, emu.secret);
      return handler(ctx);
    });
  const store = emu.store;

  // ---- users ---------------------------------------------------------------------------------

  // Users are implicit: an id nobody wrote to answers 200 with isEnrolled false, never 404.
  on('GET', '/users/:userId', ({ params }) => publicUser(store, params.userId));

  on('PATCH', '/users/:userId', ({ params, body }) => {
    const attributes = parseInput(UserAttributesSchema, body);
    store.updateUser(params.userId, attributes);
    emu.changed();
    return userAttributes(store.getUser(params.userId));
  });

  on('DELETE', '/users/:userId', ({ params }) => {
    store.deleteUser(params.userId);
    sessions.revokeUser(params.userId);
    emu.changed();
    return {};
  });

  on('GET', '/users', async ({ query }) => {
    const q = parseInput(UserQuerySchema, Object.fromEntries(query));
    let tokenPayload: Record<string, unknown> | undefined;
    let onlyUserId: string | undefined;
    if (q.token) {
      const claims = await verifyOrReject(q.token);
      onlyUserId = claims.userId;
      tokenPayload = {
        userId: claims.userId,
        actionCode: claims.actionCode,
        idempotencyKey: claims.idempotencyKey,
        scope: claims.scope,
        exp: claims.exp,
      };
    }
    let users: EmuUser[];
    let lastEvaluatedUserId: string | undefined;
    if (onlyUserId !== undefined) {
      const user = store.getUser(onlyUserId);
      const filtered = store.queryUsers({ ...q, limit: 1000, lastEvaluatedUserId: undefined }).users;
      const hasOtherFilter = Boolean(q.email || q.phoneNumber || q.username);
      users = user && (!hasOtherFilter || filtered.includes(user)) ? [user] : [];
    } else {
      ({ users, lastEvaluatedUserId } = store.queryUsers(q));
    }
    return {
      users: users.map((user) => ({
        userId: user.userId,
        ...userAttributes(user),
        isEnrolled: enrolledMethods(store, user.userId).length > 0,
        enrolledVerificationMethods: enrolledMethods(store, user.userId),
        createdAt: user.createdAt,
      })),
      lastEvaluatedUserId,
      tokenPayload,
    };
  });

  // ---- authenticators ------------------------------------------------------------------------

  on('GET', '/users/:userId/authenticators', ({ params }) =>
    store
      .listAuthenticators(params.userId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(publicAuthenticator),
  );

  on('POST', '/users/:userId/authenticators', ({ params, body }) => {
    const input = parseInput(EnrollSchema, body);
    const method = input.verificationMethod ?? input.oobChannel;
    if (!method) throw new ApiError(400, 'invalid_request', 'verificationMethod is required.');
    const userId = params.userId;
    const now = new Date().toISOString();
    const base: Omit<EmuAuthenticator, 'userAuthenticatorId'> = {
      userId,
      verificationMethod: method,
      createdAt: now,
      verifiedAt: now,
    };
    if (method === 'EMAIL_OTP' || method === 'EMAIL_MAGIC_LINK') {
      if (!input.email) throw new ApiError(400, 'invalid_request', `email is required to enroll ${method}.`);
      base.email = input.email;
    } else if (method === 'SMS') {
      if (!input.phoneNumber) throw new ApiError(400, 'invalid_request', 'phoneNumber (E.164, e.g. +14155550123) is required to enroll SMS.');
      base.phoneNumber = input.phoneNumber;
    } else {
      const secret = input.otpUri ? secretFromOtpUri(input.otpUri) : undefined;
      if (!secret) throw new ApiError(400, 'invalid_request', 'otpUri (an otpauth://totp/... URI) is required to enroll AUTHENTICATOR_APP.');
      base._totpSecret = secret;
    }
    const existing = store
      .listAuthenticators(userId)
      .find(
        (a) =>
          a.verificationMethod === method &&
          method !== 'AUTHENTICATOR_APP' &&
          (a.email ?? '').toLowerCase() === (base.email ?? '').toLowerCase() &&
          (a.phoneNumber ?? '') === (base.phoneNumber ?? ''),
      );
    const first = store.listAuthenticators(userId).length === 0;
    const authenticator = existing ?? store.addAuthenticator({ ...base, isDefault: first || input.isDefault === true });
    if (input.isDefault) {
      for (const other of store.listAuthenticators(userId)) other.isDefault = other === authenticator;
    }
    emu.changed();
    return { authenticator: publicAuthenticator(authenticator) };
  });

  on('DELETE', '/users/:userId/authenticators/:userAuthenticatorId', ({ params }) => {
    const removed = store.removeAuthenticator(params.userId, params.userAuthenticatorId);
    if (!removed) throw new ApiError(404, 'not_found', 'No such authenticator for this user. List the user’s authenticators to get a current id.');
    emu.changed();
    return {};
  });

  // ---- actions -------------------------------------------------------------------------------

  on('POST', '/users/:userId/actions/:action', ({ params, body }) => trackAction(emu, params.userId, params.action, body));

  on('POST', '/validate', ({ body }) => validateToken(emu, body));

  on('GET', '/users/:userId/actions/:action/:idempotencyKey', ({ params }) => {
    const action = findAction(params.userId, params.action, params.idempotencyKey);
    return {
      state: action.state,
      stateUpdatedAt: action.stateUpdatedAt,
      createdAt: action.createdAt,
      updatedAt: action.updatedAt,
      verificationMethod: action.verificationMethod,
      verifiedByAuthenticatorId: action.verifiedByAuthenticatorId,
      rules: [],
      ruleIds: action.ruleIds,
      output: action.output ?? {},
    };
  });

  on('PATCH', '/users/:userId/actions/:action/:idempotencyKey', ({ params, body }) => {
    const action = findAction(params.userId, params.action, params.idempotencyKey);
    const { state } = parseInput(z.object({ state: UserActionState }), body);
    const now = new Date().toISOString();
    action.state = state;
    action.stateUpdatedAt = now;
    action.updatedAt = now;
    emu.changed();
    return { state: action.state };
  });

  // Authsignal keeps 30 days of action history; older `fromDate`s are clamped to that window.
  on('GET', '/users/:userId/actions', ({ params, query }) => {
    const q = parseInput(ActionQuerySchema, Object.fromEntries(query));
    const windowStart = Date.now() - 30 * 24 * 3600 * 1000;
    const from = Math.max(windowStart, q.fromDate ? Date.parse(q.fromDate) : windowStart);
    const codes = q.codes ? new Set(q.codes.split(',').map((c) => c.trim()).filter(Boolean)) : undefined;
    return store
      .listActions(params.userId)
      .filter((a) => Date.parse(a.createdAt) >= from)
      .filter((a) => !codes || codes.has(a.actionCode))
      .filter((a) => !q.state || a.state === q.state)
      .map(publicActionSummary);
  });

  // ---- server-side OTP -----------------------------------------------------------------------

  on('POST', '/challenge', ({ body }) => {
    const input = parseInput(ChallengeSchema, body);
    const user = input.userId !== undefined ? store.getUser(input.userId) : undefined;
    const previous = input.challengeId ? store.getChallenge(input.challengeId) : undefined;
    if (input.challengeId && (!previous || previous.consumed || !previous.code)) {
      throw new ApiError(400, 'invalid_request', 'That challenge cannot be re-sent (unknown, already used or not a code challenge). Start a new one without challengeId.');
    }
    let method: 'SMS' | 'EMAIL_OTP' | 'WHATSAPP';
    if (previous) method = previous.verificationMethod as typeof method;
    else if (input.verificationMethod) method = input.verificationMethod;
    else if (input.email) method = 'EMAIL_OTP';
    else if (input.phoneNumber) method = 'SMS';
    else if (user?.email) method = 'EMAIL_OTP';
    else if (user?.phoneNumber) method = 'SMS';
    else throw new ApiError(400, 'invalid_request', 'Say where to send the code: verificationMethod with email or phoneNumber, or a userId whose user has one.');
    if (method === 'SMS' && input.smsChannel === 'WHATSAPP') method = 'WHATSAPP';
    const userId = previous?.userId ?? input.userId;
    const email = method === 'EMAIL_OTP' ? (previous?.email ?? input.email ?? user?.email) : undefined;
    const phoneNumber = method !== 'EMAIL_OTP' ? (previous?.phoneNumber ?? input.phoneNumber ?? user?.phoneNumber) : undefined;
    if (method === 'EMAIL_OTP' && !email) throw new ApiError(400, 'invalid_request', 'email is required for EMAIL_OTP (or a userId whose user has an email).');
    if (method !== 'EMAIL_OTP' && (!phoneNumber || !E164_PATTERN.test(phoneNumber))) {
      throw new ApiError(400, 'invalid_request', `An E.164 phoneNumber (e.g. +14155550123) is required for ${method}.`);
    }
    const actionCode = previous?.actionCode ?? input.action;
    const idempotencyKey = previous?.idempotencyKey ?? input.idempotencyKey ?? randomUUID();
    // A challenge for a user and an action is tracked as that action, so it shows in the history.
    if (userId !== undefined && actionCode && !store.getAction(userId, actionCode, idempotencyKey)) {
      const now = new Date().toISOString();
      store.putAction({
        userId,
        actionCode,
        idempotencyKey,
        state: 'CHALLENGE_REQUIRED',
        createdAt: now,
        stateUpdatedAt: now,
        ipAddress: input.ipAddress,
        userAgent: input.userAgent,
        deviceId: input.deviceId,
        custom: input.custom,
        scope: input.scope,
        ruleIds: [],
        output: {},
      });
    }
    const challenge: EmuChallenge = {
      challengeId: previous?.challengeId ?? randomUUID(),
      idempotencyKey,
      userId,
      actionCode,
      verificationMethod: method,
      email,
      phoneNumber,
      smsChannel: method === 'EMAIL_OTP' ? undefined : method === 'WHATSAPP' ? 'WHATSAPP' : 'DEFAULT',
      code: generateOtp(),
      expiresAt: Date.now() + OTP_TTL_MS,
      attempts: 0,
      verified: false,
      consumed: false,
      scope: input.scope,
    };
    store.putChallenge(challenge);
    sendOtp(store, {
      channel: method === 'EMAIL_OTP' ? 'email' : method === 'WHATSAPP' ? 'whatsapp' : 'sms',
      to: (email ?? phoneNumber)!,
      code: challenge.code!,
      userId,
      actionCode,
      idempotencyKey,
    });
    emu.changed();
    return { challengeId: challenge.challengeId, idempotencyKey, expiresAt: challenge.expiresAt };
  });

  on('POST', '/verify', ({ body }) => {
    const input = parseInput(z.object({ challengeId: z.string().min(1), verificationCode: z.union([z.string(), z.number()]) }), body);
    const challenge = store.getChallenge(input.challengeId);
    if (!challenge) return { isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' };
    const method = challenge.verificationMethod as 'SMS' | 'EMAIL_OTP' | 'WHATSAPP';
    const result = checkOtp(challenge, input.verificationCode);
    if (!result.ok) {
      if (result.reason === 'MAX_ATTEMPTS_EXCEEDED' && challenge.userId !== undefined) {
        recordChallengeOutcome(emu, {
          userId: challenge.userId,
          succeeded: false,
          verificationMethod: method,
          actionCode: challenge.actionCode,
          idempotencyKey: challenge.idempotencyKey,
        });
      }
      return { isVerified: false, email: challenge.email, phoneNumber: challenge.phoneNumber, verificationMethod: method, failureReason: result.reason };
    }
    if (challenge.userId !== undefined) recordServerVerification(challenge, method);
    return { isVerified: true, email: challenge.email, phoneNumber: challenge.phoneNumber, verificationMethod: method };
  });

  on('GET', '/challenges', ({ query }) => {
    const q = parseInput(
      z.object({ challengeId: z.string().optional(), userId: z.string().optional(), action: z.string().optional(), verificationMethod: z.string().optional() }),
      Object.fromEntries(query),
    );
    if (!q.challengeId && q.userId === undefined) throw new ApiError(400, 'invalid_request', 'Pass challengeId, or userId (optionally with action and verificationMethod).');
    const now = Date.now();
    const [challenge] = store.findChallenges(
      (c) =>
        !c.consumed &&
        c.expiresAt > now &&
        (!q.challengeId || c.challengeId === q.challengeId) &&
        (q.userId === undefined || c.userId === q.userId) &&
        (!q.action || c.actionCode === q.action) &&
        (!q.verificationMethod || c.verificationMethod === q.verificationMethod),
    );
    if (!challenge) return {};
    return {
      challengeId: challenge.challengeId,
      expiresAt: challenge.expiresAt,
      verificationMethod: challenge.verificationMethod,
      smsChannel: challenge.smsChannel,
      phoneNumber: challenge.phoneNumber,
      email: challenge.email,
      action: challenge.actionCode,
    };
  });

  // Claim: hands a challenge that was started without a user (e.g. a sign-in code sent to an
  // email) to a user, and returns a token for it that /validate and sessions accept.
  on('POST', '/claim', async ({ body }) => {
    const input = parseInput(z.object({ challengeId: z.string().min(1), userId: z.string().min(1), skipVerificationCheck: z.boolean().optional() }), body);
    const challenge = store.getChallenge(input.challengeId);
    if (!challenge || (!challenge.verified && challenge.expiresAt < Date.now())) {
      throw new ApiError(404, 'not_found', 'The challenge does not exist or has expired. Start a new challenge.');
    }
    if (challenge.userId !== undefined && challenge.userId !== input.userId) {
      throw new ApiError(403, 'forbidden', 'The challenge was already claimed by another user.');
    }
    if (!challenge.verified && !input.skipVerificationCheck) {
      throw new ApiError(400, 'invalid_request', 'The challenge has not been verified yet. Verify it first, or pass skipVerificationCheck.');
    }
    challenge.userId = input.userId;
    const actionCode = challenge.actionCode ?? 'claim';
    challenge.actionCode = actionCode;
    challenge.idempotencyKey ??= randomUUID();
    let action = store.getAction(input.userId, actionCode, challenge.idempotencyKey);
    if (!action) {
      const now = new Date().toISOString();
      action = store.putAction({
        userId: input.userId,
        actionCode,
        idempotencyKey: challenge.idempotencyKey,
        state: challenge.verified ? 'CHALLENGE_SUCCEEDED' : 'CHALLENGE_REQUIRED',
        createdAt: now,
        stateUpdatedAt: now,
        verificationMethod: challenge.verified ? challenge.verificationMethod : undefined,
        scope: challenge.scope,
        ruleIds: [],
        output: {},
      });
    } else if (challenge.verified && action.state === 'CHALLENGE_REQUIRED') {
      recordChallengeOutcome(emu, {
        userId: input.userId,
        succeeded: true,
        verificationMethod: challenge.verificationMethod,
        actionCode,
        idempotencyKey: challenge.idempotencyKey,
        countsForBinding: false,
      });
    }
    store.ensureUser(input.userId);
    emu.changed();
    return { token: await signActionToken(emu, action), verificationMethod: challenge.verificationMethod };
  });

  // ---- sessions ------------------------------------------------------------------------------

  on('POST', '/sessions', async ({ body }) => {
    const input = parseInput(z.object({ clientId: z.string().min(1), token: z.string().min(1), action: z.string().optional() }), body);
    const claims = await verifyOrReject(input.token);
    if (input.action && claims.actionCode && input.action !== claims.actionCode) {
      throw new ApiError(400, 'invalid_request', 'The token belongs to another action.');
    }
    const action =
      claims.actionCode && claims.idempotencyKey ? store.getAction(claims.userId, claims.actionCode, claims.idempotencyKey) : undefined;
    if (claims.kind === 'track' && (!action || !['ALLOW', 'CHALLENGE_SUCCEEDED', 'REVIEW_SUCCEEDED'].includes(action.state))) {
      throw new ApiError(400, 'invalid_request', 'The action behind this token has not succeeded, so no session can be created.');
    }
    const session = sessions.create(claims.userId, input.clientId, action?.verificationMethod);
    return { accessToken: session.accessToken, refreshToken: session.refreshToken };
  });

  on('POST', '/sessions/validate', ({ body }) => {
    const input = parseInput(z.object({ accessToken: z.string().min(1), clientIds: z.array(z.string()).optional() }), body);
    const session = sessions.findByAccessToken(input.accessToken);
    if (!session || (input.clientIds && input.clientIds.length > 0 && !input.clientIds.includes(session.clientId))) {
      throw new ApiError(401, 'invalid_token', 'The access token is invalid, expired or revoked.');
    }
    return {
      user: { userId: session.userId, ...userAttributes(store.getUser(session.userId)) },
      expiresAt: Math.floor(session.expiresAt / 1000),
      verificationMethod: session.verificationMethod,
    };
  });

  on('POST', '/sessions/refresh', ({ body }) => {
    const input = parseInput(z.object({ refreshToken: z.string().min(1) }), body);
    const session = sessions.refresh(input.refreshToken);
    if (!session) throw new ApiError(401, 'invalid_token', 'The refresh token is invalid, expired or revoked.');
    return { accessToken: session.accessToken, refreshToken: session.refreshToken };
  });

  on('POST', '/sessions/revoke', ({ body }) => {
    const input = parseInput(z.object({ accessToken: z.string().min(1) }), body);
    const session = sessions.findByAccessToken(input.accessToken);
    if (session) sessions.revoke(session);
    return {};
  });

  on('POST', '/sessions/user/revoke', ({ body }) => {
    const input = parseInput(z.object({ userId: z.string().min(1) }), body);
    sessions.revokeUser(input.userId);
    return {};
  });

  // ---- helpers -------------------------------------------------------------------------------

  function findAction(userId: string, actionCode: string, idempotencyKey: string): EmuAction {
    const action = store.getAction(userId, actionCode, idempotencyKey);
    if (!action) throw new ApiError(404, 'not_found', 'No action with that user, action code and idempotency key. It may be older than 30 days.');
    return action;
  }

  /** A user token in a request body or query: invalid is the caller's input error (400), not a wrong secret (401). */
  async function verifyOrReject(token: string): Promise<TokenClaims> {
    try {
      return await emu.tokens.verify(token);
    } catch (error) {
      const expired = error instanceof ApiError && error.error === 'expired_token';
      throw new ApiError(400, expired ? 'expired_token' : 'invalid_request', expired ? 'The token has expired. Track a new action.' : 'The token is invalid.');
    }
  }

  /** A server OTP passed: records it on the action and, when it went to an enrolled authenticator, for the binding rule. */
  function recordServerVerification(challenge: EmuChallenge, method: 'SMS' | 'EMAIL_OTP' | 'WHATSAPP'): void {
    const userId = challenge.userId!;
    const norm = (v: string | undefined) => (v ?? '').trim().toLowerCase();
    const matched = store.listAuthenticators(userId).find((a) =>
      challenge.email !== undefined
        ? (a.verificationMethod === 'EMAIL_OTP' || a.verificationMethod === 'EMAIL_MAGIC_LINK') && norm(a.email) === norm(challenge.email)
        : (a.verificationMethod === 'SMS' || a.verificationMethod === 'WHATSAPP') && a.phoneNumber === challenge.phoneNumber,
    );
    const user = store.getUser(userId);
    if (user && challenge.email !== undefined && norm(user.email) === norm(challenge.email)) store.updateUser(userId, { emailVerified: true });
    if (user && challenge.phoneNumber !== undefined && user.phoneNumber === challenge.phoneNumber) store.updateUser(userId, { phoneNumberVerified: true });
    recordChallengeOutcome(emu, {
      userId,
      succeeded: true,
      verificationMethod: method,
      actionCode: challenge.actionCode,
      idempotencyKey: challenge.idempotencyKey,
      userAuthenticatorId: matched?.userAuthenticatorId,
      countsForBinding: matched !== undefined,
    });
  }
}

// ---- schemas ----------------------------------------------------------------------------------

const Email = z.string().trim().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');
const Phone = z.string().trim().regex(E164_PATTERN, 'must be E.164, e.g. +14155550123');
const Custom = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** `updateUser`'s body; `null` clears a field. */
const UserAttributesSchema = z.object({
  email: Email.nullable().optional(),
  emailVerified: z.boolean().nullable().optional(),
  phoneNumber: Phone.nullable().optional(),
  phoneNumberVerified: z.boolean().nullable().optional(),
  username: z.string().trim().max(320).nullable().optional(),
  displayName: z.string().max(320).nullable().optional(),
  custom: Custom.nullable().optional(),
  locale: z.string().max(35).nullable().optional(),
});

const UserQuerySchema = z.object({
  email: z.string().optional(),
  phoneNumber: z.string().optional(),
  username: z.string().optional(),
  token: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  lastEvaluatedUserId: z.string().optional(),
});

// As documented: only these four can be enrolled as already verified.
const ENROLLABLE = ['EMAIL_OTP', 'EMAIL_MAGIC_LINK', 'SMS', 'AUTHENTICATOR_APP'] as const;
const Enrollable = z.enum(ENROLLABLE, {
  error: 'only EMAIL_OTP, EMAIL_MAGIC_LINK, SMS and AUTHENTICATOR_APP can be enrolled from the Server API',
});

const EnrollSchema = z.object({
  verificationMethod: Enrollable.optional(),
  /** Deprecated alias Authsignal still accepts. */
  oobChannel: Enrollable.optional(),
  email: Email.optional(),
  phoneNumber: Phone.optional(),
  otpUri: z.string().max(2000).optional(),
  isDefault: z.boolean().optional(),
});

const ActionQuerySchema = z.object({
  fromDate: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 date')
    .optional(),
  codes: z.string().optional(),
  state: UserActionState.optional(),
});

const ChallengeSchema = z.object({
  verificationMethod: z.enum(['SMS', 'EMAIL_OTP', 'WHATSAPP']).optional(),
  action: z.string().regex(ACTION_CODE_PATTERN, 'must be 1 to 64 letters, digits, "_" or "-"').optional(),
  challengeId: z.string().optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
  userId: z.string().min(1).optional(),
  email: Email.optional(),
  phoneNumber: z.string().trim().optional(),
  smsChannel: z.enum(['DEFAULT', 'WHATSAPP']).optional(),
  locale: z.string().optional(),
  deviceId: z.string().optional(),
  ipAddress: z.string().optional(),
  userAgent: z.string().optional(),
  custom: Custom.optional(),
  scope: z.string().optional(),
});
