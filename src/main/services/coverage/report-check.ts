import { AppError } from '@shared/errors';
import { readLines, type InputFormat } from './input';

/**
 * The last gate before a run is called complete: the report must hold exactly the input's rows,
 * each once, in order. Walks the input's row lines (every non-empty line after the header, as
 * counted at the start) and the report's rows (their `line` field) side by side, one line of each
 * in memory. A report another process wrote into, one edited by hand, or one left by a bug fails
 * here instead of being reported (and exported, and signed) as complete.
 */
export async function checkReportRows(inputPath: string, format: InputFormat, reportPath: string): Promise<void> {
  const expected = inputRowLines(inputPath, format);
  let previous = 0;
  let count = 0;
  const refuse = (why: string): never => {
    throw new AppError(
      'conflict',
      `The report ${reportPath} does not hold exactly one row per input line (${why}), so it is not complete. Something else wrote into it: start the run again with --force.`,
    );
  };
  for await (const line of readLines(reportPath)) {
    if (line.line === 1 || line.text === '') continue;
    const n = line.text === null ? NaN : Number(line.text.slice(0, line.text.indexOf(',')));
    if (!Number.isInteger(n) || n <= 0) refuse(`report line ${line.line} is not a row`);
    if (n <= previous) refuse(`input line ${n} appears ${n === previous ? 'twice' : 'out of order'}`);
    const want = await expected.next();
    if (want.done) refuse(`it has more rows than the input's ${count}`);
    else if (want.value !== n) refuse(`input line ${want.value} is missing`);
    previous = n;
    count++;
  }
  const rest = await expected.next();
  if (!rest.done) refuse(`input line ${rest.value} is missing`);
}

async function* inputRowLines(path: string, format: InputFormat): AsyncGenerator<number> {
  for await (const line of readLines(path, format.dataOffset, format.headerLine)) {
    if (line.text === null || line.text.trim() !== '') yield line.line;
  }
}
