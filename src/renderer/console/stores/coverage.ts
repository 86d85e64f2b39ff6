import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { CoverageFilter, CoverageProgress, CoverageRow, CoverageRunOptions } from '@shared/domain/coverage';
import type { ErrorInfo } from '@shared/errors';
import { UPLOAD_CHUNK_MAX, type CoverageRunInfo, type EvidencePackInfo } from '@shared/ipc/channels/coverage';
import type { Result } from '@shared/ipc/result';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';

/** Rows per page asked of main (the table shows ~20; pages arrive ahead of the scroll). */
export const ROWS_PAGE = 200;
/** Pages kept in memory; older ones are dropped and asked again if scrolled back to. */
const PAGES_KEPT = 50;
/** Bytes of the picked file read and sent per upload call (<= UPLOAD_CHUNK_MAX characters). */
export const UPLOAD_SLICE_BYTES = UPLOAD_CHUNK_MAX;

/** A file export, in pieces, ready to become a Blob. */
export interface ExportedFile {
  fileName: string;
  mimeType: string;
  parts: string[];
}

const TERMINAL = new Set(['completed', 'cancelled', 'failed']);

/**
 * Enrollment coverage as the Coverage view shows it: the run on screen (started here from a picked
 * file, or opened from the list), its live progress from `coverage:progress-changed`, its report
 * rows paged from main for the current filter (never all at once), and exports.
 *
 * The picked file is read here in slices and sent to main in order (`coverage:upload`): the console
 * cannot name a path, and main never reads one the renderer chose.
 */
