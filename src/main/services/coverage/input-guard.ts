import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { AppError } from '@shared/errors';
import { readLines } from './input';

/**
 * Is the input a text file? Checked before the run writes anything or sends a single request, so a
 * workbook, an archive or random bytes picked by mistake costs nothing: the person is told what the
 * file looks like and what to do. A few lines that are not UTF-8 are allowed (they become
 * `malformed` rows with their numbers); more than {@link MAX_INVALID_UTF8_LINES} mean the file is
 * in another encoding, and any NUL byte means it is binary (or UTF-16).
 */

/** Lines that are not UTF-8 a text input may have (each reported as a malformed row). */
export const MAX_INVALID_UTF8_LINES = 3;

/** Leading bytes of common binary formats someone might pick instead of a CSV. */
const SIGNATURES: ReadonlyArray<[bytes: readonly number[], what: string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (an Excel .xlsx workbook?)'],
  [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'an old Office document (an Excel .xls workbook?)'],
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'a PDF document'],
  [[0x1f, 0x8b], 'a gzip archive'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], 'a 7-Zip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x7f, 0x45, 0x4c, 0x46], 'a program (ELF)'],
  [[0x4d, 0x5a], 'a Windows program'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], 'an SQLite database'],
  [[0xff, 0xfe], 'UTF-16 text'],
  [[0xfe, 0xff], 'UTF-16 text'],
];

const refuse = (path: string, what: string) =>
  new AppError('validation', `The input ${path} is not a text list of users: ${what}. Save the list as CSV (UTF-8) or as plain text with one user id per line, and run again.`);

/** Throws `validation` when the file at `path` is not text. Streams it; holds one chunk. */
export async function checkIsText(path: string): Promise<void> {
  const head = Buffer.alloc(16);
  const handle = await open(path, 'r');
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  for (const [bytes, what] of SIGNATURES) {
    if (bytesRead >= bytes.length && bytes.every((b, i) => head[i] === b)) throw refuse(path, `it looks like ${what}`);
  }
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    const nul = chunk.indexOf(0);
    if (nul !== -1) throw refuse(path, `it holds NUL bytes (first at byte ${offset + nul}), so it is binary data or UTF-16 text`);
    offset += chunk.length;
  }
  const invalid: number[] = [];
  for await (const line of readLines(path)) {
    if (line.text !== null || line.problem?.includes('UTF-8') !== true) continue;
    invalid.push(line.line);
    if (invalid.length > MAX_INVALID_UTF8_LINES) {
      throw refuse(path, `lines ${invalid.join(', ')} (and maybe more) are not valid UTF-8, so it is in another encoding or binary`);
    }
  }
}
