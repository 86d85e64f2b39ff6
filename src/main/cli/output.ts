import type { ErrorInfo } from '@shared/errors';

/** Where a command writes; process streams in real use, buffers in tests. */
export interface CliStreams {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// C0 and C1 controls, DEL, and the Unicode bidi controls (embeddings, overrides, isolates, marks).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED_ESCAPES[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/**
 * A value from a tenant, a user or a log as one visible line: control characters (newlines, ANSI
 * escapes, bells) and bidi controls are written as escapes (`\n`, `\x1b`, `\u202e`).
 * SECURITY: names and ids come from people and tenants; raw, they could forge table rows, recolour
 * or clear the terminal, or display reversed (`adm\u202enimda` reading as "admadmin").
 */
export function cliText(value: string): string {
  return value.replace(CONTROLS, escapeOne);
}

/** One column of a human-readable table. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** Renders rows as a plain, aligned text table (no colours, so it pipes cleanly). */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cliText(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** Renders `key: value` lines for one record, keys aligned. */
export function formatRecord(entries: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cliText(v)}`).join('\n') + '\n';
}

/**
 * Writes a command's result: JSON (for scripts, `--json`) or the human rendering. Commands call
 * this once with both forms so the two outputs can never drift apart in what they contain.
 */
export class Printer {
  constructor(
    private readonly streams: CliStreams,
    readonly json: boolean,
  ) {}

  /** Prints the result of a command. */
  result(value: unknown, human: () => string): void {
    // SECURITY: the human form keeps its own line breaks; every other control character is escaped (see cliText).
    this.streams.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : human().replace(CONTROLS_BUT_NEWLINE, escapeOne));
  }

  /** Prints a progress or advice line on stderr, never mixed into the JSON on stdout. */
  note(message: string): void {
    if (!this.json) this.streams.stderr.write(`${message}\n`);
  }

  /** Prints an error on stderr: `{"error":{...}}` with `--json`, else a readable message. */
  error(info: ErrorInfo): void {
    if (this.json) {
      this.streams.stderr.write(`${JSON.stringify({ error: info })}\n`);
      return;
    }
    let text = `authdesk: ${info.message}\n`;
    for (const issue of info.issues ?? []) text += `  - ${issue.path || '(input)'}: ${issue.message}\n`;
    if (info.retryAfterSeconds !== undefined) text += `  Retry in ${info.retryAfterSeconds} s.\n`;
    this.streams.stderr.write(text);
  }
}
