import { open, stat, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { CoverageRunOptions, CoverageSummary } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';

/**
 * The checkpoint of a coverage run: an append-only JSON-lines journal next to the report, fsync'd
 * after every record. The report's rows are written in input order, so one position says all that
 * is done: "input read up to byte `offset` (line `line`), report valid up to byte `csvBytes`, and
 * these are the counters at that point". Resuming truncates the report to `csvBytes` (dropping any
 * rows written after the last record, which a kill may have left) and reads the input again from
 * `offset`: no row is missing and none is written twice, wherever the process died.
 *
 * Write order per record: report bytes written and fsync'd first, then the record appended and
 * fsync'd. A kill between the two leaves extra report bytes (truncated away on resume); a kill
 * during the append leaves a torn last line, which is ignored and cut off before appending again.
 */

export const CHECKPOINT_VERSION = 1;

/** Facts about the input, to refuse resuming over a different file. */
export const CheckpointInput = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().nonnegative(),
});

/** How the input was understood (kept so a resume parses lines the same way without re-reading the header). */
export const CheckpointFormat = z.object({
  kind: z.enum(['csv', 'lines']),
  header: z.array(z.string()).nullable(),
  by: z.enum(['userId', 'email']),
  column: z.number().int().nonnegative(),
  emailColumn: z.number().int().nonnegative().nullable(),
  headerLine: z.number().int().nonnegative(),
  dataOffset: z.number().int().nonnegative(),
});

/** The first record: what the run is. */
export const StartRecord = z.object({
  t: z.literal('start'),
  v: z.literal(CHECKPOINT_VERSION),
  runId: z.string().min(1).max(100),
  startedAt: z.string(),
  input: CheckpointInput,
  format: CheckpointFormat,
  settings: CoverageRunOptions,
  /** The tenant the run reads (never its secret). */
  tenant: z.object({ id: z.string().nullable(), name: z.string().nullable(), host: z.string() }),
  /** Whether the report's rows are written with contact details masked (the policy at the start; absent: in full). */
  contacts: z.enum(['full', 'masked']).optional(),
});
export type StartRecord = z.infer<typeof StartRecord>;

/** A position: everything before it is in the report. */
export const PositionRecord = z.object({
  t: z.enum(['cp', 'end']),
  at: z.string(),
  offset: z.number().int().nonnegative(),
  line: z.number().int().nonnegative(),
  csvBytes: z.number().int().nonnegative(),
  summary: CoverageSummary,
});
export type PositionRecord = z.infer<typeof PositionRecord>;

/** What a checkpoint file says. */
export interface CheckpointState {
  start: StartRecord;
  /** The last complete position (the first one is written right after the start record). */
  last: PositionRecord;
  /** True when the run reached the end of its input. */
  ended: boolean;
  /** Bytes of the file up to the end of the last complete record (a torn tail starts here). */
  validBytes: number;
}

/** How much of the tail is read to find the last record (records are a few KB at most). */
const TAIL_BYTES = 1024 * 1024;

/** Reads a checkpoint; undefined when there is none. Throws `conflict` when it cannot be used. */
export async function readCheckpoint(path: string): Promise<CheckpointState | undefined> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const unusable = (why: string) =>
    new AppError('conflict', `The checkpoint ${path} cannot be used (${why}). Delete it and the report, then start the run again.`);
  const handle = await open(path, 'r');
  try {
    // The start record is the first line; the last position is in the tail. Only these two are read,
    // so resuming a long run does not read its whole journal.
    const headBuf = Buffer.alloc(Math.min(size, 64 * 1024));
    await handle.read(headBuf, 0, headBuf.length, 0);
    const firstNl = headBuf.indexOf(0x0a);
    if (firstNl === -1) throw unusable('its first record is incomplete');
    let start: StartRecord;
    try {
      start = StartRecord.parse(JSON.parse(headBuf.subarray(0, firstNl).toString('utf8')));
    } catch {
      throw unusable('its first record is not a coverage checkpoint');
    }
    const tailStart = Math.max(0, size - TAIL_BYTES);
    const tailBuf = Buffer.alloc(size - tailStart);
    await handle.read(tailBuf, 0, tailBuf.length, tailStart);
    // Walk back over complete lines (each ends with \n) to the last one that parses.
    let end = tailBuf.lastIndexOf(0x0a);
    const validBytes = end === -1 ? 0 : tailStart + end + 1;
    while (end > 0) {
      const prev = tailBuf.lastIndexOf(0x0a, end - 1);
      const text = tailBuf.subarray(prev + 1, end).toString('utf8');
      const parsed = PositionRecord.safeParse(safeJson(text));
      if (parsed.success) return { start, last: parsed.data, ended: parsed.data.t === 'end', validBytes: tailStart + end + 1 };
      if (prev === -1) break;
      end = prev;
    }
    if (validBytes === 0) throw unusable('it holds no complete record');
    throw unusable('it holds no position record');
  } finally {
    await handle.close();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Appends records, each followed by an fsync. */
export class CheckpointWriter {
  private constructor(private readonly handle: FileHandle) {}

  /** Starts a new checkpoint (replacing any old one) with its start record. */
  static async create(path: string, start: StartRecord): Promise<CheckpointWriter> {
    // SECURITY: the journal names the tenant host and holds user counts; keep it private to the user.
    const handle = await open(path, 'w', 0o600);
    await handle.chmod(0o600);
    const writer = new CheckpointWriter(handle);
    await writer.append(start);
    return writer;
  }

  /** Reopens a checkpoint for appending, first cutting off a torn last record. */
  static async reopen(path: string, validBytes: number): Promise<CheckpointWriter> {
    const handle = await open(path, 'r+');
    await handle.truncate(validBytes);
    await handle.sync();
    await handle.close();
    const append = await open(path, 'a', 0o600);
    await append.chmod(0o600);
    return new CheckpointWriter(append);
  }

  /** Appends one record and makes it durable. */
  async append(record: StartRecord | PositionRecord): Promise<void> {
    await this.handle.write(`${JSON.stringify(record)}\n`);
    await this.handle.sync();
  }

  /** Closes the file. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}

