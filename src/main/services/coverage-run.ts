import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { open, stat, type FileHandle } from 'node:fs/promises';
import {
  addToSummary,
  CoverageRunOptions,
  emptySummary,
  type CoverageProgress,
  type CoverageRow,
  type CoverageRunSettings,
  type CoverageState,
  type CoverageSummary,
} from '@shared/domain/coverage';
import { AppError, isAppError } from '@shared/errors';
import { writeJsonAtomic } from './platform/atomic-file';
import { CheckpointWriter, readCheckpoint, type PositionRecord, type StartRecord } from './coverage-checkpoint';
import { detectFormat, inputFacts, parseItem, readLines, type InputFormat, type InputLine } from './coverage-input';
import { AdaptivePacer, sleep, type PacerOptions } from './coverage-pacer';
import { buildRow, csvHeader, problemRow, rowToCsv } from './coverage-report';
import { CoverageTransport, type CallResult, type TransportConfig } from './coverage-transport';

/**
 * One coverage run: streams the input, asks the tenant for each user's authenticators through the
 * adaptive pacer, and writes the report in input order with a checkpoint that survives `kill -9`.
 * Memory holds the summary counters, the rows completed out of order (bounded by the window) and
 * the requests in flight: nothing that grows with the tenant.
 */

/** Retry policy. Every call is a GET, so sending it again is always safe. */
export interface RetryPolicy {
  /** Attempts per request for 5xx, resets and timeouts before the user's row fails. */
  maxAttempts: number;
  /** 429s one request may collect before its row fails (the pacer adapts long before). */
  maxThrottles: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Wait assumed when a 429 carries no Retry-After. */
  defaultThrottleMs: number;
  /** Failures in a row, across users, after which the tenant looks down and everyone pauses. */
  outageStreak: number;
  /** With no success for this long while failing, the run stops (resumable) instead of failing every row. */
  outageGiveUpMs: number;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  maxThrottles: 50,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  defaultThrottleMs: 1_000,
  outageStreak: 10,
  outageGiveUpMs: 120_000,
};

/** What to run. */
export interface CoverageRunRequest {
  inputPath: string;
  /** The CSV report; its checkpoint and summary are written next to it. */
  outPath: string;
  /** Default `<outPath>.checkpoint`. */
  checkpointPath?: string;
  /** Continue the run the checkpoint describes. */
  resume?: boolean;
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
  requests: { sent: number; http429: number; retries: number; transientFailures: number };
}

/** Where the summary of a report is written: `report.csv` -> `report.summary.json`. */
export function summaryPathFor(outPath: string): string {
  return outPath.toLowerCase().endsWith('.csv') ? `${outPath.slice(0, -4)}.summary.json` : `${outPath}.summary.json`;
}

/** Default checkpoint path of a report. */
export function checkpointPathFor(outPath: string): string {
  return `${outPath}.checkpoint`;
}

/** Thrown inside to stop everything; carries the AppError to report. */
class Fatal extends Error {
  constructor(readonly appError: AppError) {
    super(appError.message);
  }
}