export const useCoverageStore = defineStore('coverage', () => {
  const platform = usePlatform();

  const runs = ref<CoverageRunInfo[]>([]);
  const run = ref<CoverageRunInfo | null>(null);
  const progress = ref<CoverageProgress | null>(null);
  /** Bytes of the picked file sent so far, while uploading. */
  const upload = ref<{ sent: number; total: number } | null>(null);
  const loaded = ref(false);
  const statusRequest = useRequest();
  const startRequest = useRequest();
  const cancelRequest = useRequest();
  const exportRequest = useRequest();
  const evidenceRequest = useRequest();
  const rowsError = ref<ErrorInfo | null>(null);
  const evidence = ref<EvidencePackInfo | null>(null);

  // ---- rows --------------------------------------------------------------------------------
  const filter = ref<CoverageFilter>({});
  /** Rows passing the filter in the whole report; null until the first page answered. */
  const total = ref<number | null>(null);
  /** Bumped whenever a page arrives, so views re-read {@link rowAt}. */
  const pagesVersion = ref(0);
  // Plain (not deep-reactive) storage: thousands of row objects need no proxies.
  const pages = shallowRef(new Map<number, CoverageRow[]>());
  const inFlight = new Set<number>();
  let generation = 0;

  function resetRows(): void {
    generation++;
    pages.value = new Map();
    inFlight.clear();
    total.value = null;
    rowsError.value = null;
    pagesVersion.value++;
  }

  /** The row at an index of the filtered report, or null while its page is on its way. */
  function rowAt(index: number): CoverageRow | null {
    void pagesVersion.value;
    return pages.value.get(Math.floor(index / ROWS_PAGE))?.[index % ROWS_PAGE] ?? null;
  }

  async function fetchPage(page: number): Promise<void> {
    const current = run.value;
    if (!current || inFlight.has(page) || pages.value.has(page)) return;
    const mine = generation;
    inFlight.add(page);
    const result = await platform.coverage.rows({ runId: current.runId, filter: filter.value, offset: page * ROWS_PAGE, limit: ROWS_PAGE });
    inFlight.delete(page);
    if (mine !== generation) return;
    if (!result.ok) {
      rowsError.value = result.error;
      return;
    }
    rowsError.value = null;
    pages.value.set(page, markRaw(result.value.rows));
    // Keep memory flat on a 100,000-row report: forget the pages farthest from this one.
    if (pages.value.size > PAGES_KEPT) {
      const far = [...pages.value.keys()].sort((a, b) => Math.abs(b - page) - Math.abs(a - page))[0];
      pages.value.delete(far);
    }
    total.value = result.value.total;
    pagesVersion.value++;
  }

  /** Makes sure the rows from `start` to `end` (exclusive) are loaded or on their way. */
  async function ensureRows(start: number, end: number): Promise<void> {
    const first = Math.floor(Math.max(0, start) / ROWS_PAGE);
    const last = Math.floor(Math.max(0, end - 1) / ROWS_PAGE);
    const wanted: Promise<void>[] = [];
    for (let p = first; p <= last; p++) wanted.push(fetchPage(p));
    await Promise.all(wanted);
  }

  /** Shows the report through another filter (from the first row). */
  async function setFilter(next: CoverageFilter): Promise<void> {
    filter.value = next;
    resetRows();
    await ensureRows(0, ROWS_PAGE);
  }

  // ---- runs --------------------------------------------------------------------------------

  /**
   * Loads the run list and the run on screen (the given one, else the running or latest one). When
   * the view knows the filter it wants (from the URL), it passes it, so a newly opened run's first
   * page is already the filtered one.
   */
  async function refresh(runId?: string, wantedFilter?: CoverageFilter): Promise<void> {
    if (wantedFilter) filter.value = wantedFilter;
    const result = await statusRequest.run(() => platform.coverage.status(runId ? { runId } : {}));
    if (!result.ok) return;
    runs.value = result.value.runs;
    const next = result.value.run;
    const changed = next?.runId !== run.value?.runId;
    const finished = next?.state === 'completed' && run.value?.state !== 'completed';
    run.value = next;
    if (next?.progress) progress.value = next.progress;
    else if (changed) progress.value = null;
    loaded.value = true;
    if (changed || finished) {
      if (changed) evidence.value = null;
      resetRows();
      if (next && next.summary) await ensureRows(0, ROWS_PAGE);
    }
  }

  /** Reads the picked file in slices, sends them in order, and starts a run over it. */
  async function startFromFile(file: Blob & { name?: string }, options: CoverageRunOptions): Promise<Result<CoverageRunInfo>> {
    return startRequest.run(async () => {
      // A streaming decoder: a character split across two slices is joined, never mangled.
      const decoder = new TextDecoder('utf-8');
      let uploadId: string | undefined;
      let seq = 0;
      upload.value = { sent: 0, total: file.size };
      try {
        for (let offset = 0; offset < file.size || seq === 0; offset += UPLOAD_SLICE_BYTES) {
          const end = Math.min(file.size, offset + UPLOAD_SLICE_BYTES);
          const bytes = new Uint8Array(await file.slice(offset, end).arrayBuffer());
          const done = end >= file.size;
          const chunk = decoder.decode(bytes, { stream: !done });
          const sent = await platform.coverage.upload({ uploadId, seq, chunk, done, ...(seq === 0 ? { name: file.name ?? 'users.csv' } : {}) });
          if (!sent.ok) return sent;
          uploadId = sent.value.uploadId;
          seq++;
          upload.value = { sent: end, total: file.size };
          if (done) break;
        }
      } finally {
        upload.value = null;
      }
      const started = await platform.coverage.start({ uploadId, options });
      if (started.ok) await adopt(started.value);
      return started;
    });
  }

  /** Continues a stopped run. */
  async function resume(runId: string): Promise<Result<CoverageRunInfo>> {
    const result = await startRequest.run(() => platform.coverage.start({ resumeRunId: runId }));
    if (result.ok) await adopt(result.value);
    return result;
  }

  /** Stops the running run; it stays resumable. */
  async function cancel(): Promise<void> {
    const current = run.value;
    if (!current) return;
    const result = await cancelRequest.run(() => platform.coverage.cancel({ runId: current.runId }));
    if (result.ok) await refresh(current.runId);
  }

  async function adopt(info: CoverageRunInfo): Promise<void> {
    evidence.value = null;
    run.value = info;
    progress.value = info.progress;
    resetRows();
    await refresh(info.runId);
  }

  // Live progress from main; a run that ends is reloaded (summary, rows, list).
  const stopListening = platform.events.onCoverageProgressChanged((p) => {
    if (run.value && p.runId !== run.value.runId) return;
    progress.value = p;
    if (TERMINAL.has(p.state)) void refresh(p.runId);
  });

  // ---- exports -----------------------------------------------------------------------------

  /** The whole report as CSV or JSON, fetched in pieces (main writes nothing where the console says). */
  async function exportReport(format: 'csv' | 'json'): Promise<Result<ExportedFile>> {
    const current = run.value;
    if (!current) return { ok: false, error: { code: 'not-found', message: 'Open a coverage run first.' } };
    return exportRequest.run(async () => {
      const parts: string[] = [];
      let offset: number | null = 0;
      let fileName = '';
      let mimeType = '';
      while (offset !== null) {
        const piece = await platform.coverage.export({ runId: current.runId, format, offset });
        if (!piece.ok) return piece;
        parts.push(piece.value.chunk);
        fileName = piece.value.fileName;
        mimeType = piece.value.mimeType;
        offset = piece.value.nextOffset;
      }
      return { ok: true, value: { fileName, mimeType, parts } };
    });
  }

  /** Writes a signed evidence pack of the run in the data dir. */
  async function exportEvidence(): Promise<Result<EvidencePackInfo>> {
    const current = run.value;
    if (!current) return { ok: false, error: { code: 'not-found', message: 'Open a coverage run first.' } };
    const result = await evidenceRequest.run(() => platform.evidence.export({ runId: current.runId }));
    if (result.ok) evidence.value = result.value;
    return result;
  }

  const running = computed(() => run.value !== null && (run.value.state === 'running' || run.value.state === 'throttled'));

  return {
    runs,
    run,
    progress,
    upload,
    loaded,
    running,
    loading: statusRequest.pending,
    loadError: statusRequest.error,
    starting: startRequest.pending,
    startError: startRequest.error,
    cancelling: cancelRequest.pending,
    cancelError: cancelRequest.error,
    exporting: exportRequest.pending,
    exportError: exportRequest.error,
    packing: evidenceRequest.pending,
    evidenceError: evidenceRequest.error,
    evidence,
    filter,
    total,
    pagesVersion,
    rowsError,
    rowAt,
    ensureRows,
    setFilter,
    refresh,
    startFromFile,
    resume,
    cancel,
    exportReport,
    exportEvidence,
    stopListening,
  };
});
