import { z } from 'zod';
import { IsoTimestamp } from '../../domain/fields';
import { channel } from '../contract';
import {
  CoverageFilter,
  CoverageProgress,
  CoverageRow,
  CoverageRunOptions,
  CoverageState,
  CoverageSummary,
} from '../../domain/coverage';

const RunId = z.uuid('Pick a coverage run');
const UploadId = z.uuid('Upload the input file first');

/**
 * Most characters one upload chunk may carry (the console sends the file in pieces). Small enough
 * that a chunk's JSON stays under 1 MiB however it escapes, for every transport (the harness caps
 * a call's body there).
 */
export const UPLOAD_CHUNK_MAX = 128 * 1024;
/** Most rows one page may carry (the console's table asks for what is on screen, plus a margin). */
export const ROWS_PAGE_MAX = 500;

/** A coverage run as the console lists it. */
export const CoverageRunInfo = z.object({
  runId: z.string(),
  /** The input's file name as the person picked it (no folder). */
  inputName: z.string(),
  createdAt: IsoTimestamp,
  state: CoverageState,
  /** The latest progress of this session; null for a run loaded from disk that is not running. */
  progress: CoverageProgress.nullable(),
  /** Counters so far (complete once the state is `completed`). */
  summary: CoverageSummary.nullable(),
  /** Rows the input gives. */
  total: z.number().int().nonnegative(),
  tenant: z.object({ id: z.string().nullable(), name: z.string().nullable(), host: z.string() }),
  staleDays: z.number().int().positive(),
  /** True when the run stopped before the end and can continue. */
  resumable: z.boolean(),
});
export type CoverageRunInfo = z.infer<typeof CoverageRunInfo>;

/** One piece of the input file: chunks go in order (`seq` 0, 1, 2…), the last one with `done`. */
export const CoverageUploadInput = z
  .object({
    /** Absent on the first chunk; then the id the first answer gave. */
    uploadId: UploadId.optional(),
    seq: z.number().int().nonnegative(),
    chunk: z.string().max(UPLOAD_CHUNK_MAX),
    done: z.boolean().default(false),
    /** The picked file's name, for the run list (first chunk). */
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type CoverageUploadInput = z.input<typeof CoverageUploadInput>;

/** Start a run over an uploaded file, or continue a stopped one. */
export const CoverageStartInput = z
  .object({
    uploadId: UploadId.optional(),
    resumeRunId: RunId.optional(),
    options: CoverageRunOptions.optional(),
  })
  .strict()
  .refine((v) => (v.uploadId === undefined) !== (v.resumeRunId === undefined), {
    message: 'Start from an uploaded file or resume a run (one of the two)',
    path: ['uploadId'],
  });
export type CoverageStartInput = z.input<typeof CoverageStartInput>;

/** A page of a run's report rows that pass a filter. */
export const CoverageRowsInput = z
  .object({
    runId: RunId,
    filter: CoverageFilter.default({}),
    offset: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(ROWS_PAGE_MAX).default(100),
  })
  .strict();
export type CoverageRowsInput = z.input<typeof CoverageRowsInput>;

export const CoverageRowsPage = z.object({
  /** Rows passing the filter in the whole report. */
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  rows: z.array(CoverageRow),
});
export type CoverageRowsPage = z.infer<typeof CoverageRowsPage>;

/** A piece of the export file: ask again with `nextOffset` until it is null. */
export const CoverageExportInput = z
  .object({
    runId: RunId,
    format: z.enum(['csv', 'json']),
    offset: z.number().int().nonnegative().default(0),
  })
  .strict();
export type CoverageExportInput = z.input<typeof CoverageExportInput>;

export const CoverageExportChunk = z.object({
  fileName: z.string(),
  mimeType: z.string(),
  chunk: z.string(),
  /** Byte offset of the next chunk; null after the last one. */
  nextOffset: z.number().int().nonnegative().nullable(),
  /** Size of the whole file in bytes. */
  bytes: z.number().int().nonnegative(),
});
export type CoverageExportChunk = z.infer<typeof CoverageExportChunk>;

/** One file of an evidence pack. */
export const EvidenceFile = z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int().nonnegative() });

/** What an evidence export wrote. */
export const EvidencePackInfo = z.object({
  /** The pack's folder. */
  path: z.string(),
  files: z.array(EvidenceFile),
  /** SHA-256 of the signing public key (hex), to compare out of band. */
  keyFingerprint: z.string(),
  auditEntries: z.number().int().nonnegative(),
});
export type EvidencePackInfo = z.infer<typeof EvidencePackInfo>;

export const coverageChannels = {
  'coverage:upload': channel({
    summary: 'Send a piece of the coverage input file (in order; the last with done)',
    input: CoverageUploadInput,
    output: z.object({ uploadId: z.string(), bytes: z.number().int().nonnegative(), done: z.boolean() }),
  }),
  'coverage:start': channel({
    summary: 'Start a coverage run over an uploaded list of users, or resume a stopped one',
    input: CoverageStartInput,
    output: CoverageRunInfo,
  }),
  'coverage:cancel': channel({
    summary: 'Stop a running coverage run (it can be resumed)',
    input: z.object({ runId: RunId }).strict(),
    output: CoverageRunInfo,
  }),
  'coverage:status': channel({
    summary: 'The running coverage run, or one run, and the recent runs',
    input: z.object({ runId: RunId.optional() }).strict(),
    output: z.object({ run: CoverageRunInfo.nullable(), runs: z.array(CoverageRunInfo) }),
  }),
  'coverage:rows': channel({
    summary: 'A page of report rows that pass a filter',
    input: CoverageRowsInput,
    output: CoverageRowsPage,
  }),
  'coverage:export': channel({
    summary: 'The report as CSV or JSON, a piece at a time',
    input: CoverageExportInput,
    output: CoverageExportChunk,
  }),
  'evidence:export': channel({
    summary: 'Write a signed evidence pack (report, summary, audit log slice, manifest) for a finished run',
    input: z.object({ runId: RunId }).strict(),
    output: EvidencePackInfo,
  }),
};

export const coverageEvents = {
  'coverage:progress-changed': CoverageProgress,
};
