import type { FileHandle } from 'node:fs/promises';
import { addToSummary, type CoverageRow, type CoverageSummary } from '@shared/domain/coverage';
import type { CheckpointWriter, PositionRecord } from './checkpoint';
import type { InputLine } from './input';
import { rowToCsv } from './report-rows';
import { onFile } from './output-paths';

/**
 * The report in input order, and its checkpoint. Rows finish in any order (users answer at
 * different speeds); each gets a sequence number when its line is read, and a row is written only
 * when every row before it is. The rows written so far, the input position just after the last of
 * them and the summary counters move together, so a checkpoint is always one consistent point:
 * "input read to here, report valid to there, these are the counts". A flush writes the rows
 * (fsync) and then the checkpoint record (fsync), never the other way round.
 *
 * The window bounds memory: at most `windowMax` rows may be done ahead of the oldest unfinished one
 * (one slow user cannot make the rest pile up).
 */
export class OrderedReportWriter {
  readonly summary: CoverageSummary;
  private nextSeq = 0;
  private writeSeq = 0;
  private readonly pending = new Map<number, { row: CoverageRow; endOffset: number; line: number }>();
  private chunks: string[] = [];
  private csvBytes: number;
  private watermark: { offset: number; line: number };
  private waiters: Array<() => void> = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly report: { handle: FileHandle; path: string },
    private readonly checkpoint: { writer: CheckpointWriter; path: string },
    position: PositionRecord,
    private readonly windowMax: number,
  ) {
    this.summary = structuredClone(position.summary);
    this.csvBytes = position.csvBytes;
    this.watermark = { offset: position.offset, line: position.line };
  }

  /** Rows done so far: written, or done and waiting for an earlier one. */
  get done(): number {
    return this.summary.rows + this.pending.size;
  }

  /** True while another row may be started without leaving the window. */
  hasRoom(): boolean {
    return this.nextSeq - this.writeSeq < this.windowMax;
  }

  /** Waits until `ready()` holds (rechecked whenever a row completes) or the signal aborts. */
  async waitUntil(ready: () => boolean, signal: AbortSignal): Promise<void> {
    while (!ready() && !signal.aborted) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Wakes everyone waiting (a row completed, a request ended, the run stops). */
  wake(): void {
    const list = this.waiters;
    this.waiters = [];
    for (const w of list) w();
  }

  /** The sequence number of the next line's row. */
  reserve(): number {
    return this.nextSeq++;
  }

  /** Hands in a finished row; writes it and every row after it that was waiting for it. */
  complete(seq: number, row: CoverageRow, line: InputLine): void {
    this.pending.set(seq, { row, endOffset: line.endOffset, line: line.line });
    while (this.pending.has(this.writeSeq)) {
      const done = this.pending.get(this.writeSeq)!;
      this.pending.delete(this.writeSeq);
      const text = rowToCsv(done.row);
      this.chunks.push(text);
      this.csvBytes += Buffer.byteLength(text);
      addToSummary(this.summary, done.row);
      this.watermark = { offset: done.endOffset, line: done.line };
      this.writeSeq++;
    }
    this.wake();
  }

  /** Every line was read and every row written: the position is the end of the input. */
  reachedEnd(inputBytes: number): void {
    this.watermark = { offset: inputBytes, line: Math.max(this.watermark.line, 0) };
  }

  /** Writes the rows so far, then a checkpoint record (`end` once the run is complete). */
  flush(kind: 'cp' | 'end' = 'cp'): Promise<void> {
    const chunk = this.chunks.join('');
    this.chunks = [];
    const record: PositionRecord = {
      t: kind,
      at: new Date().toISOString(),
      offset: this.watermark.offset,
      line: this.watermark.line,
      csvBytes: this.csvBytes,
      summary: structuredClone(this.summary),
    };
    const { report, checkpoint } = this;
    this.flushing = this.flushing.then(async () => {
      if (chunk.length > 0) {
        await onFile(report.path, 'write the report', async () => {
          await report.handle.write(chunk);
          await report.handle.sync();
        });
      }
      await onFile(checkpoint.path, 'write the checkpoint', () => checkpoint.writer.append(record));
    });
    return this.flushing;
  }

  /** Flushes every `ms` until {@link stopTimer}. */
  flushEvery(ms: number): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), ms);
  }

  stopTimer(): void {
    clearInterval(this.timer);
  }

  /** Waits for the last flush and closes both files. */
  async close(): Promise<void> {
    this.stopTimer();
    await this.flushing.catch(() => undefined);
    await this.checkpoint.writer.close();
    await this.report.handle.close();
  }
}
