import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** One complete line of the local audit log. */
export interface LocalLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line's start. */
  offset: number;
  /** The line without its newline (an entry's exact canonical JSON). */
  text: string;
  /** The entry's `seq`, or null when the line is not an entry. */
  seq: number | null;
}

function seqOfLine(text: string): number | null {
  try {
    const seq = (JSON.parse(text) as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) ? seq : null;
  } catch {
    return null;
  }
}

/**
 * The complete lines of the local log from a byte offset (0: the start), streaming. A last line
 * without its newline (an append in progress, or torn by a crash) is not yielded: only what the
 * audit log service has finished writing is ever shipped or compared.
 */
export async function* readLocalLines(file: string, fromOffset = 0, firstLine = 1): AsyncGenerator<LocalLine> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (fromOffset >= size) return;
  let pending: Buffer[] = [];
  let pendingStart = fromOffset;
  let position = fromOffset;
  let line = firstLine;
  // Read only up to the size seen now: lines appended meanwhile are for the next pass.
  for await (const chunk of createReadStream(file, { start: fromOffset, end: size - 1, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl === -1) break;
      pending.push(chunk.subarray(from, nl));
      const text = Buffer.concat(pending).toString('utf8');
      yield { line, offset: pendingStart, text, seq: seqOfLine(text) };
      line += 1;
      pendingStart = position + nl + 1;
      pending = [];
      from = nl + 1;
    }
    if (from < chunk.length) pending.push(Buffer.from(chunk.subarray(from)));
    position += chunk.length;
  }
}
