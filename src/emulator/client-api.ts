import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { VerificationMethod } from '@shared/domain/authsignal';
import { mayAddAuthenticator, publicAuthenticator, recordChallengeOutcome, trackAction } from './actions';
import { clientCaller, requireUserToken } from './auth';
import type { Emu } from './context';
import { ApiError, type RouteContext, type Router } from './http';
import type { EmuAuthenticator, EmuChallenge, EmuUser, OutboxMessage } from './model';
import { checkOtp, generateOtp, OTP_TTL_MS, sendMagicLink, sendOtp, type OtpFailureReason } from './otp';
import { hasScope, type TokenClaims } from './tokens';
import { createTotp, verifyTotp } from './totp';
import { PREBUILT_PREFIX } from './urls';
import { ACTION_CODE_PATTERN, E164_PATTERN, parseInput } from './validate';
import {
  createAuthenticationOptions,
  createRegistrationOptions,
  signedChallenge,
  verifyAuthentication,
  verifyRegistration,
  WEBAUTHN_CHALLENGE_TTL_MS,
  type WebauthnMethod,
} from './webauthn';

/**
 * The Client API under /v1/client: exactly what @authsignal/browser 1.16 calls (reference §2.5),
 * authenticated by a user token (Bearer) or, for passkey sign-in by action, the tenant id (Basic).
 * Every answer is JSON, errors included, because the browser SDK never looks at the status and
 * always calls `response.json()`.
 *
 * Refusals: an expired token is 401 `expired_token` (the browser SDK fires `onTokenExpired` on it);
 * adding a second or later authenticator without `add:authenticators` in the token and without a
 * challenge passed in the last 10 minutes is 403 `insufficient_scope` (RFC 6750's name for it;
 * Authsignal documents the rule but not its error code); removing needs `remove:authenticators`.
 */

const C = '/v1/client';

/** The magic-link landing page (pre-built UI stand-in) that approves a magic-link challenge. */
export const MAGIC_LINK_PATH = `${PREBUILT_PREFIX}/magic-link`;

/** Scope of the access token a successful verification returns: it may manage authenticators, as Authsignal's does. */
export const MANAGEMENT_SCOPE = 'read:authenticators add:authenticators update:authenticators remove:authenticators';

/** Methods where a user has one authenticator: enrolling again replaces the old one once verified. */
const SINGLE_INSTANCE: readonly VerificationMethod[] = ['EMAIL_OTP', 'SMS', 'EMAIL_MAGIC_LINK', 'AUTHENTICATOR_APP', 'WHATSAPP'];

/** Authenticator-app failures allowed per authenticator per window (Authsignal: 10 attempts / 5 minutes). */
const TOTP_MAX_FAILURES = 10;
const TOTP_FAILURE_WINDOW_MS = 5 * 60_000;

/** Messages per recipient per 10 minutes before 429 (Authsignal's FAQ: email 12, SMS 6). */
const SEND_LIMITS: Record<OutboxMessage['channel'], number> = { email: 12, sms: 6, whatsapp: 6 };
const SEND_WINDOW_MS = 10 * 60_000;

const nowIso = () => new Date().toISOString();

// ---- shapes -----------------------------------------------------------------------------------

/** `j*****@example.com`: the Client API shows contact details masked (the holder of a user token may be anyone). */
export function maskEmail(email: string | undefined): string | undefined {
  if (!email) return undefined;
  const at = email.lastIndexOf('@');
  if (at <= 0) return '*****';
  return `${email.charAt(0)}*****${email.slice(at)}`;
}

/** `+*******8901`: only the last four digits stay readable. */
export function maskPhone(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  const digits = phone.replace(/\D/g, '');
  return `${phone.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(digits.length - 4, 0))}${digits.slice(-4)}`;
}

