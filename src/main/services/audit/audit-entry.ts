import {
  AUDIT_FORMAT_VERSION,
  AuditEntry,
  type AuditAction,
  type AuditActor,
  type AuditSubject,
  type AuditTenant,
  type VerificationStamp,
} from '@shared/domain/audit';
import { auditErrorOf, cleanString, sanitizeDetails, seal, type ChainHead } from './audit-format';

/** What a feature records: the action, where, about whom, why, and how it ended. */
export interface AuditAppendInput {
  action: AuditAction;
  /** The tenant profile acted on; null or absent for actions on the console itself. */
  tenant?: AuditTenant | null;
  subject?: AuditSubject;
  /** Reason, ticket, method, authenticator id… Credential keys and token-like values are stripped. */
  details?: Record<string, unknown>;
  /** Set when the action failed: an AppError's code and message are kept, anything else is `internal`. */
  error?: unknown;
  /** The caller verification that covered the action. */
  verification?: VerificationStamp;
}
/**
 * The next entry of the chain: `input` cleaned (credential-like details stripped, strings capped),
 * chained to `head` and sealed. Throws rather than return anything the reader would reject.
 */
export function buildEntry(input: AuditAppendInput, head: ChainHead, stamp: { ts: string; actor: AuditActor }): AuditEntry {
  const { details, redacted } = sanitizeDetails(input.details);
  const unsealed: Omit<AuditEntry, 'hash'> = {
    v: AUDIT_FORMAT_VERSION,
    seq: head.seq + 1,
    ts: stamp.ts,
    actor: stamp.actor,
    action: input.action,
    tenant: input.tenant ? { id: cleanString(input.tenant.id, 200), name: cleanString(input.tenant.name, 200) } : null,
    subject: input.subject?.userId === undefined ? {} : { userId: cleanString(input.subject.userId, 500) },
    details,
    outcome: input.error === undefined ? 'ok' : 'error',
    prevHash: head.hash,
  };
  if (input.error !== undefined) unsealed.error = auditErrorOf(input.error);
  if (input.verification) unsealed.verification = input.verification;
  if (redacted.length > 0) unsealed.redacted = redacted;
  // Refuse to write anything the reader would reject: the log must always verify.
  return AuditEntry.parse(seal(unsealed));
}
