import { z } from 'zod';
import { IsoTimestamp } from './fields';
import type { AuthenticatorView } from './authenticator-view';
import type { RecentUser, UserDetail, UserSummary } from './user';

/**
 * Caller verification (issue #5): before an agent changes a user's authenticators, the caller
 * proves they are that user with something the user already has. These are the shapes that cross
 * IPC and the pure helpers both sides share (masking contact details).
 *
 * A verification lives in main's memory only, lasts {@link VERIFICATION_LIFETIME_MS} once it
 * succeeds, and is stamped (`VerificationStamp`) on every audit entry it covers.
 */

/** How long a successful verification covers changes. */
export const VERIFICATION_LIFETIME_MS = 10 * 60 * 1000;

/**
 * The Authsignal action code Authdesk tracks caller checks under (server OTP challenges and
 * pre-built UI challenge links), so they show in the user's action history as what they were.
 */
export const VERIFICATION_ACTION_CODE = 'authdesk-verify-caller';

/** The shortest account of an offline check the log accepts: one real sentence. */
export const OFFLINE_NOTE_MIN_LENGTH = 20;
/** The longest account of an offline check. */
export const OFFLINE_NOTE_MAX_LENGTH = 1000;

/** How the caller was checked (also the `method` of the audit stamp). */
export const CALLER_VERIFICATION_METHODS = ['email-otp', 'sms-otp', 'prebuilt-ui', 'offline'] as const;
export const CallerVerificationMethod = z.enum(CALLER_VERIFICATION_METHODS);
export type CallerVerificationMethod = z.infer<typeof CallerVerificationMethod>;

/** Where a verification stands. */
export const VERIFICATION_STATUSES = ['pending', 'verified', 'failed', 'expired', 'cancelled'] as const;
export const VerificationStatus = z.enum(VERIFICATION_STATUSES);
export type VerificationStatus = z.infer<typeof VerificationStatus>;

/** Words for each method, for the console and the audit view. */
export const CALLER_VERIFICATION_LABELS: Readonly<Record<CallerVerificationMethod, string>> = {
  'email-otp': 'Email code',
  'sms-otp': 'Text message code',
  'prebuilt-ui': 'Challenge link on their device',
  offline: 'Offline procedure',
};

/**
 * Somewhere a code can be sent: a verified contact of the user, shown masked. The console picks one
 * by `ref`; main resolves the ref to the address itself.
 * SECURITY: the agent can never type an address, so a caller cannot have the code sent to
 * themselves; and the full address never reaches the console before the caller is verified.
 */
export const VerificationTarget = z.object({
  /** Opaque to the console: `profile-email`, `profile-phone` or `authenticator:<id>`. */
  ref: z.string().max(300),
  method: z.enum(['email-otp', 'sms-otp']),
  /** e.g. `k•••••e@example.com`, `+•• ••• ••• ••24`. */
  masked: z.string(),
  /** A profile attribute Authsignal marked verified, or the contact of an enrolled authenticator. */
  source: z.enum(['profile', 'authenticator']),
  /** Why a code cannot be sent there now (the tenant has not switched the method on); absent: it can. */
  unavailable: z.string().optional(),
});
export type VerificationTarget = z.infer<typeof VerificationTarget>;

/** One caller verification as the console sees it (never the challenge id, code or token). */
export const VerificationView = z.object({
  id: z.string(),
  userId: z.string(),
  /** The tenant profile it was made in. */
  tenantId: z.string(),
  method: CallerVerificationMethod,
  status: VerificationStatus,
  /** Where the code went, masked (OTP methods). */
  target: z.string().optional(),
  startedAt: IsoTimestamp,
  verifiedAt: IsoTimestamp.optional(),
  /** When a verified verification stops covering changes. */
  expiresAt: IsoTimestamp.optional(),
  /** Until when the sent code or the challenge link can be used (pending only). */
  pendingUntil: IsoTimestamp.optional(),
  /**
   * The pre-built UI challenge link for the user's own device. Only in the answer that creates it:
   * it carries the user's short-lived token (Authsignal's own URL contract), so it is shown to be
   * handed over and is never stored.
   */
  link: z.string().optional(),
  /** Why it failed or was refused, in words the agent can act on. */
  failure: z.string().optional(),
});
export type VerificationView = z.infer<typeof VerificationView>;

