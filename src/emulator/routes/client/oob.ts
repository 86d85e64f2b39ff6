import { requireUserToken } from '../../auth';
import type { Emu } from '../../context';
import { ApiError, type RouteContext } from '../../http';
import type { EmuAuthenticator, EmuChallenge } from '../../model';
import { checkOtp, generateOtp, OTP_TTL_MS, sendOtp } from '../../otp';
import type { TokenClaims } from '../../tokens';
import { parseInput } from '../../validate';
import {
  actionKeys,
  addPending,
  authenticatorFor,
  type ClientRoute,
  CodeSchema,
  EmailSchema,
  fail,
  newChallenge,
  openChallenge,
  PhoneSchema,
  requireMayAdd,
  requireSendAllowed,
  succeed,
} from './flow';
import { maskEmail, maskPhone } from './shapes';

/** One-time codes over email, SMS and WhatsApp: enroll, send a code, verify it. */

type OobMethod = 'EMAIL_OTP' | 'SMS' | 'WHATSAPP';

export function deliver(emu: Emu, claims: TokenClaims, a: EmuAuthenticator, method: OobMethod): EmuChallenge {
  const channel = method === 'EMAIL_OTP' ? 'email' : method === 'SMS' ? 'sms' : 'whatsapp';
  requireSendAllowed(emu, channel, method === 'EMAIL_OTP' ? a.email : a.phoneNumber);
  const code = generateOtp();
  const challenge = emu.store.putChallenge(
    newChallenge({
      ...actionKeys(claims),
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
    ...actionKeys(claims),
  });
  return challenge;
}

export async function enrollOob(emu: Emu, ctx: RouteContext, method: 'EMAIL_OTP' | 'SMS') {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const contact = method === 'EMAIL_OTP' ? { email: parseInput(EmailSchema, ctx.body).email } : { phoneNumber: parseInput(PhoneSchema, ctx.body).phoneNumber };
  requireMayAdd(emu, claims);
  const user = emu.store.ensureUser(claims.userId);
  const a = addPending(emu, user, method, contact);
  deliver(emu, claims, a, method);
  emu.changed();
  return { userAuthenticatorId: a.userAuthenticatorId, userId: claims.userId };
}

export async function challengeOob(emu: Emu, ctx: RouteContext, method: OobMethod) {
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

export async function verifyOob(emu: Emu, ctx: RouteContext, method: OobMethod) {
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

export const oobRoutes: readonly ClientRoute[] = [
  { method: 'POST', path: '/user-authenticators/email-otp', handler: (emu, ctx) => enrollOob(emu, ctx, 'EMAIL_OTP') },
  { method: 'POST', path: '/challenge/email-otp', handler: (emu, ctx) => challengeOob(emu, ctx, 'EMAIL_OTP') },
  { method: 'POST', path: '/verify/email-otp', handler: (emu, ctx) => verifyOob(emu, ctx, 'EMAIL_OTP') },
  { method: 'POST', path: '/user-authenticators/sms', handler: (emu, ctx) => enrollOob(emu, ctx, 'SMS') },
  { method: 'POST', path: '/challenge/sms', handler: (emu, ctx) => challengeOob(emu, ctx, 'SMS') },
  { method: 'POST', path: '/verify/sms', handler: (emu, ctx) => verifyOob(emu, ctx, 'SMS') },
  { method: 'POST', path: '/challenge/whatsapp', handler: (emu, ctx) => challengeOob(emu, ctx, 'WHATSAPP') },
  { method: 'POST', path: '/verify/whatsapp', handler: (emu, ctx) => verifyOob(emu, ctx, 'WHATSAPP') },
];
