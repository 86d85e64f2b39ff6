import { NOT_CONFIGURED_REASON } from '@shared/domain/enrollment';
import { maskEmail, maskPhone, type VerificationTarget } from '@shared/domain/verification';
import type { UserFacts } from '../directory/ports';

/** Where a code may go, and how caller verification words its refusals. */

export interface ResolvedTarget extends VerificationTarget {
  /** The real address. SECURITY: stays in main. */
  address: string;
}

/** The tenant method a caller-verification code is sent with. */
const TENANT_METHOD = { 'email-otp': 'EMAIL_OTP', 'sms-otp': 'SMS' } as const;

/**
 * Every place a code may go: verified profile contacts and enrolled OTP authenticators, deduplicated.
 * A target whose method the tenant has not switched on (`active`; null or undefined: unknown, all
 * offered) carries why it cannot be used.
 */
export function verificationTargets(facts: UserFacts, active?: ReadonlySet<string> | null): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  const seen = new Set<string>();
  const add = (method: 'email-otp' | 'sms-otp', address: string | undefined, ref: string, source: 'profile' | 'authenticator') => {
    if (!address) return;
    const key = `${method}:${method === 'email-otp' ? address.trim().toLowerCase() : address.replace(/[^\d+]/g, '')}`;
    if (seen.has(key)) return;
    seen.add(key);
    const off = active && !active.has(TENANT_METHOD[method]);
    out.push({ ref, method, address, masked: method === 'email-otp' ? maskEmail(address) : maskPhone(address), source, ...(off ? { unavailable: NOT_CONFIGURED_REASON } : {}) });
  };
  const p = facts.profile;
  if (p.emailVerified) add('email-otp', p.email, 'profile-email', 'profile');
  if (p.phoneNumberVerified) add('sms-otp', p.phoneNumber, 'profile-phone', 'profile');
  for (const a of facts.authenticators) {
    if (a.method === 'EMAIL_OTP' || a.method === 'EMAIL_MAGIC_LINK') add('email-otp', a.email, `authenticator:${a.id}`, 'authenticator');
    if (a.method === 'SMS' || a.method === 'WHATSAPP') add('sms-otp', a.phoneNumber, `authenticator:${a.id}`, 'authenticator');
  }
  return out;
}

/**
 * A challenge's `expiresAt` as epoch milliseconds. The SDK types it as a number without a unit
 * (the local tenant sends milliseconds); a value that can only be seconds is scaled, an ISO string
 * parsed, anything else ignored (the caller then uses the token lifetime).
 */
export function epochMs(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : Date.parse(value)) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  // Before 2001-09-09 in milliseconds is after the year 33000 in seconds: it is seconds.
  return n < 1e12 ? n * 1000 : n;
}

/** The refusal when a change needs a verified caller and there is none. */
export function notVerified(required: boolean): string {
  return required
    ? 'Verify the caller first: this tenant requires a verified caller before authenticators are removed or enrolled.'
    : 'Verify the caller first.';
}
