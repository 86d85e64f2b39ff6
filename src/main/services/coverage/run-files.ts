import { randomUUID } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { emptySummary, type CoverageRunSettings } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';
import { CheckpointWriter, readCheckpoint, type PositionRecord, type StartRecord } from './checkpoint';
import { detectFormat, inputFacts, type InputFormat } from './input';
import { csvHeader } from './report-rows';
import type { CoverageRunOptions } from '@shared/domain/coverage';
import { checkInput, checkOptions, checkTenant, type RunTenant } from './binding';
import { checkIsText } from './input-guard';
import { checkNotReplacing, onFile } from './output-paths';
import { checkReportRows } from './report-check';
import { refuseUnmaskedReport } from './contact-mask';

/**
 * Opening a run's files, under the report's lock: a new run (refusing to replace a report unless
 * forced, refusing input that is not text, writing the header and the start record), or a resume
 * (refusing another tenant, other options or another input, cutting the report back to its last
 * checkpoint). A resume of a finished run opens nothing: it is checked and reported as finished.
 */

export interface RunFilesRequest {
  inputPath: string;
  /** The report and checkpoint as resolved (where the writes land) and as the person named the report. */
  outPath: string;
  checkpointPath: string;
  namedOutPath: string;
  resume: boolean;
  force: boolean;
  options: CoverageRunOptions | undefined;
  settings: CoverageRunSettings;
  tenant: RunTenant;
  runId: string | undefined;
  now: () => Date;
  /** The policy masks contact details: a new run writes them masked; a run written in full is not resumed. */
  maskContacts: boolean;
}

export type RunFiles =
  | { kind: 'finished'; start: StartRecord; position: PositionRecord }
  | { kind: 'open'; resumed: boolean; start: StartRecord; format: InputFormat; position: PositionRecord; report: FileHandle; checkpoint: CheckpointWriter };

export async function openRunFiles(r: RunFilesRequest): Promise<RunFiles> {
  const existing = await readCheckpoint(r.checkpointPath);
  if (r.resume) {
    if (!existing) throw new AppError('not-found', `There is no checkpoint at ${r.checkpointPath} to resume. Start the run without --resume.`);
    const { start } = existing;
    checkTenant(start, r.tenant);
    checkOptions(start, r.options);
    checkInput(start, r.inputPath, await inputFacts(r.inputPath, start.format));
    // SECURITY: a run whose rows so far hold full contacts is not continued under a masking policy.
    refuseUnmaskedReport(start, r.maskContacts, 'continued');
    if (existing.ended) {
      await checkReportRows(r.inputPath, start.format, r.outPath);
      return { kind: 'finished', start, position: existing.last };
    }
    const position = existing.last;
    const reportSize = (await stat(r.outPath).catch(() => null))?.size ?? -1;
    if (reportSize < position.csvBytes) {
      throw new AppError('conflict', `The report ${r.namedOutPath} is shorter than its checkpoint says it must be. Start the run again with --force.`);
    }
    // Rows written after the last checkpoint are dropped here and computed again: none twice.
    await onFile(r.outPath, 'write the report', async () => {
      const handle = await open(r.outPath, 'r+');
      await handle.truncate(position.csvBytes).then(() => handle.sync()).finally(() => handle.close());
    });
    const report = await openReport(r.outPath, 'a');
    const checkpoint = await closingOnFailure(report, () => onFile(r.checkpointPath, 'write the checkpoint', () => CheckpointWriter.reopen(r.checkpointPath, existing.validBytes)));
    return { kind: 'open', resumed: true, start, format: start.format, position, report, checkpoint };
  }

  if (existing && !existing.ended && !r.force) {
    throw new AppError('conflict', `An unfinished run already writes ${r.namedOutPath}. Continue it with --resume, or pass --force to start over (its rows so far are lost).`);
  }
  // An existing report is somebody's result: replaced only when asked to.
  await checkNotReplacing([{ label: '--out', path: r.outPath }, { label: 'the checkpoint', path: r.checkpointPath }], r.force);
  // Before anything is written or sent: a workbook or binary file picked by mistake costs nothing.
  await checkIsText(r.inputPath);
  const format = await detectFormat(r.inputPath, { by: r.settings.by, column: r.settings.column });
  const facts = await inputFacts(r.inputPath, format);
  const asOf = r.now().toISOString();
  const start: StartRecord = {
    t: 'start',
    v: 1,
    runId: r.runId ?? randomUUID(),
    startedAt: asOf,
    input: { path: r.inputPath, ...facts },
    format,
    settings: r.settings,
    tenant: r.tenant,
    ...(r.maskContacts ? { contacts: 'masked' as const } : {}),
  };
  const report = await openReport(r.outPath, 'w');
  const header = csvHeader();
  await closingOnFailure(report, async () => {
    await report.write(header);
    await report.sync();
  });
  const position: PositionRecord = {
    t: 'cp',
    at: asOf,
    offset: format.dataOffset,
    line: format.headerLine,
    csvBytes: Buffer.byteLength(header),
    summary: emptySummary(asOf, r.settings.staleDays),
  };
  const checkpoint = await closingOnFailure(report, () => onFile(r.checkpointPath, 'write the checkpoint', () => CheckpointWriter.create(r.checkpointPath, start)));
  await closingOnFailure(report, () => checkpoint.append(position)).catch(async (error: unknown) => {
    await checkpoint.close().catch(() => undefined);
    throw error;
  });
  return { kind: 'open', resumed: false, start, format, position, report, checkpoint };
}

/**
 * Opens the report for writing, owner-only. SECURITY: the report lists the tenant's users; `open`'s
 * mode applies only to a file it creates, so an existing file is narrowed to 0600 as well.
 */
async function openReport(path: string, flags: 'w' | 'a'): Promise<FileHandle> {
  return onFile(path, 'write the report', async () => {
    const handle = await open(path, flags, 0o600);
    await handle.chmod(0o600).catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    return handle;
  });
}

/** Runs `fn`; if it fails, closes `handle` (so a failed start leaks no file descriptor) and rethrows. */
async function closingOnFailure<T>(handle: FileHandle, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** The host a run's API URL points at (recorded in the start record; part of the run's tenant). */
export function hostOf(apiUrl: string): string {
  try {
    return new URL(apiUrl).host;
  } catch {
    return 'unknown';
  }
}
