import { randomBytes, timingSafeEqual } from 'node:crypto';
import { requireUserToken } from '../../auth';
import type { Emu } from '../../context';
import { ApiError, type RouteContext } from '../../http';
import type { EmuAuthenticator, EmuChallenge } from '../../model';
import { OTP_TTL_MS, sendMagicLink } from '../../otp';
import type { TokenClaims } from '../../tokens';
import { MAGIC_LINK_PATH } from '../../urls';
import { parseInput } from '../../validate';
import { actionKeys,
  addPending, authenticatorFor, type ClientRoute, EmailSchema, newChallenge, requireMayAdd, requireSendAllowed, succeed } from './flow';

/**
 * Email magic link: enroll or challenge sends a one-time link to the pre-built UI's landing page
 * (which approves it, see routes/prebuilt-ui.ts); the SDK then polls `finalize`.
 */

export function sendLink(emu: Emu, claims: TokenClaims, a: EmuAuthenticator): EmuChallenge {
  requireSendAllowed(emu, 'email', a.email);
  // SECURITY: the link carries a one-time random secret (not the user token), valid 10 minutes.
  const secret = randomBytes(24).toString('base64url');
  const challenge = emu.store.putChallenge(
    newChallenge({
      ...actionKeys(claims),
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
    ...actionKeys(claims),
  });
  return challenge;
}

export async function finalizeMagicLink(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const challenge = emu.store.findChallenges((c) => c.userId === claims.userId && c.verificationMethod === 'EMAIL_MAGIC_LINK' && !c.consumed)[0];
  if (!challenge?.approved || challenge.expiresAt < Date.now()) return { isVerified: false };
  const a = challenge.userAuthenticatorId ? emu.store.getAuthenticator(claims.userId, challenge.userAuthenticatorId) : undefined;
  if (!a) return { isVerified: false };
  challenge.consumed = true;
  challenge.verified = true;
  return succeed(emu, claims, a);
}

export async function enrollMagicLink(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const { email } = parseInput(EmailSchema, ctx.body);
  requireMayAdd(emu, claims);
  const a = addPending(emu, emu.store.ensureUser(claims.userId), 'EMAIL_MAGIC_LINK', { email });
  sendLink(emu, claims, a);
  emu.changed();
  return { userAuthenticatorId: a.userAuthenticatorId, userId: claims.userId };
}

export async function challengeMagicLink(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const a = authenticatorFor(emu, claims.userId, 'EMAIL_MAGIC_LINK');
  if (!a) throw new ApiError(400, 'invalid_request', 'The user has no email magic link authenticator. Enroll one first.');
  return { challengeId: sendLink(emu, claims, a).challengeId };
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

export const magicLinkRoutes: readonly ClientRoute[] = [
  { method: 'POST', path: '/user-authenticators/email-magic-link', handler: enrollMagicLink },
  { method: 'POST', path: '/challenge/email-magic-link', handler: challengeMagicLink },
  { method: 'POST', path: '/verify/email-magic-link/finalize', handler: finalizeMagicLink },
];
