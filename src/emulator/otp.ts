import { randomInt, timingSafeEqual } from 'node:crypto';
import type { EmuChallenge, OutboxMessage } from './model';
import type { Store } from './store';

/** How long an emailed or texted code stays valid. */
export const OTP_TTL_MS = 10 * 60_000;

/** Wrong codes allowed per challenge before it is burnt (Authsignal allows 10 attempts per 5 minutes). */
export const OTP_MAX_ATTEMPTS = 10;

/** Why a code was refused, in Authsignal's words. */
export type OtpFailureReason = 'CODE_INVALID_OR_EXPIRED' | 'MAX_ATTEMPTS_EXCEEDED';

/** A fresh 6-digit code. */
export function generateOtp(): string {
  // SECURITY: crypto-grade randomness; Math.random codes would be guessable.
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Where an OTP goes. */
export interface OtpDelivery {
  channel: OutboxMessage['channel'];
  to: string;
  code: string;
  userId?: string;
  actionCode?: string;
  idempotencyKey?: string;
}

/** "Sends" a code: it lands in the outbox, where people and tests read it instead of a phone or inbox. */
export function sendOtp(store: Store, delivery: OtpDelivery): OutboxMessage {
  const { channel, to, code, userId, actionCode, idempotencyKey } = delivery;
  const subject = channel === 'email' ? 'Your verification code' : 'Verification code';
  const body =
    channel === 'email'
      ? `Your verification code is ${code}. It expires in 10 minutes. If you did not ask for it, ignore this email.`
      : `Your verification code is ${code}`;
  return store.send({ channel, to, kind: 'otp', code, userId, actionCode, idempotencyKey, subject, body });
}

/** "Sends" a magic link to the outbox. */
export function sendMagicLink(
  store: Store,
  delivery: { to: string; link: string; userId?: string; actionCode?: string; idempotencyKey?: string },
): OutboxMessage {
  return store.send({
    channel: 'email',
    kind: 'magic-link',
    to: delivery.to,
    link: delivery.link,
    userId: delivery.userId,
    actionCode: delivery.actionCode,
    idempotencyKey: delivery.idempotencyKey,
    subject: 'Your sign-in link',
    body: `Open this link to continue: ${delivery.link}\nIt expires in 10 minutes. If you did not ask for it, ignore this email.`,
  });
}

function sameCode(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks a code against a challenge and records the attempt. A challenge is single use: once a
 * code matched, it is consumed and any later attempt fails, as do attempts past the limit.
 */
export function checkOtp(challenge: EmuChallenge, code: unknown, now = Date.now()): { ok: true } | { ok: false; reason: OtpFailureReason } {
  if (challenge.consumed || challenge.expiresAt < now || !challenge.code) return { ok: false, reason: 'CODE_INVALID_OR_EXPIRED' };
  if (challenge.attempts >= OTP_MAX_ATTEMPTS) return { ok: false, reason: 'MAX_ATTEMPTS_EXCEEDED' };
  challenge.attempts++;
  const given = typeof code === 'string' ? code.trim() : typeof code === 'number' ? String(code) : '';
  // SECURITY: constant-time comparison, so response timing does not leak how many digits matched.
  if (!sameCode(given, challenge.code)) {
    return { ok: false, reason: challenge.attempts >= OTP_MAX_ATTEMPTS ? 'MAX_ATTEMPTS_EXCEEDED' : 'CODE_INVALID_OR_EXPIRED' };
  }
  challenge.verified = true;
  challenge.consumed = true;
  return { ok: true };
}
