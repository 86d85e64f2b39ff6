import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { CoverageFilter, type CoverageProgress, type CoverageRunOptions, type CoverageSummary } from '@shared/domain/coverage';
import { AppError, isAppError } from '@shared/errors';
import type {
  CoverageExportChunk,
  CoverageRowsPage,
  CoverageRunInfo,
  CoverageStartInput,
  CoverageUploadInput,
} from '@shared/ipc/channels/coverage';
import { readJsonFile, writeJsonAtomic } from '../platform/atomic-file';
import { readCheckpoint } from './checkpoint';
import { exportReportJson } from './export';
import { checkpointPathFor, hostOf, runCoverage, type CoverageRunRequest, type CoverageRunResult } from './run';
import { finalProgress } from './progress-meter';
import type { CoverageTenant, TenantResolver } from './tenant-resolver';
import { checkTenant } from './binding';
import { readChunk, ReportPages } from './report-pages';
import { checkReportRows } from './report-check';
import { checkNotReplacing, checkOutputs, exportFileName } from './output-paths';
import { sha256File } from '../platform/file-hash';
import { maskCoverageRow, refuseUnmaskedReport } from './contact-mask';

/**
 * Enrollment coverage at tenant scale: the CLI runs a report from a file to a file ({@link run}),
 * the console uploads its input, starts and watches a run in the data dir, pages and filters the
 * report and exports it. Both record the run in the audit log.
 */

/** The audit log, as far as coverage needs it (structural, so the container wires the real one). */
export interface CoverageAuditLog {
  append(input: {
    action: 'coverage.run' | 'coverage.export' | 'evidence.export';
    tenant?: { id: string; name: string } | null;
    details?: Record<string, unknown>;
    error?: unknown;
  }): Promise<unknown>;
}

/** How the service is built. */
export interface CoverageServiceOptions {
  dataDir: string;
  tenant: TenantResolver;
  audit?: CoverageAuditLog;
  appVersion?: string;
  /** The stale threshold from settings, used when a run does not set its own. */
  defaultStaleDays?: () => Promise<number>;
  /** Whether the policy masks contact details now (the container asks the contact rule; absent: never). */
  masksContacts?: () => Promise<boolean>;
  /** Overrides for the engine (tests shorten waits). */
  engine?: Pick<CoverageRunRequest, 'pacer' | 'retry' | 'progressEveryMs' | 'checkpointEveryMs'>;
}

/** A CLI run: input file to report file. */
export interface CoverageFileRun {
  inputPath: string;
  outPath: string;
  resume?: boolean;
  /** Replace an existing report (or --json-out file) instead of refusing. */
  force?: boolean;
  /** Where the JSON export will be written when the run completes (checked before the run starts). */
  jsonOutPath?: string;
  options?: CoverageRunOptions;
  /** Tenant profile id or name; the active tenant when absent. */
  tenantRef?: string;
  signal?: AbortSignal;
  onProgress?: (progress: CoverageProgress) => void;
}

/** Largest input the console may upload. */
export const UPLOAD_MAX_BYTES = 1024 * 1024 * 1024;

const RunMeta = z.object({ runId: z.string(), inputName: z.string(), createdAt: z.string() });
type RunMeta = z.infer<typeof RunMeta>;

interface ActiveRun {
  runId: string;
  controller: AbortController;
  done: Promise<void>;
  progress: CoverageProgress | null;
  error: AppError | null;
}

/** The coverage service. */
export class CoverageService {
  private readonly root: string;
  private readonly listeners = new Set<(progress: CoverageProgress) => void>();
  private active: ActiveRun | null = null;
  private readonly uploads = new Map<string, { seq: number; bytes: number; name: string }>();
  private readonly pages = new ReportPages();

  constructor(private readonly options: CoverageServiceOptions) {
    this.root = join(options.dataDir, 'coverage');
  }