/** An authenticator as the Client API returns it: no internal fields, contact details masked, `isDefault` set. */
export function clientAuthenticator(a: EmuAuthenticator, isDefault: boolean): Record<string, unknown> {
  const out = publicAuthenticator(a);
  delete out.userId;
  if (a.email) out.email = maskEmail(a.email);
  if (a.phoneNumber) out.phoneNumber = maskPhone(a.phoneNumber);
  const attachment = a.webauthnCredential?.authenticatorAttachment;
  if (attachment) out.authenticatorAttachment = attachment;
  out.isDefault = isDefault;
  return out;
}

/** The user's verified authenticators in Client API shape. */
export function clientAuthenticators(emu: Emu, userId: string): Record<string, unknown>[] {
  const list = emu.store.listAuthenticators(userId);
  const preferred = list.find((a) => a.isDefault) ?? list[0];
  return list.map((a) => clientAuthenticator(a, a === preferred));
}

// ---- helpers ----------------------------------------------------------------------------------

const EmailSchema = z.object({ email: z.email().max(320) });
const PhoneSchema = z.object({
  phoneNumber: z.string().regex(E164_PATTERN, 'must be in E.164 format, e.g. +14155550123'),
});
const CodeSchema = z.object({ verificationCode: z.union([z.string().max(20), z.number()]) });
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

function userAgent(ctx: RouteContext): string | undefined {
  const ua = ctx.req.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 1000) : undefined;
}

/**
 * The binding rule, enforced for every enrollment.
 * SECURITY: without it, anyone holding one factor (or a leaked track token) could add their own.
 */
function requireMayAdd(emu: Emu, claims: TokenClaims): void {
  if (!mayAddAuthenticator(emu.store, claims.userId, claims.scope)) {
    throw new ApiError(
      403,
      'insufficient_scope',
      'Adding another authenticator needs a token with the add:authenticators scope, or a challenge passed with an enrolled authenticator in the last 10 minutes. Verify with an enrolled method first, then use the token it returns.',
    );
  }
}

function accessToken(emu: Emu, userId: string, actionCode?: string, idempotencyKey?: string): Promise<string> {
  return emu.tokens.sign({ userId, actionCode, idempotencyKey, scope: MANAGEMENT_SCOPE, kind: 'access' });
}

function newChallenge(fields: Omit<EmuChallenge, 'challengeId' | 'attempts' | 'verified' | 'consumed'>): EmuChallenge {
  return { challengeId: randomUUID(), attempts: 0, verified: false, consumed: false, ...fields };
}

/** The newest open challenge of a user for a method (and ceremony, for WebAuthn). */
function openChallenge(emu: Emu, userId: string, method: VerificationMethod, ceremony?: EmuChallenge['webauthnCeremony']): EmuChallenge | undefined {
  const now = Date.now();
  return emu.store.findChallenges(
    (c) => c.userId === userId && c.verificationMethod === method && !c.consumed && c.expiresAt > now && c.webauthnCeremony === ceremony,
  )[0];
}

/** The user's verified authenticator of a method, else the newest pending enrollment of it. */
function authenticatorFor(emu: Emu, userId: string, method: VerificationMethod, preferPending = false): EmuAuthenticator | undefined {
  const all = emu.store.listAuthenticators(userId, true).filter((a) => a.verificationMethod === method);
  const pending = all.filter((a) => a._pending).at(-1);
  const verified = all.find((a) => !a._pending);
  return preferPending ? (pending ?? verified) : (verified ?? pending);
}