/** Runs (or resumes) a coverage run to its end, its cancellation, or a fatal error (thrown). */
export async function runCoverage(request: CoverageRunRequest): Promise<CoverageRunResult> {
  const settings: CoverageRunSettings = CoverageRunOptions.parse(request.options ?? {});
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...request.retry };
  const checkpointPath = request.checkpointPath ?? checkpointPathFor(request.outPath);
  const now = request.now ?? (() => new Date());
  const progressEveryMs = request.progressEveryMs ?? 250;
  const checkpointEveryMs = request.checkpointEveryMs ?? 1_000;
  const windowMax = request.windowMax ?? 4_096;

  const inputStat = await stat(request.inputPath).catch(() => null);
  if (!inputStat?.isFile()) {
    throw new AppError('not-found', `The input file ${request.inputPath} does not exist or is not a file. Check the path given to --input.`);
  }
  const existing = await readCheckpoint(checkpointPath);
  let start: StartRecord;
  let position: PositionRecord;
  let writer: CheckpointWriter;
  let report: FileHandle;
  let format: InputFormat;
  const resumed = request.resume === true && existing !== undefined;

  if (request.resume === true) {
    if (!existing) {
      throw new AppError('not-found', `There is no checkpoint at ${checkpointPath} to resume. Start the run without --resume.`);
    }
    start = existing.start;
    format = start.format;
    const facts = await inputFacts(request.inputPath, format);
    if (facts.sha256 !== start.input.sha256) {
      throw new AppError('conflict', 'The input file changed since this run started, so resuming would mix two lists. Start a new run with a new --out (or restore the original input).');
    }
    position = existing.last;
    if (existing.ended) {
      return finished(request, start, position, checkpointPath, true);
    }
    let reportSize: number;
    try {
      reportSize = (await stat(request.outPath)).size;
    } catch {
      reportSize = -1;
    }
    if (reportSize < position.csvBytes) {
      throw new AppError('conflict', `The report ${request.outPath} is shorter than its checkpoint says it must be. Delete the report and ${checkpointPath}, then start the run again.`);
    }
    // SECURITY: the report lists the tenant's users; it is created owner-only.
    report = await open(request.outPath, 'r+', 0o600);
    // Rows written after the last checkpoint are dropped here and computed again: none twice.
    await report.truncate(position.csvBytes);
    await report.sync();
    await report.close();
    report = await open(request.outPath, 'a', 0o600);
    writer = await closingOnFailure(report, () => CheckpointWriter.reopen(checkpointPath, existing.validBytes));
  } else {
    if (existing && !existing.ended) {
      throw new AppError(
        'conflict',
        `An unfinished run already writes ${request.outPath}. Continue it with --resume, or delete ${checkpointPath} to start over.`,
      );
    }
    format = await detectFormat(request.inputPath, { by: settings.by, column: settings.column });
    const facts = await inputFacts(request.inputPath, format);
    const asOf = now().toISOString();
    start = {
      t: 'start',
      v: 1,
      runId: request.runId ?? randomUUID(),
      startedAt: asOf,
      input: { path: request.inputPath, ...facts },
      format,
      settings,
      tenant: { id: request.tenant?.id ?? null, name: request.tenant?.name ?? null, host: hostOf(request.connection.apiUrl) },
    };
    report = await open(request.outPath, 'w', 0o600);
    const header = csvHeader();
    const opened = report;
    await closingOnFailure(opened, async () => {
      await opened.write(header);
      await opened.sync();
    });
    position = {
      t: 'cp',
      at: asOf,
      offset: format.dataOffset,
      line: format.headerLine,
      csvBytes: Buffer.byteLength(header),
      summary: emptySummary(asOf, settings.staleDays),
    };
    writer = await closingOnFailure(report, () => CheckpointWriter.create(checkpointPath, start));
    const created = writer;
    await closingOnFailure(report, () => created.append(position)).catch(async (error: unknown) => {
      await created.close().catch(() => undefined);
      throw error;
    });
  }

  const runSettings = CoverageRunOptions.parse(start.settings);
  const asOfMs = Date.parse(position.summary.asOf);
  const staleDays = position.summary.staleDays;
  const summary: CoverageSummary = structuredClone(position.summary);
  const transport = new CoverageTransport(request.connection);
  const pacer = new AdaptivePacer({ ...(runSettings.rateLimit ? { maxRate: runSettings.rateLimit } : {}), ...request.pacer });
  const controller = new AbortController();
  const cancelled = () => request.signal?.aborted === true;
  const onExternalAbort = () => controller.abort(new Error('cancelled'));
  request.signal?.addEventListener('abort', onExternalAbort, { once: true });
  if (request.signal?.aborted) controller.abort(new Error('cancelled'));
  const signal = controller.signal;
  // Every waiting request listens for cancel on this one signal: up to concurrencyMax of them at once.
  try {
    setMaxListeners(runSettings.concurrencyMax * 4 + 16, signal);
  } catch {
    // Not Node's AbortSignal (a DOM emulation in tests): it has no listener limit to raise.
  }
  signal.addEventListener('abort', () => wake(), { once: true });

  // ---- ordered output ------------------------------------------------------------------------
  let nextSeq = 0;
  let writeSeq = 0;
  const pending = new Map<number, { row: CoverageRow; endOffset: number; line: number }>();
  let csvChunks: string[] = [];
  let csvBytes = position.csvBytes;
  let watermark = { offset: position.offset, line: position.line };
  let waiters: Array<() => void> = [];
  const wake = () => {
    const list = waiters;
    waiters = [];
    for (const w of list) w();
  };

  const complete = (seq: number, row: CoverageRow, line: InputLine) => {
    pending.set(seq, { row, endOffset: line.endOffset, line: line.line });
    while (pending.has(writeSeq)) {
      const done = pending.get(writeSeq)!;
      pending.delete(writeSeq);
      const text = rowToCsv(done.row);
      csvChunks.push(text);
      csvBytes += Buffer.byteLength(text);
      addToSummary(summary, done.row);
      watermark = { offset: done.endOffset, line: done.line };
      writeSeq++;
    }
    wake();
  };

  // ---- durable checkpoints -------------------------------------------------------------------
  let flushing: Promise<void> = Promise.resolve();
  const flush = (kind: 'cp' | 'end' = 'cp'): Promise<void> => {
    const chunk = csvChunks.join('');
    csvChunks = [];
    const record: PositionRecord = {
      t: kind,
      at: new Date().toISOString(),
      offset: watermark.offset,
      line: watermark.line,
      csvBytes,
      summary: structuredClone(summary),
    };
    flushing = flushing.then(async () => {
      if (chunk.length > 0) {
        await report.write(chunk);
        await report.sync();
      }
      await writer.append(record);
    });
    return flushing;
  };
  const flushTimer = setInterval(() => void flush().catch(() => undefined), checkpointEveryMs);

  // ---- progress ------------------------------------------------------------------------------
  const stats = { sent: 0, http429: 0, retries: 0, transientFailures: 0 };
  const startedMs = performance.now();
  const samples: Array<{ t: number; done: number }> = [];
  let finalState: CoverageState = 'running';
  let errorText: string | undefined;
  const progress = (): CoverageProgress => {
    const t = performance.now();
    const done = summary.rows + pending.size;
    samples.push({ t, done });
    while (samples.length > 2 && t - samples[0].t > 5_000) samples.shift();
    const first = samples[0];
    const rate = t - first.t > 200 ? ((done - first.done) * 1000) / (t - first.t) : 0;
    const total = start.input.rows;
    const paused = pacer.pausedForMs() > 0;
    return {
      runId: start.runId,
      state: finalState === 'running' && paused ? 'throttled' : finalState,
      done,
      failed: summary.failed,
      invalid: summary.invalid,
      total,
      rowsPerSecond: Math.round(rate * 10) / 10,
      etaSeconds: rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : null,
      allowedRate: Math.round(pacer.stats().rate * 10) / 10,
      http429: stats.http429,
      retries: stats.retries,
      elapsedSeconds: Math.round((performance.now() - startedMs) / 100) / 10,
      ...(errorText ? { error: errorText } : {}),
    };
  };
  const emitProgress = () => {
    try {
      request.onProgress?.(progress());
    } catch {
      // A listener's failure must not stop the run.
    }
  };
  const progressTimer = setInterval(emitProgress, progressEveryMs);
  emitProgress();

  // ---- requests ------------------------------------------------------------------------------
  let fatal: AppError | undefined;
  let failStreak = 0;
  let lastSuccess = performance.now();
  let outagePauses = 0;

  const fail = (appError: AppError): never => {
    fatal ??= appError;
    controller.abort(new Fatal(appError));
    throw new Fatal(appError);
  };

  /** Sends one GET through the pacer until it succeeds or its failure is final. */
  async function call<T>(send: (signal: AbortSignal) => Promise<CallResult<T>>): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    let attempts = 0;
    let throttles = 0;
    for (;;) {
      await pacer.acquire(signal);
      const sentAt = pacer.stamp();
      stats.sent++;
      const result = await send(signal);
      if (result.kind !== 'throttled') pacer.onAdmitted();
      switch (result.kind) {
        case 'ok':
          failStreak = 0;
          outagePauses = 0;
          lastSuccess = performance.now();
          return { ok: true, value: result.value };
        case 'throttled':
          stats.http429++;
          throttles++;
          pacer.onThrottle(sentAt, result.retryAfterMs ?? retry.defaultThrottleMs);
          if (throttles >= retry.maxThrottles) return { ok: false, reason: `rate-limited: still rate limited after ${throttles} attempts` };
          stats.retries++;
          continue;
        case 'transient': {
          stats.transientFailures++;
          attempts++;
          failStreak++;
          if (performance.now() - lastSuccess > retry.outageGiveUpMs) {
            fail(
              new AppError(
                'unavailable',
                `The tenant has not answered successfully for ${Math.round(retry.outageGiveUpMs / 1000)} s (last: ${result.detail}). The run stopped; continue it later with --resume.`,
              ),
            );
          }
          if (failStreak >= retry.outageStreak) {
            // Many failures in a row across users: the tenant is down, not this user. Everyone waits
            // (growing) instead of burning every row's attempts.
            outagePauses++;
            pacer.pause(Math.min(30_000, 1_000 * 2 ** Math.min(outagePauses, 5)));
            failStreak = 0;
          }
          if (attempts >= retry.maxAttempts) return { ok: false, reason: `unavailable: ${result.detail} after ${attempts} attempts` };
          // Full jitter: spread retries so they do not arrive together.
          const backoff = Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempts);
          await sleep(Math.max(result.retryAfterMs ?? 0, backoff), signal);
          stats.retries++;
          continue;
        }
        case 'denied':
          return fail(
            new AppError(
              result.status === 401 ? 'unauthorized' : 'forbidden',
              `The tenant rejected the Server API secret (${result.status}). Check the secret and the region of the active tenant, then resume the run with --resume.`,
            ),
          );
        case 'rejected':
          return {
            ok: false,
            reason: `${result.status === 404 ? 'not-found' : 'rejected'}: HTTP ${result.status}${result.detail ? ` (${result.detail})` : ''}`,
          };
        case 'bad-response':
          return { ok: false, reason: `bad-response: ${result.detail}` };
      }
    }
  }

  async function processUser(value: string, inputEmail: string, line: InputLine): Promise<CoverageRow> {
    let userId = value;
    let email = inputEmail;
    if (format.by === 'email') {
      const found = await call((s) => transport.usersByEmail(value, s));
      if (!found.ok) return problemRow(line.line, '', value, 'failed', found.reason);
      if (found.value.length === 0) return problemRow(line.line, '', value, 'failed', 'not-found: no user has this email');
      if (found.value.length > 1) {
        return problemRow(line.line, '', value, 'failed', `ambiguous: ${found.value.length} users have this email; list them by user id`);
      }
      userId = found.value[0].userId;
      email = found.value[0].email || value;
    }
    const list = await call((s) => transport.authenticators(userId, s));
    if (!list.ok) return problemRow(line.line, userId, email, 'failed', list.reason);
    if (runSettings.withProfile && !email) {
      const profile = await call((s) => transport.profileEmail(userId, s));
      if (profile.ok) email = profile.value;
    }
    return buildRow({ line: line.line, userId, email, authenticators: list.value, asOfMs, staleDays });
  }

  // ---- the loop ------------------------------------------------------------------------------
  let inFlight = 0;
  const tasks = new Set<Promise<void>>();
  const hasRoom = () => inFlight < runSettings.concurrencyMax && nextSeq - writeSeq < windowMax;
  try {
    for await (const line of readLines(request.inputPath, position.offset, position.line)) {
      if (signal.aborted) break;
      const item = parseItem(line, format);
      if (item.kind === 'skip') continue;
      // Malformed lines wait for room too: a run of them behind one slow user must not pile up.
      const room = item.kind === 'invalid' ? () => nextSeq - writeSeq < windowMax : hasRoom;
      while (!room() && !signal.aborted) await new Promise<void>((r) => waiters.push(r));
      if (signal.aborted) break;
      const seq = nextSeq++;
      if (item.kind === 'invalid') {
        complete(seq, problemRow(line.line, item.value, '', 'invalid', item.reason), line);
        continue;
      }
      inFlight++;
      const task = processUser(item.value, item.email, line)
        .then((row) => complete(seq, row, line))
        .catch((error: unknown) => {
          if (error instanceof Fatal) fatal ??= error.appError;
          else if (!signal.aborted) fatal ??= isAppError(error) ? error : new AppError('internal', 'The coverage run hit an unexpected error; resume it with --resume.', { cause: error });
          if (!signal.aborted) controller.abort(new Error('stopped'));
        })
        .finally(() => {
          inFlight--;
          tasks.delete(task);
          wake();
        });
      tasks.add(task);
    }
    await Promise.all([...tasks]);
  } finally {
    clearInterval(flushTimer);
    request.signal?.removeEventListener('abort', onExternalAbort);
    transport.close();
  }

  const reachedEnd = !signal.aborted && fatal === undefined;
  if (reachedEnd) {
    // Every line was read and every row written: the position is the end of the input.
    watermark = { offset: start.input.bytes, line: Math.max(watermark.line, 0) };
    finalState = 'completed';
  } else {
    finalState = fatal ? 'failed' : 'cancelled';
    errorText = fatal?.message;
  }
  try {
    await flush(reachedEnd ? 'end' : 'cp');
  } finally {
    clearInterval(progressTimer);
    await flushing.catch(() => undefined);
    await writer.close();
    await report.close();
  }
  const last = progress();
  try {
    request.onProgress?.(last);
  } catch {
    // ignore listener failures
  }
  if (fatal && !cancelled()) throw fatal;
  let summaryPath: string | null = null;
  if (reachedEnd) {
    summaryPath = summaryPathFor(request.outPath);
    await writeJsonAtomic(summaryPath, { runId: start.runId, tenant: start.tenant, input: start.input, settings: start.settings, summary });
  }
  return {
    runId: start.runId,
    state: reachedEnd ? 'completed' : 'cancelled',
    summary,
    outPath: request.outPath,
    checkpointPath,
    summaryPath,
    resumed,
    start,
    progress: last,
    requests: stats,
  };
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

/** The result of resuming a run that had already finished: nothing to do. */
async function finished(
  request: CoverageRunRequest,
  start: StartRecord,
  position: PositionRecord,
  checkpointPath: string,
  resumed: boolean,
): Promise<CoverageRunResult> {
  const summaryPath = summaryPathFor(request.outPath);
  await writeJsonAtomic(summaryPath, { runId: start.runId, tenant: start.tenant, input: start.input, settings: start.settings, summary: position.summary });
  const s = position.summary;
  return {
    runId: start.runId,
    state: 'completed',
    summary: s,
    outPath: request.outPath,
    checkpointPath,
    summaryPath,
    resumed,
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

function hostOf(apiUrl: string): string {
  try {
    return new URL(apiUrl).host;
  } catch {
    return 'unknown';
  }
}
