import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parse as parseCsvLine } from 'csv-parse/sync';
import { AppError } from '@shared/errors';

/**
 * The coverage run's input: a CSV with a header naming the user id or email column, or a plain
 * list with one user id (or email) per line. Read as a stream of physical lines, each with its
 * 1-based number and the byte offset just after it, so a run can stop after any line and resume
 * exactly there; nothing but the current line is held in memory, whatever the file's size.
 *
 * Each line is parsed on its own (csv-parse per line) rather than the file as one CSV stream: a
 * broken line (an unclosed quote, a wrong number of fields, invalid UTF-8) then costs only itself
 * and is reported with its number, where a whole-file parser would swallow everything after an
 * unclosed quote. The price: quoted fields spanning lines are not supported (user ids and emails
 * never hold a newline), and such a record shows up as malformed lines.
 */

/** Longest line accepted; a longer one is reported as malformed and skipped without buffering it. */
export const MAX_LINE_BYTES = 16 * 1024;

/** One physical line of the input. */
export interface InputLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset just after this line's newline (where the next line starts). */
  endOffset: number;
  /** The text without its line ending; null when the line was not valid UTF-8 or was too long. */
  text: string | null;
  /** Why `text` is null. */
  problem?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Streams the lines of a file from a byte offset (a line start) on. `startLine` is the number of
 * the line before `startOffset`, so numbers stay those of the whole file after a resume.
 */
export async function* readLines(path: string, startOffset = 0, startLine = 0): AsyncGenerator<InputLine> {
  const stream = createReadStream(path, { start: startOffset, highWaterMark: 64 * 1024 });
  let offset = startOffset;
  let lineNo = startLine;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;

  const finish = (chunkEnd: number): InputLine => {
    lineNo++;
    let problem: string | undefined;
    let text: string | null = null;
    if (tooLong) {
      problem = `the line is longer than ${MAX_LINE_BYTES} bytes`;
    } else {
      let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, partBytes);
      if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
      // A UTF-8 byte order mark is not part of the first value.
      if (lineNo === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
      try {
        text = decoder.decode(bytes);
      } catch {
        problem = 'the line is not valid UTF-8';
      }
    }
    parts = [];
    partBytes = 0;
    tooLong = false;
    return problem === undefined ? { line: lineNo, endOffset: chunkEnd, text } : { line: lineNo, endOffset: chunkEnd, text: null, problem };
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!tooLong) {
        if (partBytes + (end - start) > MAX_LINE_BYTES) {
          tooLong = true;
          parts = [];
          partBytes = 0;
        } else if (end > start) {
          parts.push(chunk.subarray(start, end));
          partBytes += end - start;
        }
      }
      if (nl === -1) break;
      const lineEnd = offset + nl + 1;
      yield finish(lineEnd);
      start = nl + 1;
    }
    offset += chunk.length;
  }
  if (partBytes > 0 || tooLong) yield finish(offset);
}

/** What the lines of an input hold, decided from its first line (or the person's options). */
export interface InputFormat {
  /** `csv`: the first line is a header; `lines`: every line is one value. */
  kind: 'csv' | 'lines';
  /** Header cells, for `csv`. */
  header: string[] | null;
  /** What the value is. */
  by: 'userId' | 'email';
  /** Index of the value's column (0 for `lines`). */
  column: number;
  /** Index of an email column next to a user id column, to fill in the report's email without a request. */
  emailColumn: number | null;
  /** Number of the header line (0 when there is none). */
  headerLine: number;
  /** Byte offset just after the header (0 when there is none). */
  dataOffset: number;
}

const normaliseHeader = (cell: string) => cell.trim().toLowerCase().replace(/[\s_.-]/g, '');
const USER_ID_HEADERS = ['userid', 'user', 'id', 'uid', 'subject', 'sub', 'externalid'];
const EMAIL_HEADERS = ['email', 'emailaddress', 'mail', 'useremail', 'primaryemail'];

