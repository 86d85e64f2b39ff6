import { AUDIT_ACTIONS, AUDIT_ACTION_DOMAINS, type AuditAction } from '@shared/domain/audit-actions';
import type { AuditBreakReason, AuditEntry } from '@shared/domain/audit';
import { formatDateTime } from '@console/lib/format';

/** What each recorded action means, in the words an auditor reads. */
const ACTION_LABELS: Readonly<Record<AuditAction, string>> = {
  'user.lookup': 'Opened a user',
  'user.search': 'Searched for users',
  'authenticator.remove': 'Removed an authenticator',
  'authenticators.remove-all': 'Removed all authenticators',
  'sessions.revoke': 'Revoked sessions',
  'verification.start': 'Started caller verification',
  'verification.succeed': 'Caller verified',
  'verification.fail': 'Caller verification failed',
  'verification.offline': 'Caller verified offline',
  'verification.expire': 'Caller verification expired',
  'enrollment.launch': 'Launched enrollment',
  'enrollment.complete': 'Enrollment completed',
  'enrollment.cancel': 'Enrollment cancelled',
  'enrollment.fail': 'Enrollment failed',
  'enrollment.link-create': 'Created an enrollment link',
  'coverage.run': 'Ran a coverage audit',
  'coverage.export': 'Exported a coverage report',
  'evidence.export': 'Exported an evidence pack',
  'tenant.add': 'Added a tenant',
  'tenant.remove': 'Removed a tenant',
  'tenant.rename': 'Renamed a tenant',
  'tenant.rotate': 'Rotated a tenant secret',
  'tenant.switch': 'Switched tenant',
  'settings.update': 'Changed settings',
  'log.recovered': 'Repaired the log after a crash',
  'policy.forbidden': 'Refused: not allowed for this role',
  'settings.external-change': 'Settings changed outside the app',
  'settings.external-confirm': 'Confirmed a settings change made outside the app',
};

const DOMAIN_LABELS: Readonly<Record<string, string>> = {
  user: 'Lookups and searches',
  authenticator: 'Authenticator removals',
  authenticators: 'Remove-all',
  sessions: 'Session revocations',
  verification: 'Caller verification',
  enrollment: 'Enrollment',
  coverage: 'Coverage audits',
  evidence: 'Evidence packs',
  tenant: 'Tenant changes',
  settings: 'Settings',
  log: 'Log repairs',
  policy: 'Refused by role',
};

/** A readable label for an action; an action from a newer Authdesk shows as itself. */
export function actionLabel(action: string): string {
  return (ACTION_LABELS as Record<string, string>)[action] ?? action;
}

/** One option of the action filter. */
export interface ActionOption {
  value: string;
  label: string;
}

/** Whole areas (`verification.*`), then single actions, for the filter's two option groups. */
export const ACTION_FILTER_OPTIONS: { domains: ActionOption[]; actions: ActionOption[] } = {
  domains: AUDIT_ACTION_DOMAINS.filter((d) => AUDIT_ACTIONS.filter((a) => a.startsWith(`${d}.`)).length > 1).map((d) => ({
    value: `${d}.*`,
    label: `All: ${DOMAIN_LABELS[d] ?? d}`,
  })),
  actions: AUDIT_ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] })),
};

/** Why a line failed verification, in words. */
export const BREAK_REASON_LABELS: Readonly<Record<AuditBreakReason, string>> = {
  'bad-json': 'the line is not readable',
  'bad-entry': 'the line is not an audit entry',
  'not-canonical': 'the line was re-written',
  'hash-mismatch': 'the entry was changed',
  'seq-gap': 'entries are missing or out of order',
  'prev-mismatch': 'the entry does not chain to the one before',
  'torn-tail': 'the last line is incomplete (a crash during a write)',
  truncated: 'entries were cut off after the last anchored one',
  rewritten: 'the log was rewritten after the last anchored entry',
};

/** `authenticatorId` -> `Authenticator id`. */
function humanKey(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The "what and why" of an entry as label/value rows: its details, its error, its verification. */
export function detailRows(entry: AuditEntry): { label: string; value: string }[] {
  const rows = Object.entries(entry.details).map(([k, v]) => ({ label: humanKey(k), value: valueText(v) }));
  if (entry.error) rows.unshift({ label: 'Error', value: entry.error.message ? `${entry.error.message} (${entry.error.code})` : entry.error.code });
  if (entry.verification) {
    rows.push({ label: 'Verified by', value: `${entry.verification.method} (${entry.verification.id}), valid until ${formatDateTime(entry.verification.expiresAt)}` });
  }
  if (entry.redacted?.length) rows.push({ label: 'Withheld', value: entry.redacted.join(', ') });
  return rows;
}
