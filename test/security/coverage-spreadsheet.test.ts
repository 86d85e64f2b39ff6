import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { runCoverage } from '../../src/main/services/coverage/run';

// The coverage report opened in a real spreadsheet engine (LibreOffice Calc, headless) the way a
// person in a `,`, a `;` or a tab locale opens it, with formula evaluation on: no cell may evaluate.
// Every hostile value's formula computes a number that appears nowhere else (1112, 2223, …), so an
// evaluated cell shows up in Calc's output. A control file with the same formulas written raw proves
// that, with these options, Calc does evaluate what is not neutralised.

const SOFFICE = spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' }).stdout.trim();
// A report holds what users put in ids and emails: formulas at the start and after every separator.
const HOSTILE_IDS = [
  '=1111+1',
  'x;=2222+1;y',
  'x,=3333+1',
  'x;+4444+1',
  'x;-5555-1',
  'x;@SUM(6666;1)',
  'x; =7777+1',
  "x;'=8888+1",
  'a;b;=SUM(9999;1)',
];
const HOSTILE_EMAIL = 'x;=1212+1;y@evil.example';
const RESULTS = ['1112', '2223', '3334', '4445', '-5556', '6667', '7778', '8889', '10000', '1213'];

let emu: RunningEmulator;
let dir: string;

/** Opens each CSV in Calc with `separator` (formulas evaluated) and saves what it shows under calc-<separator>/. */
function openInCalc(files: string[], separator: number): void {
  // Import: separator, `"` text delimiter, UTF-8, from line 1, standard formats, language, quoted
  // fields not forced to text, detect special numbers, -, -, no trimming, -, EVALUATE FORMULAS.
  const infilter = `CSV:${separator},34,76,1,,0,false,true,false,false,false,0,true`;
  // Export: `,`, `"`, UTF-8, cell contents as shown (computed values, not formulas).
  const outfilter = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true,false,false';
  const profile = `-env:UserInstallation=file://${join(dir, 'profile')}`;
  const r = spawnSync(
    SOFFICE,
    [
      profile,
      '--headless',
      `--infilter=${infilter}`,
      '--convert-to',
      outfilter,
      '--outdir',
      join(dir, `calc-${separator}`),
      ...files,
    ],
    {
      encoding: 'utf8',
      timeout: 90_000,
    },
  );
  if (r.status !== 0) throw new Error(`soffice failed: ${r.stderr}`);
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 5 });
  dir = await mkdtemp(join(tmpdir(), 'authdesk-coverage-calc-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the coverage CSV opened in LibreOffice Calc', () => {
  it('has LibreOffice to open it with', () => {
    // Not skipped when missing: npm test's preflight prints the install line (libreoffice-calc-nogui).
    expect(SOFFICE, 'soffice is not installed: apt-get install -y libreoffice-calc-nogui').not.toBe('');
  });

  it('evaluates no cell with , ; or tab as the separator (and the control file proves Calc would)', async () => {
    const input = join(dir, 'hostile.csv');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    await writeFile(
      input,
      `userId,email\n${HOSTILE_IDS.map((id) => `${quote(id)},${quote(HOSTILE_EMAIL)}`).join('\n')}\n`,
    );
    const result = await runCoverage({
      inputPath: input,
      outPath: join(dir, 'report.csv'),
      connection: { apiUrl: emu.apiUrl, secret: emu.secret },
    });
    expect(result.state).toBe('completed');
    const report = await readFile(result.outPath, 'utf8');
    // The hostile values are in the report (escaped, not dropped).
    expect(report).toContain('2222+1');
    const control = join(dir, 'control.csv');
    await writeFile(
      control,
      `a,b\n${RESULTS.map((_, i) => `x;=${1000 + i}+1;y,=${2000 + i}+1`).join('\n')}\n`,
    );

    for (const separator of [44, 59, 9]) {
      openInCalc([result.outPath, control], separator);
      const outDir = join(dir, `calc-${separator}`);
      const names = await readdir(outDir);
      const shownReport = await readFile(
        join(
          outDir,
          names.find((n) => n.startsWith('report'))!,
        ),
        'utf8',
      );
      const shownControl = await readFile(
        join(
          outDir,
          names.find((n) => n.startsWith('control'))!,
        ),
        'utf8',
      );
      // The control's raw formulas are evaluated by Calc with these options (1001, 2001…)…
      expect(shownControl, `separator ${separator}`).toMatch(separator === 44 ? /\b2001\b/ : /\b1001\b/);
      // …and nothing of the report is: no formula result, no formula error.
      for (const value of RESULTS)
        expect(shownReport, `separator ${separator}: ${value}`).not.toMatch(
          new RegExp(`(^|[^0-9])${value}([^0-9]|$)`, 'm'),
        );
      expect(shownReport).not.toMatch(/Err:\d+|#NAME\?|#VALUE!|#REF!/);
    }
  }, 120_000);
});
