import { setMaxListeners } from 'node:events';
import { stat } from 'node:fs/promises';
import { CoverageRunOptions, type CoverageProgress, type CoverageRow, type CoverageRunSettings, type CoverageState, type CoverageSummary } from '@shared/domain/coverage';
import { AppError, isAppError } from '@shared/errors';
import { writeJsonAtomic } from '../platform/atomic-file';
import type { PositionRecord, StartRecord } from './checkpoint';
import { parseItem, readLines, type InputLine } from './input';
import { maskCoverageRow, reportMasked } from './contact-mask';
import { AdaptivePacer, type PacerOptions } from './pacer';
import { problemRow } from './report-rows';
import { CoverageTransport, type TransportConfig } from './transport';
import { OrderedReportWriter } from './ordered-writer';
import { checkOutputs, onFile, type OutputFile } from './output-paths';
import { ProgressMeter } from './progress-meter';
import { checkReportRows } from './report-check';
import { DEFAULT_RETRY, Fatal, RetryingCaller, type RequestStats, type RetryPolicy } from './retrying-caller';
import { hostOf, openRunFiles, type RunFiles } from './run-files';
import { lockRun } from './run-lock';
import { lookUpUser, type LookupContext } from './user-lookup';

export { hostOf } from './run-files';
export type { RetryPolicy } from './retrying-caller';

/**
 * One coverage run: streams the input, asks the tenant for each user's authenticators through the
 * adaptive pacer, and writes the report in input order with a checkpoint that survives `kill -9`.
 * The parts, each in coverage/: the report's lock (run-lock), its files (run-files: new or resumed,
 * bound to tenant, input and options), the ordered report writer (ordering and checkpoints), the
 * retrying caller (pacer, Retry-After, backoff, outages), one user's lookup (user-lookup), the
 * progress meter, and the final check that the report holds each input line once (report-check).
 * Memory holds the summary counters, the rows done out of order (bounded by the window) and the
 * requests in flight: nothing that grows with the tenant.
 */

/** What to run. */
export interface CoverageRunRequest {
  inputPath: string;
  /** The CSV report; its checkpoint and summary are written next to it. */
  outPath: string;
  /** Default `<outPath>.checkpoint`. */
  checkpointPath?: string;
  /** Continue the run the checkpoint describes. */
  resume?: boolean;
  /** Replace an existing report (and its checkpoint) when starting a new run. */
  force?: boolean;
  /** Other files the caller will write for this run (`--json-out`): refused when they collide with the input or the report. */
  otherOutputs?: OutputFile[];
  options?: CoverageRunOptions;
  connection: TransportConfig;
  /** Recorded in the checkpoint and the evidence pack (never the secret). */
  tenant?: { id: string | null; name: string | null };
  runId?: string;
  signal?: AbortSignal;
  onProgress?: (progress: CoverageProgress) => void;
  progressEveryMs?: number;
  checkpointEveryMs?: number;
  /** Rows that may be done ahead of the oldest unfinished one (bounds memory while one user retries). */
  windowMax?: number;
  pacer?: Partial<PacerOptions>;
  retry?: Partial<RetryPolicy>;
  /** Clock for `asOf` (tests pin it). */
  now?: () => Date;
  /** The policy masks contact details: the report's rows are written masked (see contact-mask.ts). */
  maskContacts?: boolean;
}

/** How a run ended (errors are thrown as AppError instead). */
export interface CoverageRunResult {
  runId: string;
  state: Extract<CoverageState, 'completed' | 'cancelled'>;
  summary: CoverageSummary;
  outPath: string;
  checkpointPath: string;
  summaryPath: string | null;
  /** True when this call continued an earlier session. */
  resumed: boolean;
  /** The run's start record: input facts, format, settings, tenant. */
  start: StartRecord;
  progress: CoverageProgress;
  /** Request counters of this session, for the benchmark. */
  requests: RequestStats;
}

/** Where the summary of a report is written: `report.csv` -> `report.summary.json`. */
export function summaryPathFor(outPath: string): string {
  return outPath.toLowerCase().endsWith('.csv') ? `${outPath.slice(0, -4)}.summary.json` : `${outPath}.summary.json`;
}

/** Default checkpoint path of a report. */
export function checkpointPathFor(outPath: string): string {
  return `${outPath}.checkpoint`;
}

interface Paths {
  outPath: string;
  checkpointPath: string;
  summaryPath: string;
}

