import { stringify } from 'csv-stringify/sync';
import {
  COVERAGE_CSV_COLUMNS,
  CoverageRow,
  isPhishingResistant,
  METHODS_SEPARATOR,
} from '@shared/domain/coverage';
import type { AuthenticatorFacts } from './transport';

/**
 * The coverage report's rows: built from a user's authenticators, written as CSV lines (one
 * physical line per row, so the report can be truncated, resumed and paged by line) and read back.
 */

const DAY_MS = 86_400_000;

/** When an authenticator was last proved: its last verification, else its first, else its enrollment. */
function lastUseOf(a: AuthenticatorFacts): number | null {
  for (const value of [a.lastVerifiedAt, a.verifiedAt, a.createdAt]) {
    if (typeof value === 'string') {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return null;
}

// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;
const clean = (s: string) => s.replace(CONTROL, '').slice(0, 500);

/** Builds the ok row of a user from the authenticators the tenant returned. */
export function buildRow(input: {
  line: number;
  userId: string;
  email: string;
  authenticators: readonly AuthenticatorFacts[];
  asOfMs: number;
  staleDays: number;
}): CoverageRow {
  const methodCounts: Record<string, number> = {};
  let newest: number | null = null;
  let oldest: number | null = null;
  let staleCount = 0;
  const threshold = input.asOfMs - input.staleDays * DAY_MS;
  let emailFromAuthenticator = '';
  for (const a of input.authenticators) {
    methodCounts[a.verificationMethod] = (methodCounts[a.verificationMethod] ?? 0) + 1;
    const used = lastUseOf(a);
    // An authenticator with no timestamp at all was never shown to work: it counts as stale.
    if (used === null || used < threshold) staleCount++;
    if (used !== null) {
      newest = newest === null ? used : Math.max(newest, used);
      oldest = oldest === null ? used : Math.min(oldest, used);
    }
    if (!emailFromAuthenticator && typeof a.email === 'string' && a.email) emailFromAuthenticator = a.email;
  }
  const methods = Object.keys(methodCounts).sort();
  const count = input.authenticators.length;
  return {
    line: input.line,
    userId: input.userId,
    email: clean(input.email || emailFromAuthenticator),
    status: 'ok',
    reason: '',
    count,
    methods,
    methodCounts,
    phishingResistant: methods.some(isPhishingResistant),
    newestLastVerifiedAt: newest === null ? null : new Date(newest).toISOString(),
    oldestLastVerifiedAt: oldest === null ? null : new Date(oldest).toISOString(),
    staleAuthenticators: staleCount,
    stale: count > 0 && staleCount === count,
  };
}

/** The row of a user the tenant could not answer for, or of a malformed input line. */
export function problemRow(
  line: number,
  userId: string,
  email: string,
  status: 'not-found' | 'failed' | 'invalid',
  reason: string,
): CoverageRow {
  return {
    line,
    userId: clean(userId),
    email: clean(email),
    status,
    reason: clean(reason),
    count: 0,
    methods: [],
    methodCounts: {},
    phishingResistant: false,
    newestLastVerifiedAt: null,
    oldestLastVerifiedAt: null,
    staleAuthenticators: 0,
    stale: false,
  };
}

/**
 * SECURITY: a cell starting with `=`, `+`, `-`, `@`, tab or CR is run as a formula by spreadsheet
 * apps (CSV injection); user ids and emails come from outside, so such cells get a leading `'`
 * (OWASP's advice). Which characters separate cells depends on the locale: `,` in English, `;` in
 * German or French Excel and LibreOffice, tab when pasted. A spreadsheet reading the report with `;`
 * ignores the `,` quoting, so `x;=1+1` is two cells there, the second a live formula. So the rule
 * is applied at every place a cell can start in any of those locales: the start of the value and
 * right after each `,` `;` or tab in it (spaces in between included, as a trimming import would
 * drop them). A `'` already in such a place gets one more, so reading back is exact: drop one `'`
 * at each of those places. Quoting (see {@link rowToCsv}) keeps the value one cell where `,` is the
 * separator.
 */
export function escapeCell(value: string): string {
  return value.replace(CELL_STARTS, "$1'");
}
const CELL_STARTS = /(^|[,;\t])(?=[ ]*[=+\-@\t\r'])/g;

/** Reverses {@link escapeCell}. */
export function unescapeCell(value: string): string {
  return value.replace(/(^|[,;\t])'/g, '$1');
}

/** Fields holding a separator of any common locale, a formula trigger or a quote are quoted. */
const NEEDS_QUOTES = /[,;\t\r\n"=+\-@|]/;

/** The CSV header line. */
export function csvHeader(): string {
  return stringify([[...COVERAGE_CSV_COLUMNS]]);
}

/** One row as one CSV line (with its newline). */
export function rowToCsv(row: CoverageRow): string {
  return stringify(
    [
      [
        String(row.line),
        escapeCell(row.userId),
        escapeCell(row.email),
        row.status,
        escapeCell(row.reason),
        String(row.count),
        row.methods.join(METHODS_SEPARATOR),
        row.methods.map((m) => `${m}=${row.methodCounts[m] ?? 0}`).join(METHODS_SEPARATOR),
        String(row.phishingResistant),
        row.newestLastVerifiedAt ?? '',
        row.oldestLastVerifiedAt ?? '',
        String(row.staleAuthenticators),
        String(row.stale),
      ],
    ],
    { quoted_match: NEEDS_QUOTES },
  );
}

/** Reads one CSV line of a report back into a row; throws when it is not one. */
export function csvToRow(text: string): CoverageRow {
  // A report line is one record of simple RFC 4180 fields: split by hand, ~20x cheaper than the
  // general parser, which matters when a filter scans 100,000 rows.
  const c = splitReportLine(text);
  if (c.length !== COVERAGE_CSV_COLUMNS.length)
    throw new Error(`a report row has ${COVERAGE_CSV_COLUMNS.length} fields, this line has ${c.length}`);
  return CoverageRow.parse({
    line: Number(c[0]),
    userId: unescapeCell(c[1]),
    email: unescapeCell(c[2]),
    status: c[3],
    reason: unescapeCell(c[4]),
    count: Number(c[5]),
    methods: c[6] === '' ? [] : c[6].split(METHODS_SEPARATOR),
    methodCounts: parseMethodCounts(c[7]),
    phishingResistant: c[8] === 'true',
    newestLastVerifiedAt: c[9] === '' ? null : c[9],
    oldestLastVerifiedAt: c[10] === '' ? null : c[10],
    staleAuthenticators: Number(c[11]),
    stale: c[12] === 'true',
  });
}

/** Splits one report line into its fields (quoted or not); throws on a malformed quote. */
export function splitReportLine(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) !== 34) {
      const comma = text.indexOf(',', i);
      if (comma === -1) {
        cells.push(text.slice(i));
        return cells;
      }
      cells.push(text.slice(i, comma));
      i = comma + 1;
      continue;
    }
    let value = '';
    let from = i + 1;
    for (;;) {
      const q = text.indexOf('"', from);
      if (q === -1) throw new Error('a quote is never closed');
      value += text.slice(from, q);
      if (text.charCodeAt(q + 1) !== 34) {
        i = q + 1;
        break;
      }
      value += '"';
      from = q + 2;
    }
    cells.push(value);
    if (i === text.length) return cells;
    if (text.charCodeAt(i) !== 44) throw new Error('text follows a closing quote');
    i++;
  }
}

/** `PASSKEY=2;SMS=1` -> `{ PASSKEY: 2, SMS: 1 }`. */
function parseMethodCounts(cell: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (cell === '') return counts;
  for (const part of cell.split(METHODS_SEPARATOR)) {
    const at = part.lastIndexOf('=');
    if (at <= 0 || !/^[A-Z][A-Z0-9_]{0,59}$/.test(part.slice(0, at)))
      throw new Error('a methodCounts cell is METHOD=count pairs');
    counts[part.slice(0, at)] = Number(part.slice(at + 1));
  }
  return counts;
}