/** Splits one CSV line into cells; throws on a malformed line (unclosed quote…). */
export function splitCsvLine(text: string): string[] {
  const records: string[][] = parseCsvLine(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: false, trim: false });
  if (records.length !== 1) throw new Error('the line holds more than one record');
  return records[0];
}

/**
 * Decides the input's format from its first non-empty line: a line whose cells name a known id or
 * email column (or the column the person named) is a CSV header; anything else starts a plain list.
 */
export async function detectFormat(path: string, options: { by: 'auto' | 'userId' | 'email'; column?: string }): Promise<InputFormat> {
  for await (const first of readLines(path)) {
    if (first.text === null || first.text.trim() === '') {
      if (first.text === null) break;
      continue;
    }
    let cells: string[] | null = null;
    try {
      cells = splitCsvLine(first.text);
    } catch {
      cells = null;
    }
    const names = (cells ?? []).map(normaliseHeader);
    const find = (candidates: readonly string[]) => {
      for (const c of candidates) {
        const i = names.indexOf(c);
        if (i !== -1) return i;
      }
      return -1;
    };
    if (options.column !== undefined) {
      const wanted = normaliseHeader(options.column);
      const i = names.indexOf(wanted);
      if (i === -1) {
        throw new AppError('validation', `The input's first line has no column named "${options.column}". Check the header, or leave out --column to find the user id or email column by its name.`);
      }
      const by = options.by === 'auto' ? (EMAIL_HEADERS.includes(wanted) ? 'email' : 'userId') : options.by;
      return { kind: 'csv', header: cells, by, column: i, emailColumn: by === 'userId' ? nonNegative(find(EMAIL_HEADERS)) : null, headerLine: first.line, dataOffset: first.endOffset };
    }
    const idAt = find(USER_ID_HEADERS);
    const emailAt = find(EMAIL_HEADERS);
    if (idAt !== -1 || emailAt !== -1) {
      const by = options.by === 'auto' ? (idAt !== -1 ? 'userId' : 'email') : options.by;
      const column = by === 'userId' ? idAt : emailAt;
      if (column === -1) {
        throw new AppError('validation', `The input's header has no ${by === 'userId' ? 'user id' : 'email'} column. Name it (for example "userId" or "email"), or pass --column.`);
      }
      return { kind: 'csv', header: cells, by, column, emailColumn: by === 'userId' ? nonNegative(emailAt) : null, headerLine: first.line, dataOffset: first.endOffset };
    }
    if (cells !== null && cells.length > 1) {
      throw new AppError(
        'validation',
        'The input looks like a CSV, but its first line names no user id or email column. Add a header such as "userId" or "email", or pass --column <name>.',
      );
    }
    return { kind: 'lines', header: null, by: options.by === 'email' ? 'email' : 'userId', column: 0, emailColumn: null, headerLine: 0, dataOffset: 0 };
  }
  return { kind: 'lines', header: null, by: options.by === 'email' ? 'email' : 'userId', column: 0, emailColumn: null, headerLine: 0, dataOffset: 0 };
}

const nonNegative = (i: number): number | null => (i === -1 ? null : i);

/** One input line, understood. */
export type InputItem =
  | { kind: 'skip' }
  /** `by`: how to look this one up when it differs from the input's (an email-only row of an id+email CSV). */
  | { kind: 'user'; value: string; email: string; by?: 'email' }
  | { kind: 'invalid'; value: string; reason: string };

