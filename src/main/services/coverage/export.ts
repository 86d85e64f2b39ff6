import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { addToSummary, COVERAGE_CSV_COLUMNS, emptySummary, type CoverageRow, type CoverageSummary } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';
import { readLines } from './input';
import { csvToRow } from './report-rows';

/**
 * Reading a finished report back: row by row (streamed, so a 10-million-row report costs one row of
 * memory), its summary recomputed from the rows alone, and its JSON export.
 */

/** Streams the rows of a report CSV; throws `validation` naming the line of anything that is not a report row. */
export async function* readReportRows(path: string): AsyncGenerator<{ row: CoverageRow; line: number; offset: number; endOffset: number }> {
  let offset = 0;
  for await (const line of readLines(path)) {
    const start = offset;
    offset = line.endOffset;
    if (line.line === 1) {
      if (line.text !== COVERAGE_CSV_COLUMNS.join(',')) {
        throw new AppError('validation', `${path} is not an Authdesk coverage report (its first line is not the report header).`);
      }
      continue;
    }
    if (line.text === null || line.text === '') {
      if (line.text === '') continue;
      throw new AppError('validation', `Line ${line.line} of ${path} is not readable text.`);
    }
    let row: CoverageRow;
    try {
      row = csvToRow(line.text);
    } catch {
      throw new AppError('validation', `Line ${line.line} of ${path} is not a coverage report row.`);
    }
    yield { row, line: line.line, offset: start, endOffset: line.endOffset };
  }
}

/** The summary of a report, from its rows alone (asOf and staleDays are the run's, given). */
export async function summariseReport(path: string, asOf: string, staleDays: number): Promise<CoverageSummary> {
  const summary = emptySummary(asOf, staleDays);
  for await (const { row } of readReportRows(path)) addToSummary(summary, row);
  return summary;
}

/**
 * Writes the report as JSON: `{ "summary": …, "rows": [ … ] }`, streamed row by row into a temp
 * file that is renamed into place when complete (a half-written export never has the final name).
 */
export async function exportReportJson(reportPath: string, summary: CoverageSummary, outPath: string): Promise<{ rows: number }> {
  const temp = `${outPath}.${process.pid}.tmp`;
  // SECURITY: the export lists the tenant's users; owner-only like the report.
  const out = createWriteStream(temp, { mode: 0o600 });
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  let rows = 0;
  try {
    await write(`{"summary":${JSON.stringify(summary)},"rows":[`);
    for await (const { row } of readReportRows(reportPath)) {
      await write(`${rows === 0 ? '\n' : ',\n'}${JSON.stringify(row)}`);
      rows++;
    }
    await write('\n]}\n');
    out.end();
    await finished(out);
    await rename(temp, outPath);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
  return { rows };
}
