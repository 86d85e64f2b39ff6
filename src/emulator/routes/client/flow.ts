import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { VerificationMethod } from '@shared/domain/authsignal';
import { mayAddAuthenticator, recordChallengeOutcome } from '../../actions';
import { requireUserToken } from '../../auth';
import type { Emu } from '../../context';
import { ApiError, type RouteContext } from '../../http';
import type { EmuAuthenticator, EmuChallenge, EmuUser, OutboxMessage } from '../../model';
import type { OtpFailureReason } from '../../otp';
import type { TokenClaims } from '../../tokens';
import { E164_PATTERN } from '../../validate';
import type { RouteSpec } from '../route';
import { clientAuthenticator } from './shapes';

/**
 * What the Client API's route modules share: the route type, request schemas, and the steps of
 * every ceremony (the binding rule, pending enrollments, success and failure, sending limits).
 */

/** A Client API endpoint (path below /v1/client); the handler authenticates the caller itself. */
export type ClientRoute = RouteSpec<Emu>;

/** Scope of the access token a successful verification returns: it may manage authenticators, as Authsignal's does. */
export const MANAGEMENT_SCOPE = 'read:authenticators add:authenticators update:authenticators remove:authenticators';

/** Methods where a user has one authenticator: enrolling again replaces the old one once verified. */
const SINGLE_INSTANCE: readonly VerificationMethod[] = ['EMAIL_OTP', 'SMS', 'EMAIL_MAGIC_LINK', 'AUTHENTICATOR_APP', 'WHATSAPP'];

/** Messages per recipient per 10 minutes before 429 (Authsignal's FAQ: email 12, SMS 6). */
const SEND_LIMITS: Record<OutboxMessage['channel'], number> = { email: 12, sms: 6, whatsapp: 6 };
const SEND_WINDOW_MS = 10 * 60_000;

export const nowIso = () => new Date().toISOString();

export const EmailSchema = z.object({ email: z.email().max(320) });
export const PhoneSchema = z.object({
  phoneNumber: z.string().regex(E164_PATTERN, 'must be in E.164 format, e.g. +14155550123'),
});
export const CodeSchema = z.object({ verificationCode: z.union([z.string().max(20), z.number()]) });

export function userAgent(ctx: RouteContext): string | undefined {
  const ua = ctx.req.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 1000) : undefined;
}

/**
 * The binding rule, enforced for every enrollment.
 * SECURITY: without it, anyone holding one factor (or a leaked track token) could add their own.
 */
export function requireMayAdd(emu: Emu, claims: TokenClaims): void {
  if (!mayAddAuthenticator(emu.store, claims.userId, claims.scope)) {
    throw new ApiError(
      403,
      'insufficient_scope',
      'Adding another authenticator needs a token with the add:authenticators scope, or a challenge passed with an enrolled authenticator in the last 10 minutes. Verify with an enrolled method first, then use the token it returns.',
    );
  }
}

/** The user and action a token is for, as challenges and messages record them. */
export function actionKeys(claims: TokenClaims): Pick<TokenClaims, 'userId' | 'actionCode' | 'idempotencyKey'> {
  return { userId: claims.userId, actionCode: claims.actionCode, idempotencyKey: claims.idempotencyKey };
}

export function accessToken(emu: Emu, userId: string, actionCode?: string, idempotencyKey?: string): Promise<string> {
  return emu.tokens.sign({ userId, actionCode, idempotencyKey, scope: MANAGEMENT_SCOPE, kind: 'access' });
}

export function newChallenge(fields: Omit<EmuChallenge, 'challengeId' | 'attempts' | 'verified' | 'consumed'>): EmuChallenge {
  return { challengeId: randomUUID(), attempts: 0, verified: false, consumed: false, ...fields };
}

/** The newest open challenge of a user for a method (and ceremony, for WebAuthn). */
export function openChallenge(emu: Emu, userId: string, method: VerificationMethod, ceremony?: EmuChallenge['webauthnCeremony']): EmuChallenge | undefined {
  const now = Date.now();
  return emu.store.findChallenges(
    (c) => c.userId === userId && c.verificationMethod === method && !c.consumed && c.expiresAt > now && c.webauthnCeremony === ceremony,
  )[0];
}

/** The user's verified authenticator of a method, else the newest pending enrollment of it. */
export function authenticatorFor(emu: Emu, userId: string, method: VerificationMethod, preferPending = false): EmuAuthenticator | undefined {
  const all = emu.store.listAuthenticators(userId, true).filter((a) => a.verificationMethod === method);
  const pending = all.filter((a) => a._pending).at(-1);
  const verified = all.find((a) => !a._pending);
  return preferPending ? (pending ?? verified) : (verified ?? pending);
}