// Control characters (tab included) never belong in an id or email; neither do invisible ones
// (zero-width, bidi overrides, a BOM mid-line), which make two different ids look the same.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const INVISIBLE = /[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/;
/** Longest user id or email accepted; Authsignal ids are far shorter. */
export const MAX_VALUE_LENGTH = 500;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Turns one input line into a user to look up, a malformed line, or nothing (empty line). */
export function parseItem(line: InputLine, format: InputFormat): InputItem {
  if (line.text === null) return { kind: 'invalid', value: '', reason: `malformed: ${line.problem ?? 'unreadable line'}` };
  if (line.text.trim() === '') return { kind: 'skip' };
  let cells: string[];
  if (format.kind === 'csv') {
    try {
      cells = splitCsvLine(line.text);
    } catch (error) {
      return { kind: 'invalid', value: '', reason: `malformed: not a valid CSV line (${csvProblem(error)})` };
    }
    const expected = format.header?.length ?? 0;
    if (cells.length !== expected) {
      return { kind: 'invalid', value: cells[format.column]?.trim() ?? '', reason: `malformed: ${cells.length} fields where the header has ${expected}` };
    }
  } else {
    cells = [line.text];
  }
  // SECURITY: the value is looked up exactly as written: trimming `\t=1+1` would look up (and report)
  // the user `=1+1`, another id than the one in the file. Anything around or inside it that is not
  // part of an id makes the line malformed instead.
  const value = cells[format.column] ?? '';
  const email = format.emailColumn === null ? '' : (cells[format.emailColumn] ?? '').trim();
  const what = format.by === 'email' ? 'email' : 'user id';
  // A CSV with both a user id and an email column: a row with only the email is looked up by it
  // (issue #14 point 8), rather than refused as malformed.
  if (value.trim() === '' && format.emailColumn !== null && email !== '') {
    if (CONTROL.test(email) || INVISIBLE.test(email) || email.length > MAX_VALUE_LENGTH || !EMAIL.test(email)) {
      return { kind: 'invalid', value: email, reason: 'malformed: the user id is empty and the email is not an email address' };
    }
    return { kind: 'user', value: email, email, by: 'email' };
  }
  if (value.trim() === '') return { kind: 'invalid', value: '', reason: `malformed: the ${what} is empty` };
  if (value.length > MAX_VALUE_LENGTH) return { kind: 'invalid', value: '', reason: `malformed: the ${what} is longer than ${MAX_VALUE_LENGTH} characters` };
  if (CONTROL.test(value)) return { kind: 'invalid', value: '', reason: `malformed: the ${what} holds control characters` };
  if (INVISIBLE.test(value)) return { kind: 'invalid', value: '', reason: `malformed: the ${what} holds invisible characters` };
  if (value !== value.trim()) return { kind: 'invalid', value: value.trim(), reason: `malformed: the ${what} has spaces around it (${what === 'email' ? 'emails' : 'ids'} are looked up exactly as written)` };
  if (format.by === 'email' && !EMAIL.test(value)) return { kind: 'invalid', value, reason: 'malformed: not an email address' };
  return { kind: 'user', value, email: CONTROL.test(email) || INVISIBLE.test(email) || email.length > MAX_VALUE_LENGTH ? '' : email };
}

function csvProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'CSV_QUOTE_NOT_CLOSED') return 'a quote is never closed';
  if (code === 'CSV_INVALID_CLOSING_QUOTE') return 'text follows a closing quote';
  return typeof code === 'string' ? code : 'unreadable';
}

/** A fingerprint of the input and how many rows it will give, in one streaming pass. */
export interface InputFacts {
  bytes: number;
  sha256: string;
  /** Non-empty lines after the header: the rows the report will have. */
  rows: number;
}

/** Hashes the input and counts its rows without holding more than one chunk in memory. */
export async function inputFacts(path: string, format: InputFormat): Promise<InputFacts> {
  const hash = createHash('sha256');
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
    stream.on('data', (chunk: Buffer | string) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    stream.once('error', reject);
    stream.once('end', resolve);
  });
  let rows = 0;
  for await (const line of readLines(path, format.dataOffset, format.headerLine)) {
    if (line.text === null || line.text.trim() !== '') rows++;
  }
  return { bytes, sha256: hash.digest('hex'), rows };
}
