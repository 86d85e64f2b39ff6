import { open, stat } from 'node:fs/promises';
import { matchesFilter, type CoverageFilter, type CoverageRow } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';
import type { CoverageRowsPage } from '@shared/ipc/channels/coverage';
import { readReportRows } from './export';
import { readLines } from './input';
import { csvToRow } from './report-rows';

/**
 * The console's reads of a report on disk: pages of the rows passing a filter (through a sparse
 * index of every INDEX_STRIDE-th match, so page 400 of 100,000 rows reads a few hundred rows, not
 * the whole file) and the report in export chunks cut on UTF-8 boundaries.
 */

/** Rows between two entries of a filter's sparse index. */
const INDEX_STRIDE = 256;
/** Bytes per export chunk (before backing off to a UTF-8 boundary). */
const EXPORT_CHUNK_BYTES = 512 * 1024;

interface FilterIndex {
  reportBytes: number;
  total: number;
  /** Byte offset of every INDEX_STRIDE-th matching row. */
  offsets: number[];
}

export class ReportPages {
  private readonly indexes = new Map<string, FilterIndex>();

  /** A page of rows passing `filter`, `limit` at most, from the `offset`-th match on. */
  async page(runId: string, path: string, filter: CoverageFilter, offset: number, limit: number): Promise<CoverageRowsPage> {
    const index = await this.indexFor(runId, path, filter);
    const rows: CoverageRow[] = [];
    if (offset < index.total) {
      const slot = Math.floor(offset / INDEX_STRIDE);
      let seen = slot * INDEX_STRIDE;
      for await (const { row } of readReportRowsFrom(path, index.offsets[slot] ?? 0)) {
        if (!matchesFilter(row, filter)) continue;
        if (seen++ < offset) continue;
        rows.push(row);
        if (rows.length >= limit) break;
      }
    }
    return { total: index.total, offset, rows };
  }

  private async indexFor(runId: string, path: string, filter: CoverageFilter): Promise<FilterIndex> {
    const size = (await stat(path).catch(() => null))?.size;
    if (size === undefined) throw new AppError('not-found', 'That run has no report yet.');
    const key = `${runId}\n${JSON.stringify(filter)}`;
    const cached = this.indexes.get(key);
    if (cached && cached.reportBytes === size) return cached;
    const offsets: number[] = [];
    let total = 0;
    if (Object.keys(filter).length === 0) {
      // Everything passes: line starts are enough, no row needs parsing (100,000 rows in ~0.1 s).
      let lineStart = 0;
      for await (const line of readLines(path, 0, 0)) {
        const start = lineStart;
        lineStart = line.endOffset;
        if (line.endOffset > size) break;
        if (line.line === 1 || line.text === '') continue;
        if (total % INDEX_STRIDE === 0) offsets.push(start);
        total++;
      }
    } else {
      for await (const { row, offset, endOffset } of readReportRows(path)) {
        if (endOffset > size) break;
        if (!matchesFilter(row, filter)) continue;
        if (total % INDEX_STRIDE === 0) offsets.push(offset);
        total++;
      }
    }
    const index = { reportBytes: size, total, offsets };
    this.indexes.set(key, index);
    // Keep a few filters (the views a person flips between); drop the oldest.
    if (this.indexes.size > 16) this.indexes.delete(this.indexes.keys().next().value!);
    return index;
  }
}

/** One export chunk of the file at `path` from `offset`, never splitting a UTF-8 character. */
export async function readChunk(path: string, offset: number): Promise<{ chunk: string; nextOffset: number | null; bytes: number }> {
  const size = (await stat(path)).size;
  if (offset > size) throw new AppError('validation', 'That export offset is past the end of the file. Start the export again.');
  const handle = await open(path, 'r');
  let chunk: Buffer;
  try {
    chunk = Buffer.alloc(Math.min(EXPORT_CHUNK_BYTES, size - offset));
    await handle.read(chunk, 0, chunk.length, offset);
  } finally {
    await handle.close();
  }
  // Back off to the start of the last character if the chunk cuts it.
  let end = chunk.length;
  if (offset + end < size) {
    let i = end - 1;
    while (i > 0 && (chunk[i] & 0xc0) === 0x80) i--;
    const lead = chunk[i];
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  const next = offset + end;
  return { chunk: chunk.subarray(0, end).toString('utf8'), nextOffset: next >= size ? null : next, bytes: size };
}

/** Report rows from a byte offset (a row start) on. */
async function* readReportRowsFrom(path: string, offset: number): AsyncGenerator<{ row: CoverageRow }> {
  if (offset === 0) {
    for await (const r of readReportRows(path)) yield r;
    return;
  }
  for await (const line of readLines(path, offset, 1)) {
    if (line.text === null || line.text === '') continue;
    yield { row: csvToRow(line.text) };
  }
}