  /** Subscribes to progress of console runs; returns the unsubscribe function. */
  onProgress(listener: (progress: CoverageProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- CLI -----------------------------------------------------------------------------------

  /** Runs (or resumes) a report from a file to a file, recording it in the audit log. */
  async run(request: CoverageFileRun): Promise<CoverageRunResult> {
    const tenant = await this.options.tenant(request.tenantRef);
    // A resume keeps the run's own options: only what the person names again is compared (and must match).
    const options = request.resume === true ? request.options : await this.withDefaults(request.options);
    const jsonOut = request.jsonOutPath === undefined ? [] : [{ label: '--json-out', path: request.jsonOutPath }];
    // Checked before any request: a run must not find out at its end that its export cannot be written.
    await checkOutputs({ label: '--input', path: request.inputPath }, [{ label: '--out', path: request.outPath }, ...jsonOut]);
    await checkNotReplacing(jsonOut, request.force === true);
    const maskContacts = await this.masks();
    return this.audited(tenant, () =>
      runCoverage({
        ...this.options.engine,
        inputPath: request.inputPath,
        outPath: request.outPath,
        resume: request.resume,
        force: request.force,
        otherOutputs: jsonOut,
        options,
        maskContacts,
        connection: { userAgent: this.userAgent(), ...tenant.connection },
        tenant: { id: tenant.id, name: tenant.name },
        signal: request.signal,
        onProgress: request.onProgress,
      }),
    );
  }

  // ---- console: upload, start, cancel, status --------------------------------------------------

  /** Receives one chunk of an input file, in order. */
  async upload(input: z.output<typeof CoverageUploadInput>): Promise<{ uploadId: string; bytes: number; done: boolean }> {
    const uploadsDir = join(this.root, 'uploads');
    await mkdir(uploadsDir, { recursive: true, mode: 0o700 });
    let uploadId = input.uploadId;
    if (uploadId === undefined) {
      if (input.seq !== 0) throw new AppError('validation', 'An upload starts with chunk 0. Pick the file again.');
      await this.dropAbandonedUploads(uploadsDir);
      uploadId = randomUUID();
      this.uploads.set(uploadId, { seq: 0, bytes: 0, name: input.name ?? 'users.csv' });
    }
    const state = this.uploads.get(uploadId);
    if (!state) throw new AppError('not-found', 'That upload is not known (the app may have restarted). Pick the file again.');
    if (input.seq !== state.seq) throw new AppError('conflict', `Upload chunk ${input.seq} arrived where chunk ${state.seq} was expected. Pick the file again.`);
    const bytes = Buffer.byteLength(input.chunk);
    if (state.bytes + bytes > UPLOAD_MAX_BYTES) {
      this.uploads.delete(uploadId);
      await rm(this.uploadPath(uploadId), { force: true });
      throw new AppError('validation', `The input is larger than ${UPLOAD_MAX_BYTES / 1024 / 1024} MB. Split the list, or run it with the CLI: authdesk coverage --input <file>.`);
    }
    // SECURITY: the upload lists the tenant's users: owner-only, created fresh (no symlink follow on 'wx').
    const handle = await open(this.uploadPath(uploadId), input.seq === 0 ? 'wx' : 'a', 0o600);
    try {
      await handle.write(input.chunk);
      if (input.done) await handle.sync();
    } finally {
      await handle.close();
    }
    state.seq++;
    state.bytes += bytes;
    if (input.done) state.seq = -1;
    return { uploadId, bytes: state.bytes, done: input.done };
  }

  /** Starts a console run over an uploaded file, or resumes a stopped one; returns at once. */
  async start(input: z.output<typeof CoverageStartInput>): Promise<CoverageRunInfo> {
    if (this.active) throw new AppError('conflict', 'A coverage run is already going. Wait for it, or cancel it first.');
    const tenant = await this.options.tenant();
    let runId: string;
    let resume = false;
    if (input.resumeRunId !== undefined) {
      runId = input.resumeRunId;
      const meta = await this.meta(runId);
      const checkpoint = await readCheckpoint(checkpointPathFor(this.reportPath(runId)));
      if (!checkpoint) throw new AppError('not-found', `Coverage run ${meta.runId} has nothing to resume. Start a new run.`);
      if (checkpoint.ended) throw new AppError('conflict', 'That coverage run is already complete.');
      // The engine refuses it too (naming both sides); checked here first so nothing starts.
      checkTenant(checkpoint.start, { id: tenant.id, name: tenant.name, host: hostOf(tenant.connection.apiUrl) });
      resume = true;
    } else {
      const uploadId = input.uploadId!;
      const upload = this.uploads.get(uploadId);
      if (!upload || upload.seq !== -1) throw new AppError('validation', 'The input file has not finished uploading. Pick the file again.');
      runId = randomUUID();
      await mkdir(this.runDir(runId), { recursive: true, mode: 0o700 });
      await rename(this.uploadPath(uploadId), this.inputPath(runId));
      this.uploads.delete(uploadId);
      await writeJsonAtomic(join(this.runDir(runId), 'run.json'), { runId, inputName: upload.name, createdAt: new Date().toISOString() } satisfies RunMeta);
    }
    const options = resume ? input.options : await this.withDefaults(input.options);
    const maskContacts = await this.masks();
    const controller = new AbortController();
    const active: ActiveRun = { runId, controller, done: Promise.resolve(), progress: null, error: null };
    this.active = active;
    active.done = this.audited(tenant, () =>
      runCoverage({
        ...this.options.engine,
        runId,
        inputPath: this.inputPath(runId),
        outPath: this.reportPath(runId),
        resume,
        options,
        maskContacts,
        connection: { userAgent: this.userAgent(), ...tenant.connection },
        tenant: { id: tenant.id, name: tenant.name },
        signal: controller.signal,
        onProgress: (progress) => {
          active.progress = progress;
          // The last word (completed, cancelled, failed) is sent once the run is really over (below),
          // so whoever reacts to it by asking for the status sees the finished run.
          if (progress.state === 'running' || progress.state === 'throttled') this.emit(progress);
        },
      }),
    )
      .then(
        () => undefined,
        (error: unknown) => {
          active.error = isAppError(error) ? error : new AppError('internal', 'The coverage run stopped on an unexpected error. Resume it.', { cause: error });
        },
      )
      .finally(() => {
        if (this.active === active) this.active = null;
        this.emit(finalProgress(runId, active.progress, active.error));
      });
    // Wait for the first checkpoint so the run shows up in the list with its totals.
    await this.waitForStart(runId, active);
    return this.info(runId);
  }

  /** Stops the running run (it stays resumable) and resolves once it has saved its position. */
  async cancel(runId: string): Promise<CoverageRunInfo> {
    const active = this.active;
    if (!active || active.runId !== runId) throw new AppError('not-found', 'That coverage run is not running.');
    active.controller.abort(new Error('cancelled'));
    await active.done;
    return this.info(runId);
  }

  /** Resolves when the running run (if any) has stopped. For tests and shutdown. */
  async idle(): Promise<void> {
    await this.active?.done;
  }

  /** Stops a running console run (saving its position, so it stays resumable) before the process exits. */
  async close(): Promise<void> {
    this.active?.controller.abort(new Error('shutting down'));
    await this.idle();
  }

  /** The given run (or the running one, else the latest), and the recent runs, newest first. */
  async status(runId?: string): Promise<{ run: CoverageRunInfo | null; runs: CoverageRunInfo[] }> {
    const ids = await this.runIds();
    const runs: CoverageRunInfo[] = [];
    for (const id of ids.slice(0, 20)) {
      try {
        runs.push(await this.info(id));
      } catch {
        // A run folder that cannot be read (deleted half-way) is left out of the list.
      }
    }
    const wanted = runId ?? this.active?.runId ?? runs[0]?.runId;
    const run = wanted === undefined ? null : (runs.find((r) => r.runId === wanted) ?? (await this.info(wanted)));
    return { run, runs };
  }

  // ---- console: rows and export ----------------------------------------------------------------

  /** A page of rows passing a filter, read from the report on disk through a sparse index. */
  async rows(runId: string, filterInput: CoverageFilter, offset: number, limit: number): Promise<CoverageRowsPage> {
    await this.meta(runId);
    const page = await this.pages.page(runId, this.reportPath(runId), CoverageFilter.parse(filterInput), offset, limit);
    // SECURITY: a report written before the masking policy is masked on its way out (the export refuses it).
    return (await this.masks()) ? { ...page, rows: page.rows.map(maskCoverageRow) } : page;
  }

  /** A piece of the report as CSV or JSON (the JSON file is built on the first request). */
  async exportChunk(runId: string, format: 'csv' | 'json', offset: number): Promise<CoverageExportChunk> {
    const meta = await this.meta(runId);
    const checkpoint = await readCheckpoint(checkpointPathFor(this.reportPath(runId)));
    if (!checkpoint?.ended) throw new AppError('conflict', 'The report is not complete yet. Let the run finish (or resume it), then export.');
    refuseUnmaskedReport(checkpoint.start, await this.masks(), 'exported');
    let path = this.reportPath(runId);
    if (format === 'json') {
      path = join(this.runDir(runId), 'report.json');
      const exists = await stat(path).then(() => true, () => false);
      if (!exists) await exportReportJson(this.reportPath(runId), checkpoint.last.summary, path);
    }
    if (offset === 0 && format === 'csv') {
      // The report handed out must still be exactly the run's: each input line once.
      await checkReportRows(this.inputPath(runId), checkpoint.start.format, this.reportPath(runId));
    }
    const piece = await readChunk(path, offset);
    if (offset === 0) {
      await this.options.audit?.append({
        action: 'coverage.export',
        tenant: checkpoint.start.tenant.id ? { id: checkpoint.start.tenant.id, name: checkpoint.start.tenant.name ?? checkpoint.start.tenant.id } : null,
        details: { runId, format, rows: checkpoint.last.summary.rows },
      });
    }
    return { fileName: exportFileName(meta.inputName, runId, format), mimeType: format === 'csv' ? 'text/csv' : 'application/json', ...piece };
  }

  /** Paths of a finished console run, for the evidence pack. */
  async finishedRun(runId: string): Promise<{ reportPath: string; checkpointPath: string }> {
    await this.meta(runId);
    const checkpointPath = checkpointPathFor(this.reportPath(runId));
    const checkpoint = await readCheckpoint(checkpointPath);
    if (!checkpoint?.ended) throw new AppError('conflict', 'The report is not complete yet. Let the run finish (or resume it), then export evidence.');
    return { reportPath: this.reportPath(runId), checkpointPath };
  }

  // ---- internals -------------------------------------------------------------------------------

  private async masks(): Promise<boolean> {
    return (await this.options.masksContacts?.()) === true;
  }

  private async withDefaults(options: CoverageRunOptions | undefined): Promise<CoverageRunOptions> {
    if (options?.staleDays !== undefined || !this.options.defaultStaleDays) return options ?? {};
    return { ...options, staleDays: await this.options.defaultStaleDays() };
  }

  /** Removes upload files no upload of this process is writing (left by a closed window or a crash). */
  private async dropAbandonedUploads(dir: string): Promise<void> {
    const live = new Set([...this.uploads.keys()].map((id) => `${id}.csv`));
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!live.has(name)) await rm(join(dir, name), { force: true }).catch(() => undefined);
    }
  }

