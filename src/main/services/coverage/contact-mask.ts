import type { CoverageRow } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';
import { maskContactsInText } from '../policy/ports';
import type { StartRecord } from './checkpoint';

/**
 * Contact masking in coverage (issue #12): under a managed or team policy that masks contacts, a
 * coverage run writes its report with every email and phone masked, so the table, the CSV and JSON
 * exports and the evidence pack (which signs the report byte for byte) never hold them in full.
 *
 * SECURITY: applied in main, as each row is written (not when it is shown), so no copy of the
 * report on disk and nothing that crosses IPC holds the full contacts; a whole list is never "in a
 * verified call", so the rule for bulk views is simply: masked whenever the policy masks.
 */

/** A row with the contact details in its user id, email and reason cells masked. */
export function maskCoverageRow(row: CoverageRow): CoverageRow {
  return { ...row, userId: maskContactsInText(row.userId), email: maskContactsInText(row.email), reason: maskContactsInText(row.reason) };
}

/** Whether a run's report was written with contacts masked (runs from before issue #12 were not). */
export function reportMasked(start: Pick<StartRecord, 'contacts'>): boolean {
  return start.contacts === 'masked';
}

/**
 * Refuses to hand out (export, sign) a report written with full contacts while the policy masks
 * them: the file itself holds them, and rewriting it would break the SHA-256 the audit log recorded.
 */
export function refuseUnmaskedReport(start: Pick<StartRecord, 'contacts'>, masksNow: boolean, what: string): void {
  if (masksNow && !reportMasked(start)) {
    // 'conflict', not 'forbidden': the role may do this, the report's state is what stands in the way.
    throw new AppError(
      'conflict',
      `This report was written before the policy masked contact details, so it holds them in full and cannot be ${what}. Run coverage again: the new report is written with contacts masked.`,
    );
  }
}