/** What the console may offer to verify a caller, from fresh data fetched by main. */
export const VerificationOptions = z.object({
  userId: z.string(),
  /** The tenant's policy: changes need a verified caller. */
  required: z.boolean(),
  /** The tenant's policy: verification and enrollment need the ticket of the call. */
  ticketRequired: z.boolean().optional(),
  /** The user has at least one authenticator. */
  enrolled: z.boolean(),
  targets: z.array(VerificationTarget),
  /** A pre-built UI challenge link works only for a user with an authenticator to challenge. */
  prebuiltAvailable: z.boolean(),
  /**
   * "Unverifiable: follow your offline procedure": true when the user has nothing enrolled, so no
   * authenticator can vouch for the caller and the agent must record how they checked.
   */
  unverifiable: z.boolean(),
  /** Set when the tenant's configured methods could not be read (every target is offered). */
  methodsNote: z.string().optional(),
  /** The latest verification of this user in this tenant (pending, live or just ended). */
  current: VerificationView.nullable(),
});
export type VerificationOptions = z.infer<typeof VerificationOptions>;

/** True when a verification covers changes at `now`. */
export function isLive(view: Pick<VerificationView, 'status' | 'expiresAt'>, now: number = Date.now()): boolean {
  return view.status === 'verified' && view.expiresAt !== undefined && Date.parse(view.expiresAt) > now;
}

// ---- masking -----------------------------------------------------------------------------

const DOT = '•';

/**
 * `katherine@example.com` -> `k•••••••e@example.com`: the first and last character of the local
 * part and the domain stay, so an agent can tell addresses apart without reading one out.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return DOT.repeat(Math.min(Math.max(email.length, 3), 12));
  const local = [...email.slice(0, at)];
  const domain = email.slice(at);
  if (local.length <= 2) return `${local[0]}${DOT.repeat(3)}${domain}`;
  return `${local[0]}${DOT.repeat(Math.min(local.length - 2, 8))}${local[local.length - 1]}${domain}`;
}

/** `+14155550124` -> `+•••••••••24`: only the last two digits stay. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length <= 2) return DOT.repeat(3);
  return `${phone.trim().startsWith('+') ? '+' : ''}${DOT.repeat(digits.length - 2)}${digits.slice(-2)}`;
}

const looksLikeEmail = (text: string) => /^[^\s@]+@[^\s@]+$/.test(text.trim());
const looksLikePhone = (text: string) => /^\+?[\d\s().-]{6,}$/.test(text.trim()) && text.replace(/\D/g, '').length >= 6;

/** Masks a label that is an email or a phone number; any other label (a name) stays. */
export function maskContactLabel(label: string): string {
  if (looksLikeEmail(label)) return maskEmail(label);
  if (looksLikePhone(label)) return maskPhone(label);
  return label;
}

/** An authenticator with its email, phone and contact-derived name masked. */
export function maskAuthenticator(a: AuthenticatorView): AuthenticatorView {
  return {
    ...a,
    email: a.email === undefined ? undefined : maskEmail(a.email),
    phoneNumber: a.phoneNumber === undefined ? undefined : maskPhone(a.phoneNumber),
    name: a.nameSource === 'contact' ? maskContactLabel(a.name) : a.name,
  };
}

/**
 * The user view with every email and phone number masked (profile and authenticators).
 * SECURITY: applied in main before the answer crosses IPC, so a console showing an unverified
 * caller's user never holds the full contact details an impostor could fish for.
 */
export function maskUserDetail(detail: UserDetail): UserDetail {
  const p = detail.profile;
  return {
    ...detail,
    profile: {
      ...p,
      email: p.email === undefined ? undefined : maskEmail(p.email),
      phoneNumber: p.phoneNumber === undefined ? undefined : maskPhone(p.phoneNumber),
    },
    authenticators: detail.authenticators.ok ? { ok: true, value: detail.authenticators.value.map(maskAuthenticator) } : detail.authenticators,
  };
}

/**
 * A search hit with the contact fields it was not found by masked: the agent typed the matched one
 * (so showing it back discloses nothing), the others stay hidden until the caller is verified.
 */
export function maskUserSummary(summary: UserSummary): UserSummary {
  return {
    ...summary,
    email: summary.email === undefined || summary.matchedBy.includes('email') ? summary.email : maskEmail(summary.email),
    phoneNumber:
      summary.phoneNumber === undefined || summary.matchedBy.includes('phoneNumber') ? summary.phoneNumber : maskPhone(summary.phoneNumber),
  };
}

/** A recent user whose label is an email or phone, masked. */
export function maskRecentUser(user: RecentUser): RecentUser {
  return user.label === undefined ? user : { ...user, label: maskContactLabel(user.label) };
}