  private userAgent(): string {
    return `authdesk/${this.options.appVersion ?? 'dev'}`;
  }

  /** Runs a coverage run and records it (with its outcome) in the audit log. */
  private async audited(tenant: CoverageTenant, fn: () => Promise<CoverageRunResult>): Promise<CoverageRunResult> {
    const auditTenant = { id: tenant.id, name: tenant.name };
    let result: CoverageRunResult;
    try {
      result = await fn();
    } catch (error) {
      await this.options.audit?.append({ action: 'coverage.run', tenant: auditTenant, details: { outcome: 'stopped' }, error }).catch(() => undefined);
      throw error;
    }
    // SECURITY: the completion entry records the report's SHA-256, so evidence export can refuse a
    // report edited after the run (row totals alone can be kept consistent by hand).
    const report = result.state === 'completed' ? await sha256File(result.outPath) : undefined;
    await this.options.audit?.append({
      action: 'coverage.run',
      tenant: auditTenant,
      details: {
        runId: result.runId,
        ...(report ? { report: { name: basename(result.outPath), sha256: report.sha256, bytes: report.bytes } } : {}),
        state: result.state,
        resumed: result.resumed,
        input: { name: basename(result.start.input.path), sha256: result.start.input.sha256, rows: result.start.input.rows },
        rows: result.summary.rows,
        users: result.summary.users,
        failed: result.summary.failed,
        invalid: result.summary.invalid,
        staleDays: result.summary.staleDays,
      },
    });
    return result;
  }

