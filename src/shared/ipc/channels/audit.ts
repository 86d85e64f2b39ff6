import { z } from 'zod';
import { channel } from '../contract';
import { channelWithoutInput } from './no-input';
import { AuditPage, AuditQuery, AuditRepairResult, AuditStatus, AuditVerifyResult } from '../../domain/audit';

/** The `audit:*` channels: the console audit log, read-only except for repairing a crash's torn tail. */
export const auditChannels = {
  'audit:list': channel({
    summary: 'Audit log entries matching the filters, newest first, one page at a time',
    input: AuditQuery,
    output: AuditPage,
  }),
  'audit:verify': channelWithoutInput('Walk the whole hash chain and name the first entry that does not verify', AuditVerifyResult),
  'audit:status': channelWithoutInput('Whether the log can record (clean, empty, torn by a crash, or damaged), from its tail', AuditStatus),
  'audit:repair': channel({
    summary: 'Set a torn last line aside in quarantine and record the repair in the chain',
    // SECURITY: an explicit confirmation, so no accidental or replayed empty call repairs anything.
    input: z.object({ confirm: z.literal(true) }).strict(),
    output: AuditRepairResult,
  }),
};