/** Runs (or resumes) a coverage run to its end, its cancellation, or a fatal error (thrown). */
export async function runCoverage(request: CoverageRunRequest): Promise<CoverageRunResult> {
  if (!(await stat(request.inputPath).catch(() => null))?.isFile()) {
    throw new AppError('not-found', `The input file ${request.inputPath} does not exist or is not a file. Check the path given to --input.`);
  }
  // Where the writes land (symlinks resolved); refused when any of them is the input or another output.
  const [outPath, checkpointPath, summaryPath] = await checkOutputs({ label: '--input', path: request.inputPath }, [
    { label: '--out', path: request.outPath },
    { label: 'the checkpoint', path: request.checkpointPath ?? checkpointPathFor(request.outPath) },
    { label: 'the summary', path: summaryPathFor(request.outPath) },
    ...(request.otherOutputs ?? []),
  ]);
  const paths = { outPath, checkpointPath, summaryPath };
  // One run per report: everything below (reading the checkpoint included) happens under the lock.
  const lock = await onFile(outPath, 'write the report', () => lockRun(outPath));
  try {
    const settings: CoverageRunSettings = CoverageRunOptions.parse(request.options ?? {});
    const files = await openRunFiles({
      inputPath: request.inputPath,
      ...paths,
      namedOutPath: request.outPath,
      resume: request.resume === true,
      force: request.force === true,
      options: request.options,
      settings,
      tenant: { id: request.tenant?.id ?? null, name: request.tenant?.name ?? null, host: hostOf(request.connection.apiUrl) },
      runId: request.runId,
      now: request.now ?? (() => new Date()),
      maskContacts: request.maskContacts === true,
    });
    if (files.kind === 'finished') return await finished(request, paths, files.start, files.position);
    return await runOpen(request, paths, files, lock.lost);
  } finally {
    await lock.release();
  }
}

/** The run loop over opened files: read a line, wait for room, look the user up, hand the row in order. */
async function runOpen(request: CoverageRunRequest, paths: Paths, files: Extract<RunFiles, { kind: 'open' }>, lockLost: AbortSignal): Promise<CoverageRunResult> {
  const { start, format, position } = files;
  const settings = CoverageRunOptions.parse(start.settings);
  const stop = new Stopper(request.signal, lockLost, settings.concurrencyMax);
  const signal = stop.signal;
  const pacer = new AdaptivePacer({ ...(settings.rateLimit ? { maxRate: settings.rateLimit } : {}), ...request.pacer });
  const caller = new RetryingCaller(pacer, { ...DEFAULT_RETRY, ...request.retry }, signal, (error) => stop.fail(error));
  const transport = new CoverageTransport(request.connection);
  const writer = new OrderedReportWriter({ handle: files.report, path: paths.outPath }, { writer: files.checkpoint, path: paths.checkpointPath }, position, request.windowMax ?? 4_096);
  signal.addEventListener('abort', () => writer.wake(), { once: true });
  const meter = new ProgressMeter(progressSource(start, writer, pacer, caller), request.onProgress);
  const lookup: LookupContext = { caller, transport, format, withProfile: settings.withProfile, asOfMs: Date.parse(position.summary.asOf), staleDays: position.summary.staleDays };
  writer.flushEvery(request.checkpointEveryMs ?? 1_000);
  meter.start(request.progressEveryMs ?? 250);

  const pool = new InFlight(() => writer.wake());
  // SECURITY: masked as each row is written, so the report on disk never holds the full contacts.
  const masked = reportMasked(start);
  const complete = (seq: number, row: CoverageRow, line: InputLine) => writer.complete(seq, masked ? maskCoverageRow(row) : row, line);
  try {
    for await (const line of readLines(request.inputPath, position.offset, position.line)) {
      const item = parseItem(line, format);
      if (signal.aborted) break;
      if (item.kind === 'skip') continue;
      // Malformed lines wait for room too: a run of them behind one slow user must not pile up.
      await writer.waitUntil(() => writer.hasRoom() && (item.kind === 'invalid' || pool.size < settings.concurrencyMax), signal);
      if (signal.aborted) break;
      const seq = writer.reserve();
      if (item.kind === 'invalid') complete(seq, problemRow(line.line, item.value, '', 'invalid', item.reason), line);
      else pool.add(lookUpUser(lookup, item.value, item.email, line, item.by).then((row) => complete(seq, row, line), (error: unknown) => stop.onTaskError(error)));
    }
    await pool.drained();
  } finally {
    writer.stopTimer();
    stop.dispose();
    transport.close();
  }
  return finish(request, paths, files, { writer, meter, caller, stop });
}

