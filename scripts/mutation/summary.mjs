// Reads Stryker's JSON report (mutation-testing-report-schema) and writes the summary
// bench/results/mutation.json: per module (scripts/mutation/modules.mjs) the score, killed,
// survived, no coverage, timeouts and the target, plus the totals and the run's wall time.
// Usage: node scripts/mutation/summary.mjs [--report reports/mutation/mutation.json] [--wall-seconds N] [--concurrency N] [--out bench/results/mutation.json]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FLOOR, MODULES, OVERALL_TARGET } from './modules.mjs';

const root = new URL('../..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    report: { type: 'string', default: 'reports/mutation/mutation.json' },
    out: { type: 'string', default: 'bench/results/mutation.json' },
    'wall-seconds': { type: 'string' },
    concurrency: { type: 'string' },
    // 'full', or 'incremental' when results of an earlier run were reused (scripts/mutation/run.mjs).
    mode: { type: 'string' },
  },
});

/** True when `file` (repo-relative) at `line` belongs to a module pattern (`path`, `glob`, `path:from-to`, `!negation`). */
export function inModule(module, file, line) {
  let hit = false;
  for (const pattern of module.files) {
    const negate = pattern.startsWith('!');
    const body = negate ? pattern.slice(1) : pattern;
    const m = /^(.*?)(?::(\d+)-(\d+))?$/.exec(body);
    const re = new RegExp(`^${m[1].replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    if (!re.test(file)) continue;
    if (m[2] && (line < Number(m[2]) || line > Number(m[3]))) continue;
    hit = !negate;
  }
  return hit;
}

const empty = () => ({ mutants: 0, killed: 0, survived: 0, noCoverage: 0, timeout: 0, compileErrors: 0, runtimeErrors: 0, ignored: 0, score: null });
const KEY = { Killed: 'killed', Survived: 'survived', NoCoverage: 'noCoverage', Timeout: 'timeout', CompileError: 'compileErrors', RuntimeError: 'runtimeErrors', Ignored: 'ignored' };

function add(counts, status) {
  counts.mutants++;
  const key = KEY[status];
  if (key) counts[key]++;
}

/** Stryker's mutation score: detected (killed, timed out) over valid (detected, survived, no coverage). */
function score(c) {
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage;
  return valid === 0 ? null : Math.round((detected / valid) * 10_000) / 100;
}

const report = JSON.parse(readFileSync(resolve(root, values.report), 'utf8'));
const modules = Object.fromEntries(MODULES.map((m) => [m.name, { ...empty(), target: m.target, files: {} }]));
const total = empty();
const unassigned = empty();
const survivors = [];
for (const [rawPath, file] of Object.entries(report.files)) {
  const path = rawPath.replace(/\\/g, '/').replace(/^\.\//, '');
  for (const mutant of file.mutants) {
    const line = mutant.location.start.line;
    const module = MODULES.find((m) => inModule(m, path, line));
    const counts = module ? modules[module.name] : unassigned;
    add(counts, mutant.status);
    add(total, mutant.status);
    if (module) {
      counts.files[path] ??= empty();
      add(counts.files[path], mutant.status);
    }
    if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
      survivors.push({ module: module?.name ?? null, file: path, line, status: mutant.status, mutator: mutant.mutatorName, replacement: mutant.replacement });
    }
  }
}
const tested = Object.entries(modules).filter(([, c]) => c.mutants > 0);
for (const [, c] of tested) {
  c.score = score(c);
  for (const f of Object.values(c.files)) f.score = score(f);
  c.meetsTarget = c.score === null ? null : c.score >= c.target && c.score >= FLOOR;
}
total.score = score(total);
const summary = {
  name: 'mutation',
  measuredAt: new Date().toISOString(),
  tool: 'stryker',
  wallSeconds: values['wall-seconds'] ? Number(values['wall-seconds']) : null,
  concurrency: values.concurrency ? Number(values.concurrency) : null,
  mode: values.mode ?? null,
  // Whether mutant runs shared a kept test process (scripts/mutation/reusing-forks.ts) or each had its own.
  testProcess: process.env.AUTHDESK_MUTATE_REUSE === '0' ? 'one per mutant run' : 'kept between mutant runs',
  // Modules without a mutant in this report were not part of the run (a narrow --mutate).
  modulesRun: tested.map(([name]) => name),
  targets: { overall: OVERALL_TARGET, floor: FLOOR },
  total: { ...total, meetsTarget: total.score === null ? null : total.score >= OVERALL_TARGET && tested.every(([, c]) => c.meetsTarget) },
  modules: Object.fromEntries(tested),
  ...(unassigned.mutants > 0 ? { unassigned } : {}),
  survivors,
};
const out = resolve(root, values.out);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\nmutation score ${total.score ?? '-'}% over ${total.mutants} mutants (${survivors.length} survived or uncovered); wall ${summary.wallSeconds ?? '?'} s`);
for (const [name, c] of tested) console.log(`  ${name.padEnd(18)} ${String(c.score ?? '-').padStart(6)}%  killed ${c.killed}  survived ${c.survived}  no coverage ${c.noCoverage}  timeout ${c.timeout}  (target ${c.target}%)`);
console.log(`wrote ${values.out}`);