/** Starts an enrollment: replaces any older pending one of the same method. */
export function addPending(emu: Emu, user: EmuUser, method: VerificationMethod, fields: Partial<EmuAuthenticator>): EmuAuthenticator {
  for (const old of emu.store.listAuthenticators(user.userId, true)) {
    if (old._pending && old.verificationMethod === method) emu.store.removeAuthenticator(user.userId, old.userAuthenticatorId);
  }
  return emu.store.addAuthenticator({ ...fields, userId: user.userId, verificationMethod: method, createdAt: nowIso(), _pending: true });
}

/**
 * Completes a pending enrollment once its first verification passed: it becomes a verified
 * authenticator, replacing an older one of a single-instance method, and the user's contact
 * details it proved are marked verified.
 */
export function activate(emu: Emu, claims: TokenClaims, a: EmuAuthenticator): void {
  if (!a._pending) return;
  // SECURITY: re-checked at activation, in case another authenticator was enrolled since this one started.
  requireMayAdd(emu, claims);
  const store = emu.store;
  if (SINGLE_INSTANCE.includes(a.verificationMethod)) {
    for (const old of store.listAuthenticators(a.userId)) {
      if (old.verificationMethod === a.verificationMethod) store.removeAuthenticator(a.userId, old.userAuthenticatorId);
    }
  }
  a._pending = false;
  a.verifiedAt = nowIso();
  const user = store.ensureUser(a.userId);
  if (a.email && (!user.email || user.email.toLowerCase() === a.email.toLowerCase())) {
    store.updateUser(a.userId, { email: user.email ?? a.email, emailVerified: true });
  }
  if (a.phoneNumber && (!user.phoneNumber || user.phoneNumber === a.phoneNumber)) {
    store.updateUser(a.userId, { phoneNumber: a.phoneNumber, phoneNumberVerified: true });
  }
}

/** A success: records it on action, authenticator and user, and answers with a fresh access token. */
export async function succeed(emu: Emu, claims: TokenClaims, a: EmuAuthenticator, method: VerificationMethod = a.verificationMethod) {
  activate(emu, claims, a);
  recordChallengeOutcome(emu, {
    userId: claims.userId,
    succeeded: true,
    verificationMethod: method,
    actionCode: claims.actionCode,
    idempotencyKey: claims.idempotencyKey,
    userAuthenticatorId: a.userAuthenticatorId,
  });
  return {
    isVerified: true,
    accessToken: await accessToken(emu, claims.userId, claims.actionCode, claims.idempotencyKey),
    userAuthenticatorId: a.userAuthenticatorId,
    userId: claims.userId,
    userAuthenticator: clientAuthenticator(a, emu.store.listAuthenticators(claims.userId).length === 1 || a.isDefault === true),
  };
}

export function fail(emu: Emu, claims: TokenClaims, method: VerificationMethod, reason: OtpFailureReason) {
  recordChallengeOutcome(emu, {
    userId: claims.userId,
    succeeded: false,
    verificationMethod: method,
    actionCode: claims.actionCode,
    idempotencyKey: claims.idempotencyKey,
  });
  return { isVerified: false, failureReason: reason };
}

/**
 * Sending limits, as Authsignal applies them: past the limit a send is 429 `too_many_requests`
 * with Retry-After (the browser SDK knows that code).
 * SECURITY: stops a token holder from using the tenant to flood someone's inbox or phone.
 */
export function requireSendAllowed(emu: Emu, channel: OutboxMessage['channel'], to: string | undefined): void {
  if (!to) return;
  const now = Date.now();
  const recent = emu.store.listOutbox(to).filter((m) => m.channel === channel && now - Date.parse(m.sentAt) < SEND_WINDOW_MS);
  if (recent.length < SEND_LIMITS[channel]) return;
  const oldest = Date.parse(recent[recent.length - 1].sentAt);
  const retryAfter = Math.max(1, Math.ceil((oldest + SEND_WINDOW_MS - now) / 1000));
  throw new ApiError(429, 'too_many_requests', `Too many messages sent to this recipient. Try again in ${retryAfter} seconds.`, {
    'retry-after': String(retryAfter),
  });
}

/** The request's Client API caller, for the pre-built UI's own endpoints. */
export async function userClaims(emu: Emu, req: IncomingMessage): Promise<TokenClaims> {
  return (await requireUserToken(req, emu.tokens)).claims;
}
