#!/usr/bin/env node
// `npm run audit:deps`: dependency hygiene. Runs `npm audit --omit=dev --json` (what ships in the
// app) and fails on every high or critical advisory that docs/security/advisories.md does not
// explain. Explaining one: name its GHSA id (or the package name, for an advisory npm reports
// without an id) in that file, with why it does not reach Authdesk or when it will be fixed.
//
// Exit codes: 0 clean (or every high/critical explained), 1 unexplained high/critical advisories,
// 2 the advisory service could not be asked (no network, or a registry mirror without the audit
// endpoint): the audit did NOT run, which is never reported as clean.
//
// Options: --all (dev dependencies too: Electron itself is a dev dependency but ships as the
// runtime), --report <file> (evaluate a saved `npm audit --json` report instead of asking npm;
// tests use it), --json (machine-readable summary).
// Never part of `npm test`: it needs the network.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const repo = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    all: { type: 'boolean', default: false },
    report: { type: 'string' },
    explained: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const explainedPath = resolve(args.explained ?? join(repo, 'docs/security/advisories.md'));
const BLOCKING = new Set(['high', 'critical']);

/** Reads the report: a saved file, or a fresh `npm audit --json`. Returns null when the audit could not run. */
function readReport() {
  if (args.report) return { report: JSON.parse(readFileSync(args.report, 'utf8')) };
  const npmArgs = ['audit', '--json', ...(args.all ? [] : ['--omit=dev'])];
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', npmArgs, { cwd: repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  try {
    return { report: JSON.parse(r.stdout) };
  } catch {
    return { report: null, why: (r.stderr || r.stdout || `npm exited ${r.status}`).trim().split('\n').slice(-3).join('\n') };
  }
}

/** Every blocking advisory in an npm audit (v2 report format) as { id, pkg, severity, title, url }. */
function blockingAdvisories(report) {
  const found = new Map();
  for (const [pkg, vuln] of Object.entries(report.vulnerabilities ?? {})) {
    for (const via of vuln.via ?? []) {
      // A string `via` points at another package's advisory, which is listed under that package.
      if (typeof via !== 'object' || !BLOCKING.has(via.severity)) continue;
      const id = /GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}/i.exec(via.url ?? '')?.[0] ?? `${via.name ?? pkg}#${via.source ?? '?'}`;
      found.set(id, { id, pkg: via.name ?? pkg, severity: via.severity, title: via.title ?? '', url: via.url ?? '', range: via.range ?? '' });
    }
  }
  return [...found.values()];
}

function main() {
  const { report, why } = readReport();
  // A report without metadata is npm relaying the service's refusal (e.g. `405 Method Not Allowed`).
  if (!report || report.error || !report.metadata) {
    const detail = why ?? (report?.message || `${report?.error?.code ?? ''} ${report?.error?.summary ?? ''}`.trim());
    console.error(`audit:deps: the npm advisory service could not be asked, so NOTHING was audited.\n${detail}\n` +
      'Run it where the npm registry answers its audit endpoint (POST /-/npm/v1/security/advisories/bulk); a mirror or proxy may refuse it.');
    process.exit(2);
  }
  const explainedText = existsSync(explainedPath) ? readFileSync(explainedPath, 'utf8') : '';
  const blocking = blockingAdvisories(report);
  const unexplained = blocking.filter((a) => !explainedText.includes(a.id) && !(a.id.includes('#') && explainedText.includes(`\`${a.pkg}\``)));
  const counts = report.metadata?.vulnerabilities ?? {};
  if (args.json) {
    console.log(JSON.stringify({ counts, blocking, unexplained }, null, 2));
  } else {
    console.log(`audit:deps (${args.all ? 'all dependencies' : 'production dependencies'}): ` +
      Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', '));
    for (const a of blocking) {
      const state = unexplained.includes(a) ? 'UNEXPLAINED' : 'explained';
      console.log(`  ${state.padEnd(11)} ${a.severity.padEnd(8)} ${a.pkg} ${a.range} ${a.id} ${a.title}`);
    }
    if (unexplained.length > 0) {
      console.error(`\n${unexplained.length} high/critical advisor${unexplained.length === 1 ? 'y is' : 'ies are'} not explained: ` +
        `upgrade (npm update / npm install pkg@fixed) or explain each id in ${explainedPath}.`);
    }
  }
  process.exit(unexplained.length > 0 ? 1 : 0);
}

main();
