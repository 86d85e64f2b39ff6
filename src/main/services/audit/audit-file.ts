import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Bytes read per step when walking a file; bounds memory whatever the file's size. */
const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/** One line of a file, without its newline, and the byte offset it starts at. */
export interface FileLine {
  text: string;
  offset: number;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) return buffer.subarray(0, done);
    done += bytesRead;
  }
  return buffer;
}

/**
 * Yields the newline-terminated lines of `[0, end)` from the last to the first, reading fixed-size
 * chunks from the end, so the newest page of a large log costs a few reads rather than a full scan.
 * `end` must sit just after a newline (or be 0). Splits on the newline byte, which never occurs
 * inside a multi-byte UTF-8 sequence.
 */
export async function* readLinesBackward(handle: FileHandle, end: number): AsyncGenerator<FileLine> {
  let pos = end;
  let pending: Buffer = Buffer.alloc(0);
  let first = true;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const chunk = await readAt(handle, start, pos - start);
    const data = pending.length > 0 ? Buffer.concat([chunk, pending]) : chunk;
    let lineEnd = data.length;
    if (first) {
      // The region ends with the last line's newline: that newline ends a line, it does not start one.
      if (data[lineEnd - 1] === NEWLINE) lineEnd -= 1;
      first = false;
    }
    let idx = lineEnd > 0 ? data.lastIndexOf(NEWLINE, lineEnd - 1) : -1;
    while (idx !== -1) {
      yield { text: data.toString('utf8', idx + 1, lineEnd), offset: start + idx + 1 };
      lineEnd = idx;
      idx = lineEnd > 0 ? data.lastIndexOf(NEWLINE, lineEnd - 1) : -1;
    }
    pending = data.subarray(0, lineEnd);
    pos = start;
  }
  if (end > 0) yield { text: pending.toString('utf8'), offset: 0 };
}

/**
 * Yields every line of a file from the first, streaming. The last item says whether the file
 * ended with a newline: a last line without one is a torn append.
 */
export async function* readLinesForward(path: string): AsyncGenerator<FileLine & { terminated: boolean }> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let lineStart = 0;
    let idx = data.indexOf(NEWLINE, lineStart);
    while (idx !== -1) {
      yield { text: data.toString('utf8', lineStart, idx), offset: offset + lineStart, terminated: true };
      lineStart = idx + 1;
      idx = data.indexOf(NEWLINE, lineStart);
    }
    carry = data.subarray(lineStart);
    offset += lineStart;
  }
  if (carry.length > 0) yield { text: carry.toString('utf8'), offset, terminated: false };
}

/** What the end of a log file looks like. */
export interface FileTail {
  size: number;
  /** Offset just after the last newline: everything before it is whole lines. */
  completeEnd: number;
  /** Bytes after the last newline (a torn append), empty when the file ends cleanly. */
  fragment: Buffer;
  /** The last whole line, if any. */
  lastLine: FileLine | null;
}

/** Reads the end of a file: the last whole line and any torn fragment after it. */
export async function readTail(handle: FileHandle): Promise<FileTail> {
  const { size } = await handle.stat();
  // Find the last newline, walking back chunk by chunk (a fragment may be long).
  let completeEnd = 0;
  let pos = size;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const chunk = await readAt(handle, start, pos - start);
    const idx = chunk.lastIndexOf(NEWLINE);
    if (idx !== -1) {
      completeEnd = start + idx + 1;
      break;
    }
    pos = start;
  }
  const fragment = completeEnd < size ? await readAt(handle, completeEnd, size - completeEnd) : Buffer.alloc(0);
  let lastLine: FileLine | null = null;
  for await (const line of readLinesBackward(handle, completeEnd)) {
    lastLine = line;
    break;
  }
  return { size, completeEnd, fragment, lastLine };
}

/** Opens a file for reading, or returns null when it does not exist. */
export async function openIfExists(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Writes all of `data` (write(2) may write less than asked). */
export async function writeFully(handle: FileHandle, data: Buffer, position?: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(
      data,
      done,
      data.length - done,
      position === undefined ? null : position + done,
    );
    done += bytesWritten;
  }
}

/**
 * fsyncs a directory so a file created or renamed in it survives a power cut. Windows cannot open
 * a directory for this and does not need it (NTFS journals metadata), so failure there is ignored.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (process.platform !== 'win32') throw error;
  } finally {
    await handle?.close();
  }
}
