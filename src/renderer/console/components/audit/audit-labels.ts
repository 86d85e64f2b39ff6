import { AUDIT_ACTIONS, AUDIT_ACTION_DOMAINS, type AuditAction } from '@shared/domain/audit-actions';
import type { AuditBreakReason } from '@shared/domain/audit';

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
  'tenant.probe': 'Probed tenant actions',
  'settings.update': 'Changed settings',
  'log.recovered': 'Repaired the log after a crash',
  'browser.integration-on': 'Switched browser integration on',
  'browser.integration-off': 'Switched browser integration off',
  'browser.pairing-request': 'A browser asked to pair',
  'browser.pairing-approve': 'Paired a browser',
  'browser.pairing-decline': 'Declined a browser',
  'browser.revoke': 'Unpaired a browser',
  'policy.forbidden': 'Refused: not allowed for this role',
  'settings.external-change': 'Settings changed outside the app',
  'settings.external-confirm': 'Confirmed a settings change made outside the app',
  'team.connect': 'Turned team mode on',
  'team.disconnect': 'Turned team mode off',
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
  browser: 'Browser integration and pairing',
  policy: 'Refused by role',
  team: 'Team mode',
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

export { detailRows, outcomeOf } from './audit-details';
