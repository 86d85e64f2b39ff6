import type { AuditActor, AuditEntry } from '@shared/domain/audit';
import type { AuditAppendInput, AuditLogService } from './audit-log.service';

/**
 * What other domains may use from the audit log, declared once here; `AuditLogService` fits every
 * port. Evidence packs also re-check entries with the log's own line format.
 */

export type { AuditAppendInput } from './audit-log.service';
export { canonicalJson, checkEntryText, checkLine, lineOf } from './audit-format';
export { CallTicketSink, requireTicketByPolicy } from './call-tickets';

/** Appends entries, and says up front when it cannot: what the helpdesk services need. */
export interface AuditSink {
  append(input: AuditAppendInput): Promise<AuditEntry>;
  assertWritable(): Promise<void>;
}

/** Runs a change and records it, refusing when the log cannot: what settings and tenants need. */
export type AuditRecorder = Pick<AuditLogService, 'record'>;

/** Both: TenantService records changes and appends entries of its own. */
export type AuditRecorderSink = Pick<AuditLogService, 'record' | 'append'>;

/**
 * Appends entries and names who the next one is by: what browser integration needs, since a pairing
 * stores who approved it (issue #18).
 */
export interface AuditSinkWithActor extends AuditSink {
  actor(): Promise<AuditActor>;
}
