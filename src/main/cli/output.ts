import type { ErrorInfo } from '@shared/errors';

/** Where a command writes; process streams in real use, buffers in tests. */
export interface CliStreams {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** One column of a human-readable table. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** Renders rows as a plain, aligned text table (no colours, so it pipes cleanly). */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
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
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n') + '\n';
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
    this.streams.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : human());
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