/** Writes the last checkpoint (`end` only once the report checks out) and builds the result. */
async function finish(
  request: CoverageRunRequest,
  paths: Paths,
  files: Extract<RunFiles, { kind: 'open' }>,
  parts: { writer: OrderedReportWriter; meter: ProgressMeter; caller: RetryingCaller; stop: Stopper },
): Promise<CoverageRunResult> {
  const { writer, meter, caller, stop } = parts;
  const { start } = files;
  const reachedEnd = !stop.signal.aborted && stop.fatal === undefined;
  if (reachedEnd) writer.reachedEnd(start.input.bytes);
  try {
    await writer.flush('cp');
    if (reachedEnd) {
      // Complete only when the report holds exactly the input's rows, each once.
      await checkReportRows(request.inputPath, files.format, paths.outPath);
      await writer.flush('end');
    }
  } finally {
    meter.stopTimer();
    await writer.close();
  }
  const state: CoverageState = reachedEnd ? 'completed' : stop.fatal ? 'failed' : 'cancelled';
  const progress = meter.end(state, stop.fatal?.message);
  if (stop.fatal && request.signal?.aborted !== true) throw stop.fatal;
  let summaryPath: string | null = null;
  if (reachedEnd) {
    summaryPath = await writeSummary(paths.summaryPath, start, writer.summary);
  }
  return {
    runId: start.runId,
    state: reachedEnd ? 'completed' : 'cancelled',
    summary: writer.summary,
    outPath: request.outPath,
    checkpointPath: paths.checkpointPath,
    summaryPath,
    resumed: files.resumed,
    start,
    progress,
    requests: caller.stats,
  };
}

/** The result of resuming a run that had already finished: nothing to do. */
async function finished(request: CoverageRunRequest, paths: Paths, start: StartRecord, position: PositionRecord): Promise<CoverageRunResult> {
  const s = position.summary;
  return {
    runId: start.runId,
    state: 'completed',
    summary: s,
    outPath: request.outPath,
    checkpointPath: paths.checkpointPath,
    summaryPath: await writeSummary(paths.summaryPath, start, s),
    resumed: true,
    start,
    progress: {
      runId: start.runId,
      state: 'completed',
      done: s.rows,
      failed: s.failed,
      invalid: s.invalid,
      total: start.input.rows,
      rowsPerSecond: 0,
      etaSeconds: 0,
      allowedRate: 0,
      http429: 0,
      retries: 0,
      elapsedSeconds: 0,
    },
    requests: { sent: 0, http429: 0, retries: 0, transientFailures: 0 },
  };
}

async function writeSummary(path: string, start: StartRecord, summary: CoverageSummary): Promise<string> {
  const doc = { runId: start.runId, tenant: start.tenant, input: start.input, settings: start.settings, summary };
  await onFile(path, 'write the summary', () => writeJsonAtomic(path, doc));
  return path;
}

function progressSource(start: StartRecord, writer: OrderedReportWriter, pacer: AdaptivePacer, caller: RetryingCaller) {
  return {
    runId: start.runId,
    total: start.input.rows,
    done: () => writer.done,
    failed: () => writer.summary.failed,
    invalid: () => writer.summary.invalid,
    allowedRate: () => pacer.stats().rate,
    throttled: () => pacer.pausedForMs() > 0,
    requests: () => caller.stats,
  };
}

/**
 * Why and when the run stops: the person's cancel, a fatal error (bad secret, long outage, a lost
 * lock, an unexpected failure) or nothing. One AbortSignal that every waiting request listens to.
 */
class Stopper {
  private readonly controller = new AbortController();
  fatal: AppError | undefined;
  private readonly onCancel = () => this.controller.abort(new Error('cancelled'));
  private readonly onLockLost = () => this.fail(this.lockLost.reason as AppError);

  constructor(
    private readonly external: AbortSignal | undefined,
    private readonly lockLost: AbortSignal,
    concurrencyMax: number,
  ) {
    external?.addEventListener('abort', this.onCancel, { once: true });
    if (external?.aborted) this.onCancel();
    // Another process took the report's lock over: stop writing at once.
    lockLost.addEventListener('abort', this.onLockLost, { once: true });
    // Every waiting request listens for cancel on this one signal: up to concurrencyMax of them at once.
    try {
      setMaxListeners(concurrencyMax * 4 + 16, this.controller.signal);
    } catch {
      // Not Node's AbortSignal (a DOM emulation in tests): it has no listener limit to raise.
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  fail(error: AppError): void {
    this.fatal ??= error;
    this.controller.abort(new Fatal(error));
  }

  /** A user's lookup threw: a Fatal (already recorded), a cancel, or a bug that stops the run. */
  onTaskError(error: unknown): void {
    if (error instanceof Fatal) this.fatal ??= error.appError;
    else if (!this.signal.aborted) this.fatal ??= isAppError(error) ? error : new AppError('internal', 'The coverage run hit an unexpected error; resume it with --resume.', { cause: error });
    if (!this.signal.aborted) this.controller.abort(new Error('stopped'));
  }

  dispose(): void {
    this.external?.removeEventListener('abort', this.onCancel);
    this.lockLost.removeEventListener('abort', this.onLockLost);
  }
}

/** The lookups in flight. */
class InFlight {
  private readonly tasks = new Set<Promise<void>>();
  constructor(private readonly onSettled: () => void) {}
  get size(): number {
    return this.tasks.size;
  }
  add(task: Promise<void>): void {
    const tracked: Promise<void> = task.finally(() => {
      this.tasks.delete(tracked);
      this.onSettled();
    });
    this.tasks.add(tracked);
  }
  async drained(): Promise<void> {
    await Promise.all([...this.tasks]);
  }
}
