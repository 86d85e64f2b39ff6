import { METHOD_LABELS, type VerificationMethod } from '@shared/domain/authsignal';
import { CALLER_VERIFICATION_LABELS, type CallerVerificationMethod } from '@shared/domain/verification';
import type { AuditEntry } from '@shared/domain/audit';
import { formatDateTime, ISO_INSTANT } from '@console/lib/format';

/**
 * An audit entry's details in words a person scans: known keys get their own label, codes their
 * meaning, instants the console's one date format, lists a sentence. Nothing is shown as JSON.
 */

const KEY_LABELS: Readonly<Record<string, string>> = {
  verificationId: 'Verification',
  enrollmentId: 'Enrollment',
  authenticatorId: 'Authenticator',
  authenticatorIds: 'Authenticators',
  pendingUntil: 'Code or link valid until',
  resultUserIds: 'Users found',
  results: 'Results',
  failedFields: 'Lookups that failed',
  fields: 'Looked up by',
  firstEnrollment: 'First enrollment',
  actionState: 'Tenant state',
  actionCode: 'Tenant action',
  idempotencyKey: 'Tenant action key',
  query: 'Searched for',
  added: 'Added',
  removed: 'Removed',
  ticket: 'Ticket',
  reason: 'Reason',
  method: 'Method',
  target: 'Sent to',
  note: 'How the caller was checked',
};

/** Codes main writes as `reason` of a verification's end, in words. */
const VERIFICATION_REASONS: Readonly<Record<string, string>> = {
  'wrong-code': 'The caller read back a wrong code',
  'max-attempts': 'Too many wrong codes: the check was closed',
  'challenge-failed': 'The user did not pass the challenge on their device',
  cancelled: 'Cancelled by the agent before it finished',
  'not-completed-in-time': 'Not completed before the code or link expired',
  'lifetime-over': 'The verification ran its full time',
  'ended-by-agent': 'Ended early by the agent',
};

/** `authenticatorId` -> `Authenticator id`. */
function humanKey(key: string): string {
  const known = KEY_LABELS[key];
  if (known) return known;
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A method code (`email-otp`, `PASSKEY`) in words; an unknown code as itself. */
export function methodText(method: string): string {
  return (
    (CALLER_VERIFICATION_LABELS as Record<string, string>)[method as CallerVerificationMethod] ??
    (METHOD_LABELS as Record<string, string>)[method as VerificationMethod] ??
    method
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One item of a list: an authenticator `{ id, method }` reads "Passkey (auth-7)". */
function itemText(value: unknown): string {
  if (isRecord(value)) {
    if (typeof value.method === 'string' && typeof value.id === 'string') return `${methodText(value.method)} (${value.id})`;
    return Object.entries(value)
      .map(([k, v]) => `${humanKey(k).toLowerCase()} ${valueText(k, v)}`)
      .join(', ');
  }
  return valueText('', value);
}

function valueText(key: string, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') return value.toLocaleString();
  if (typeof value === 'string') {
    if (ISO_INSTANT.test(value)) return formatDateTime(value);
    if (key === 'method') return methodText(value);
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    const items = value.map(itemText).join(', ');
    const authenticators = value.every((v) => isRecord(v) && typeof v.method === 'string');
    return authenticators ? `${value.length} authenticator${value.length === 1 ? '' : 's'}: ${items}` : items;
  }
  return itemText(value);
}

/** The "what and why" of an entry as label/value rows: its details, its error, its verification. */
export function detailRows(entry: AuditEntry): { label: string; value: string }[] {
  const rows = Object.entries(entry.details).map(([k, v]) => {
    const reason = entry.action.startsWith('verification.') && k === 'reason' && typeof v === 'string' ? VERIFICATION_REASONS[v] : undefined;
    return { label: humanKey(k), value: reason ?? valueText(k, v) };
  });
  if (entry.error) rows.unshift({ label: 'Error', value: entry.error.message ? `${entry.error.message} (${entry.error.code})` : entry.error.code });
  if (entry.verification) {
    rows.push({
      label: 'Verified by',
      value: `${methodText(entry.verification.method)} (${entry.verification.id}), valid until ${formatDateTime(entry.verification.expiresAt)}`,
    });
  }
  if (entry.redacted?.length) rows.push({ label: 'Withheld', value: entry.redacted.join(', ') });
  return rows;
}

/** How an entry ended, for its badge: the action's own meaning first (a recorded failure is a failure). */
export function outcomeOf(entry: AuditEntry): { label: string; tone: 'active' | 'failed' | 'muted' } {
  if (entry.outcome === 'error') return { label: 'Failed', tone: 'failed' };
  switch (entry.action) {
    case 'verification.fail':
      return entry.details.reason === 'cancelled' ? { label: 'Cancelled', tone: 'muted' } : { label: 'Not verified', tone: 'failed' };
    case 'enrollment.fail':
      return { label: 'Failed', tone: 'failed' };
    case 'enrollment.cancel':
      return { label: 'Cancelled', tone: 'muted' };
    case 'verification.expire':
      return { label: 'Ended', tone: 'muted' };
    default:
      return { label: 'Succeeded', tone: 'active' };
  }
}