/** Starts an enrollment: replaces any older pending one of the same method. */
function addPending(emu: Emu, user: EmuUser, method: VerificationMethod, fields: Partial<EmuAuthenticator>): EmuAuthenticator {
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
function activate(emu: Emu, claims: TokenClaims, a: EmuAuthenticator): void {
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
async function succeed(emu: Emu, claims: TokenClaims, a: EmuAuthenticator, method: VerificationMethod = a.verificationMethod) {
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

function fail(emu: Emu, claims: TokenClaims, method: VerificationMethod, reason: OtpFailureReason) {
  recordChallengeOutcome(emu, {
    userId: claims.userId,
    succeeded: false,
    verificationMethod: method,
    actionCode: claims.actionCode,
    idempotencyKey: claims.idempotencyKey,
  });
  return { isVerified: false, failureReason: reason };
}

// ---- OTP over email, SMS and WhatsApp ---------------------------------------------------------

/**
 * Sending limits, as Authsignal applies them: past the limit a send is 429 `too_many_requests`
 * with Retry-After (the browser SDK knows that code).
 * SECURITY: stops a token holder from using the tenant to flood someone's inbox or phone.
 */
function requireSendAllowed(emu: Emu, channel: OutboxMessage['channel'], to: string | undefined): void {
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

type OobMethod = 'EMAIL_OTP' | 'SMS' | 'WHATSAPP';

function deliver(emu: Emu, claims: TokenClaims, a: EmuAuthenticator, method: OobMethod): EmuChallenge {
  const channel = method === 'EMAIL_OTP' ? 'email' : method === 'SMS' ? 'sms' : 'whatsapp';
  requireSendAllowed(emu, channel, method === 'EMAIL_OTP' ? a.email : a.phoneNumber);
  const code = generateOtp();
  const challenge = emu.store.putChallenge(
    newChallenge({
      userId: claims.userId,
      actionCode: claims.actionCode,
      idempotencyKey: claims.idempotencyKey,
      verificationMethod: method,
      email: a.email,
      phoneNumber: a.phoneNumber,
      smsChannel: method === 'WHATSAPP' ? 'WHATSAPP' : method === 'SMS' ? 'DEFAULT' : undefined,
      userAuthenticatorId: a.userAuthenticatorId,
      code,
      expiresAt: Date.now() + OTP_TTL_MS,
    }),
  );
  sendOtp(emu.store, {
    channel,
    to: (method === 'EMAIL_OTP' ? a.email : a.phoneNumber) ?? '',
    code,
    userId: claims.userId,
    actionCode: claims.actionCode,
    idempotencyKey: claims.idempotencyKey,
  });
  return challenge;
}

async function enrollOob(emu: Emu, ctx: RouteContext, method: 'EMAIL_OTP' | 'SMS') {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const contact = method === 'EMAIL_OTP' ? { email: parseInput(EmailSchema, ctx.body).email } : { phoneNumber: parseInput(PhoneSchema, ctx.body).phoneNumber };
  requireMayAdd(emu, claims);
  const user = emu.store.ensureUser(claims.userId);
  const a = addPending(emu, user, method, contact);
  deliver(emu, claims, a, method);
  emu.changed();
  return { userAuthenticatorId: a.userAuthenticatorId, userId: claims.userId };
}

async function challengeOob(emu: Emu, ctx: RouteContext, method: OobMethod) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  // WhatsApp codes go to the phone number of the user's SMS authenticator (Authsignal models WhatsApp as an SMS channel).
  const a =
    method === 'WHATSAPP'
      ? (authenticatorFor(emu, claims.userId, 'WHATSAPP') ?? authenticatorFor(emu, claims.userId, 'SMS'))
      : authenticatorFor(emu, claims.userId, method);
  if (!a) {
    throw new ApiError(400, 'invalid_request', `The user has no ${method === 'EMAIL_OTP' ? 'email' : 'phone'} authenticator to send a code to. Enroll one first.`);
  }
  const challenge = deliver(emu, claims, a, method);
  if (method === 'WHATSAPP' && a.verificationMethod === 'SMS') a.previousSmsChannel = 'WHATSAPP';
  return { challengeId: challenge.challengeId };
}

async function verifyOob(emu: Emu, ctx: RouteContext, method: OobMethod) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const { verificationCode } = parseInput(CodeSchema, ctx.body);
  const challenge = openChallenge(emu, claims.userId, method);
  if (!challenge) return fail(emu, claims, method, 'CODE_INVALID_OR_EXPIRED');
  const result = checkOtp(challenge, verificationCode);
  if (!result.ok) return fail(emu, claims, method, result.reason);
  const a = challenge.userAuthenticatorId ? emu.store.getAuthenticator(claims.userId, challenge.userAuthenticatorId) : undefined;
  if (!a) return fail(emu, claims, method, 'CODE_INVALID_OR_EXPIRED');
  const answer = await succeed(emu, claims, a, method);
  return { ...answer, email: maskEmail(a.email), phoneNumber: maskPhone(a.phoneNumber), verificationMethod: method };
}

// ---- authenticator app (TOTP) -----------------------------------------------------------------

const totpFailures = new Map<string, number[]>();

async function enrollTotp(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  requireMayAdd(emu, claims);
  const user = emu.store.ensureUser(claims.userId);
  const { secret, uri } = createTotp(`Authdesk (${emu.tenantId})`, user.email ?? user.username ?? user.userId);
  // SECURITY: the secret lives only in the internal `_totpSecret` field and in this one response.
  const a = addPending(emu, user, 'AUTHENTICATOR_APP', { _totpSecret: secret });
  emu.changed();
  return { userAuthenticatorId: a.userAuthenticatorId, userId: claims.userId, uri, secret };
}

async function verifyTotpRoute(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const { verificationCode } = parseInput(CodeSchema, ctx.body);
  // A fresh enrollment is verified first; otherwise the enrolled app.
  const a = authenticatorFor(emu, claims.userId, 'AUTHENTICATOR_APP', true);
  if (!a?._totpSecret) throw new ApiError(400, 'invalid_request', 'The user has no authenticator app. Enroll one first.');
  const now = Date.now();
  const recent = (totpFailures.get(a.userAuthenticatorId) ?? []).filter((t) => now - t < TOTP_FAILURE_WINDOW_MS);
  if (recent.length >= TOTP_MAX_FAILURES) return fail(emu, claims, 'AUTHENTICATOR_APP', 'MAX_ATTEMPTS_EXCEEDED');
  if (!verifyTotp(a._totpSecret, verificationCode, now)) {
    totpFailures.set(a.userAuthenticatorId, [...recent, now]);
    return fail(emu, claims, 'AUTHENTICATOR_APP', 'CODE_INVALID_OR_EXPIRED');
  }
  totpFailures.delete(a.userAuthenticatorId);
  return succeed(emu, claims, a);
}

// ---- email magic link -------------------------------------------------------------------------

function sendLink(emu: Emu, claims: TokenClaims, a: EmuAuthenticator): EmuChallenge {
  requireSendAllowed(emu, 'email', a.email);
  // SECURITY: the link carries a one-time random secret (not the user token), valid 10 minutes.
  const secret = randomBytes(24).toString('base64url');
  const challenge = emu.store.putChallenge(
    newChallenge({
      userId: claims.userId,
      actionCode: claims.actionCode,
      idempotencyKey: claims.idempotencyKey,
      verificationMethod: 'EMAIL_MAGIC_LINK',
      email: a.email,
      userAuthenticatorId: a.userAuthenticatorId,
      code: secret,
      approved: false,
      expiresAt: Date.now() + OTP_TTL_MS,
    }),
  );
  const link = `${emu.uiOrigin || emu.origin}${MAGIC_LINK_PATH}?challengeId=${encodeURIComponent(challenge.challengeId)}&secret=${secret}`;
  sendMagicLink(emu.store, {
    to: a.email ?? '',
    link,
    userId: claims.userId,
    actionCode: claims.actionCode,
    idempotencyKey: claims.idempotencyKey,
  });
  return challenge;
}

async function finalizeMagicLink(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const challenge = emu.store.findChallenges((c) => c.userId === claims.userId && c.verificationMethod === 'EMAIL_MAGIC_LINK' && !c.consumed)[0];
  if (!challenge?.approved || challenge.expiresAt < Date.now()) return { isVerified: false };
  const a = challenge.userAuthenticatorId ? emu.store.getAuthenticator(claims.userId, challenge.userAuthenticatorId) : undefined;
  if (!a) return { isVerified: false };
  challenge.consumed = true;
  challenge.verified = true;
  return succeed(emu, claims, a);
}

// ---- WebAuthn: passkeys and security keys -----------------------------------------------------

async function registrationOptions(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const input = method === 'PASSKEY' ? parseInput(PasskeyOptionsSchema, ctx.body) : {};
  requireMayAdd(emu, claims);
  const user = emu.store.ensureUser(claims.userId);
  const options = await createRegistrationOptions(emu, user, emu.store.listAuthenticators(claims.userId), method, input);
  const challenge = emu.store.putChallenge(
    newChallenge({
      userId: claims.userId,
      actionCode: claims.actionCode,
      idempotencyKey: claims.idempotencyKey,
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
function webauthnChallengeFor(
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

async function register(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
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

async function authenticationOptions(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
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

async function verifyWebauthn(emu: Emu, ctx: RouteContext, method: WebauthnMethod) {
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

// ---- routes -----------------------------------------------------------------------------------

/** Client API under /v1/client (user token or tenant auth). */
export function registerClientApi(router: Router, emu: Emu): void {
  const post = (path: string, handler: (ctx: RouteContext) => unknown) => router.on('POST', `${C}${path}`, handler);

  // Authenticators of the token's user (masked contact details, isDefault).
  router.on('GET', `${C}/user-authenticators`, async (ctx) => {
    const { claims } = await requireUserToken(ctx.req, emu.tokens);
    return clientAuthenticators(emu, claims.userId);
  });

  // Emulator extension for the pre-built UI's settings screen: remove one, never the last.
  router.on('DELETE', `${C}/user-authenticators/:userAuthenticatorId`, async (ctx) => {
    const { claims } = await requireUserToken(ctx.req, emu.tokens);
    // SECURITY: removal needs the scope a passed challenge grants, so a bare track token cannot strip factors.
    if (!hasScope(claims.scope, 'remove:authenticators')) {
      throw new ApiError(403, 'insufficient_scope', 'Removing an authenticator needs the remove:authenticators scope. Verify with an enrolled method first.');
    }
    const list = emu.store.listAuthenticators(claims.userId);
    const target = list.find((a) => a.userAuthenticatorId === ctx.params.userAuthenticatorId);
    if (!target) throw new ApiError(404, 'not_found', 'No such authenticator for this user.');
    if (list.length === 1) throw new ApiError(400, 'invalid_request', 'The last authenticator cannot be removed: add another one first.');
    emu.store.removeAuthenticator(claims.userId, target.userAuthenticatorId);
    emu.changed();
    return { userAuthenticatorId: target.userAuthenticatorId, removed: true };
  });

  // Email OTP, SMS and WhatsApp.
  post('/user-authenticators/email-otp', (ctx) => enrollOob(emu, ctx, 'EMAIL_OTP'));
  post('/challenge/email-otp', (ctx) => challengeOob(emu, ctx, 'EMAIL_OTP'));
  post('/verify/email-otp', (ctx) => verifyOob(emu, ctx, 'EMAIL_OTP'));
  post('/user-authenticators/sms', (ctx) => enrollOob(emu, ctx, 'SMS'));
  post('/challenge/sms', (ctx) => challengeOob(emu, ctx, 'SMS'));
  post('/verify/sms', (ctx) => verifyOob(emu, ctx, 'SMS'));
  post('/challenge/whatsapp', (ctx) => challengeOob(emu, ctx, 'WHATSAPP'));
  post('/verify/whatsapp', (ctx) => verifyOob(emu, ctx, 'WHATSAPP'));

  // Authenticator app.
  post('/user-authenticators/totp', (ctx) => enrollTotp(emu, ctx));
  post('/verify/totp', (ctx) => verifyTotpRoute(emu, ctx));

  // Email magic link.
  post('/user-authenticators/email-magic-link', async (ctx) => {
    const { claims } = await requireUserToken(ctx.req, emu.tokens);
    const { email } = parseInput(EmailSchema, ctx.body);
    requireMayAdd(emu, claims);
    const a = addPending(emu, emu.store.ensureUser(claims.userId), 'EMAIL_MAGIC_LINK', { email });
    sendLink(emu, claims, a);
    emu.changed();
    return { userAuthenticatorId: a.userAuthenticatorId, userId: claims.userId };
  });
  post('/challenge/email-magic-link', async (ctx) => {
    const { claims } = await requireUserToken(ctx.req, emu.tokens);
    const a = authenticatorFor(emu, claims.userId, 'EMAIL_MAGIC_LINK');
    if (!a) throw new ApiError(400, 'invalid_request', 'The user has no email magic link authenticator. Enroll one first.');
    return { challengeId: sendLink(emu, claims, a).challengeId };
  });
  post('/verify/email-magic-link/finalize', (ctx) => finalizeMagicLink(emu, ctx));

  // Passkeys.
  post('/user-authenticators/passkey/registration-options', (ctx) => registrationOptions(emu, ctx, 'PASSKEY'));
  post('/user-authenticators/passkey', (ctx) => register(emu, ctx, 'PASSKEY'));
  post('/user-authenticators/passkey/authentication-options', (ctx) => authenticationOptions(emu, ctx, 'PASSKEY'));
  post('/verify/passkey', (ctx) => verifyWebauthn(emu, ctx, 'PASSKEY'));
  post('/challenge', async (ctx) => {
    await clientCaller(ctx.req, emu.tokens);
    const { action, idempotencyKey } = parseInput(ActionSchema, ctx.body);
    const challenge = emu.store.putChallenge(
      newChallenge({ actionCode: action, idempotencyKey, verificationMethod: 'PASSKEY', webauthnCeremony: 'authentication', expiresAt: Date.now() + WEBAUTHN_CHALLENGE_TTL_MS }),
    );
    return { challengeId: challenge.challengeId };
  });
  // `passkey.isAvailableOnDevice`: 200 when one of the credentials is still registered, else 404.
  router.on('GET', `${C}/user-authenticators/passkey`, async (ctx) => {
    await clientCaller(ctx.req, emu.tokens);
    const ids = (ctx.query.get('credentialIds') ?? '').split(',').filter(Boolean);
    const found = ids.map((id) => emu.store.findByCredentialId(id)).find((a) => a && !a._pending && a.verificationMethod === 'PASSKEY');
    if (!found) throw new ApiError(404, 'not_found', 'None of these passkeys is registered.');
    return clientAuthenticator(found, false);
  });

  // Security keys (raw options in, raw responses out: reference §2.5).
  post('/user-authenticators/security-key/registration-options', (ctx) => registrationOptions(emu, ctx, 'SECURITY_KEY'));
  post('/user-authenticators/security-key', (ctx) => register(emu, ctx, 'SECURITY_KEY'));
  post('/user-authenticators/security-key/authentication-options', (ctx) => authenticationOptions(emu, ctx, 'SECURITY_KEY'));
  post('/verify/security-key', (ctx) => verifyWebauthn(emu, ctx, 'SECURITY_KEY'));
}

/** Approves a magic-link challenge from its landing page; false when the link is unknown, used or expired. */
export function approveMagicLink(emu: Emu, challengeId: string, secret: string): boolean {
  const challenge = emu.store.getChallenge(challengeId);
  if (!challenge || challenge.verificationMethod !== 'EMAIL_MAGIC_LINK' || challenge.consumed || challenge.expiresAt < Date.now() || !challenge.code) return false;
  const a = Buffer.from(secret);
  const b = Buffer.from(challenge.code);
  // SECURITY: constant-time comparison of the link secret.
  if (a.length !== b.length || !timingSafeEqual(a, b)) return false;
  challenge.approved = true;
  return true;
}

/** The request's Client API caller, for the pre-built UI's own endpoints. */
export async function userClaims(emu: Emu, req: IncomingMessage): Promise<TokenClaims> {
  return (await requireUserToken(req, emu.tokens)).claims;
}
