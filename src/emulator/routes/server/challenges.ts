import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordChallengeOutcome, signActionToken } from '../../actions';
import { ApiError, type RouteContext } from '../../http';
import type { EmuChallenge } from '../../model';
import { checkOtp, generateOtp, OTP_TTL_MS, sendOtp } from '../../otp';
import { ACTION_CODE_PATTERN, E164_PATTERN, parseInput } from '../../validate';
import type { ServerDeps, ServerRoute } from './deps';
import { Custom, Email } from './schemas';

/**
 * Server-side OTP: start (or re-send) a code challenge, verify it, look it up, and claim a
 * challenge started without a user. Challenge `expiresAt` is epoch milliseconds; `/verify` of an
 * unknown challenge answers `CODE_INVALID_OR_EXPIRED` (expired challenges vanish).
 */

type CodeMethod = 'SMS' | 'EMAIL_OTP' | 'WHATSAPP';

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

const VerifySchema = z.object({ challengeId: z.string().min(1), verificationCode: z.union([z.string(), z.number()]) });

const ChallengeQuerySchema = z.object({
  challengeId: z.string().optional(),
  userId: z.string().optional(),
  action: z.string().optional(),
  verificationMethod: z.string().optional(),
});

const ClaimSchema = z.object({ challengeId: z.string().min(1), userId: z.string().min(1), skipVerificationCheck: z.boolean().optional() });

/**
 * A challenge's `expiresAt` as the profile sends it: epoch milliseconds (default) or epoch seconds
 * (strict). The SDK types it as a bare number; sessions' `expiresAt` is seconds.
 */
function expiresAtFor(emu: ServerDeps['emu'], ms: number): number {
  return emu.rules.expiresAtInMilliseconds ? ms : Math.floor(ms / 1000);
}

export function startChallenge({ emu, store }: ServerDeps, { body }: RouteContext) {
  const input = parseInput(ChallengeSchema, body);
  const user = input.userId !== undefined ? store.getUser(input.userId) : undefined;
  const previous = input.challengeId ? store.getChallenge(input.challengeId) : undefined;
  if (input.challengeId && (!previous || previous.consumed || !previous.code)) {
    throw new ApiError(400, 'invalid_request', 'That challenge cannot be re-sent (unknown, already used or not a code challenge). Start a new one without challengeId.');
  }
  let method: CodeMethod;
  if (previous) method = previous.verificationMethod as CodeMethod;
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
  return { challengeId: challenge.challengeId, idempotencyKey, expiresAt: expiresAtFor(emu, challenge.expiresAt) };
}

export function verifyChallenge(deps: ServerDeps, { body }: RouteContext) {
  const input = parseInput(VerifySchema, body);
  const challenge = deps.store.getChallenge(input.challengeId);
  if (!challenge) return { isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' };
  const method = challenge.verificationMethod as CodeMethod;
  const result = checkOtp(challenge, input.verificationCode);
  if (!result.ok) {
    if (result.reason === 'MAX_ATTEMPTS_EXCEEDED' && challenge.userId !== undefined) {
      recordChallengeOutcome(deps.emu, {
        userId: challenge.userId,
        succeeded: false,
        verificationMethod: method,
        actionCode: challenge.actionCode,
        idempotencyKey: challenge.idempotencyKey,
      });
    }
    return { isVerified: false, email: challenge.email, phoneNumber: challenge.phoneNumber, verificationMethod: method, failureReason: result.reason };
  }
  if (challenge.userId !== undefined) recordServerVerification(deps, challenge, method);
  return { isVerified: true, email: challenge.email, phoneNumber: challenge.phoneNumber, verificationMethod: method };
}

export function getChallenge({ emu, store }: ServerDeps, { query }: RouteContext) {
  const q = parseInput(ChallengeQuerySchema, Object.fromEntries(query));
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
    expiresAt: expiresAtFor(emu, challenge.expiresAt),
    verificationMethod: challenge.verificationMethod,
    smsChannel: challenge.smsChannel,
    phoneNumber: challenge.phoneNumber,
    email: challenge.email,
    action: challenge.actionCode,
  };
}

/**
 * Claim: hands a challenge that was started without a user (e.g. a sign-in code sent to an email)
 * to a user, and returns a token for it that /validate and sessions accept.
 */
export async function claimChallenge({ emu, store }: ServerDeps, { body }: RouteContext) {
  const input = parseInput(ClaimSchema, body);
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
}

/**
 * A server OTP passed: records it on the action and, when it went to an enrolled authenticator,
 * for the binding rule (then it is a real challenge with an existing authenticator); it also marks
 * the user's email/phone verified when the code went there.
 */
function recordServerVerification({ emu, store }: ServerDeps, challenge: EmuChallenge, method: CodeMethod): void {
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

export const challengeRoutes: readonly ServerRoute[] = [
  { method: 'POST', path: '/challenge', handler: startChallenge },
  { method: 'POST', path: '/verify', handler: verifyChallenge },
  { method: 'GET', path: '/challenges', handler: getChallenge },
  { method: 'POST', path: '/claim', handler: claimChallenge },
];