  private emit(progress: CoverageProgress): void {
    for (const listener of this.listeners) {
      try {
        listener(progress);
      } catch {
        // A broken listener must not stop the run.
      }
    }
  }

  private async waitForStart(runId: string, active: ActiveRun): Promise<void> {
    const checkpoint = checkpointPathFor(this.reportPath(runId));
    for (let i = 0; i < 600; i++) {
      if (active.progress !== null || this.active !== active) break;
      // The file appears before its first position record: wait until it reads as a checkpoint.
      if (await readCheckpoint(checkpoint).then(Boolean, () => false)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    if (active.error && this.active !== active) throw active.error;
  }

  private async info(runId: string): Promise<CoverageRunInfo> {
    const meta = await this.meta(runId);
    const checkpoint = await readCheckpoint(checkpointPathFor(this.reportPath(runId))).catch(() => undefined);
    const active = this.active?.runId === runId ? this.active : null;
    const summary: CoverageSummary | null = checkpoint?.last.summary ?? null;
    let state: CoverageRunInfo['state'];
    if (active) state = active.progress?.state === 'throttled' ? 'throttled' : 'running';
    else if (checkpoint?.ended) state = 'completed';
    else if (checkpoint) state = 'cancelled';
    else state = 'failed';
    return {
      runId,
      inputName: meta.inputName,
      createdAt: meta.createdAt,
      state,
      progress: active?.progress ?? null,
      summary,
      total: checkpoint?.start.input.rows ?? 0,
      tenant: checkpoint?.start.tenant ?? { id: null, name: null, host: '' },
      staleDays: summary?.staleDays ?? checkpoint?.start.settings.staleDays ?? 180,
      resumable: !active && checkpoint !== undefined && !checkpoint.ended,
    };
  }

  private async meta(runId: string): Promise<RunMeta> {
    if (!z.uuid().safeParse(runId).success) throw new AppError('validation', 'That is not a coverage run id.');
    const raw = await readJsonFile(join(this.runDir(runId), 'run.json')).catch(() => undefined);
    const parsed = RunMeta.safeParse(raw);
    if (!parsed.success) throw new AppError('not-found', 'That coverage run does not exist (any more). Pick one from the list.');
    return parsed.data;
  }

  private async runIds(): Promise<string[]> {
    const dir = join(this.root, 'runs');
    const names = await readdir(dir).catch(() => [] as string[]);
    const withTimes = await Promise.all(
      names
        .filter((n) => z.uuid().safeParse(n).success)
        .map(async (n) => ({ n, t: (await stat(join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })),
    );
    return withTimes.sort((a, b) => b.t - a.t).map((x) => x.n);
  }

  private runDir(runId: string): string {
    return join(this.root, 'runs', runId);
  }
  private inputPath(runId: string): string {
    return join(this.runDir(runId), 'input.csv');
  }
  private reportPath(runId: string): string {
    return join(this.runDir(runId), 'report.csv');
  }
  private uploadPath(uploadId: string): string {
    return join(this.root, 'uploads', `${uploadId}.csv`);
  }
}

