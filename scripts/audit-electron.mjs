#!/usr/bin/env node
// `npm run audit:electron`: the electronegativity gate. Runs @doyensec/electronegativity over src/
// and, when it exists, the built out/, and fails on every finding that is not explained.
//
// Explaining a finding (the convention):
//   - in code, on the flagged line or in the comment block directly above it:
//       // electronegativity-ignore: CHECK_ID[, CHECK_ID] -- why this is safe here
//     (in HTML: <!-- electronegativity-ignore: CHECK_ID -- why -->). The reason is required.
//   - for a file whose owner cannot carry a comment (or a bundled dependency), an entry in
//     scripts/audit-electron-allowlist.json: { "check", "file", "contains", "reason" }.
//   - a finding in the bundle (out/) is explained when its layer's sources (src/main for out/main,
//     src/preload for out/preload, src/renderer for out/renderer) have at least as many explained
//     findings of the same check: bundlers drop comments, and the bundle must add nothing new.
// electronegativity's own `eng-disable` comments are refused: they hide a finding without a reason.
// A justification that no longer explains anything fails too, so none outlives its code.
//
// Options: --root <dir> (default: the repo), --allowlist <file>, --json (machine-readable report),
// --verbose (show electronegativity's own output).
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const repo = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    root: { type: 'string', default: repo },
    allowlist: { type: 'string' },
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
const root = resolve(args.root);
const allowlistPath = resolve(args.allowlist ?? join(root, 'scripts', 'audit-electron-allowlist.json'));
const started = Date.now();

const IGNORE = /electronegativity-ignore:\s*([A-Z0-9_]+(?:\s*,\s*[A-Z0-9_]+)*)\s*(?:--\s*(.*?))?\s*(?:\*\/|-->)?\s*$/;
const MIN_REASON = 10;
// The release-data check downloads Electron's release list from GitHub: the gate must work offline,
// and dependency freshness is `npm audit`'s job.
const EXCLUDED_CHECKS = ['availablesecurityfixesglobalcheck'];
// The extension bundle reuses the console's platform code and views, so its findings are explained
// by the same sources (plus its own).
const LAYERS = {
  'out/main': ['src/main', 'src/emulator', 'src/shared'],
  'out/preload': ['src/preload', 'src/shared'],
  'out/renderer': ['src/renderer', 'src/shared'],
  'out/extension': ['src/extension', 'src/renderer', 'src/shared'],
};

const toPosix = (p) => p.split(sep).join('/');

/** Copies src/ and out/ into one staging dir: a single scan, and .cjs/.mjs bundles renamed .js so they are scanned at all. */
function stage() {
  const dir = mkdtempSync(join(tmpdir(), 'authdesk-eng-'));
  const renamed = new Map(); // staged repo-relative path -> real repo-relative path
  for (const top of ['src', 'out']) {
    const from = join(root, top);
    if (!existsSync(from)) continue;
    const walk = (abs) => {
      for (const entry of readdirSync(abs)) {
        const src = join(abs, entry);
        if (entry === 'node_modules') continue;
        if (statSync(src).isDirectory()) walk(src);
        else {
          const rel = toPosix(relative(root, src));
          const ext = extname(entry);
          const stagedRel = ext === '.cjs' || ext === '.mjs' ? `${rel.slice(0, -ext.length)}.${ext.slice(1)}.js` : rel;
          if (stagedRel !== rel) renamed.set(stagedRel, rel);
          cpSync(src, join(dir, stagedRel));
        }
      }
    };
    walk(from);
  }
  return { dir, renamed };
}

/** Runs electronegativity with its console output held back (and its translation download stubbed). */
async function scan(dir) {
  const require = createRequire(import.meta.url);
  const runnerPath = require.resolve('@doyensec/electronegativity');
  // Its i18n step fetches translations over the network on every run (seconds offline); the
  // bundled English strings are all we need, so that request fails at once.
  const gotPath = createRequire(join(dirname(runnerPath), 'locales', 'i18n.js')).resolve('got');
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: { __esModule: true, default: () => Promise.reject(new Error('offline by design')) } };
  process.env.LANG = 'en-US';
  const run = require(runnerPath).default ?? require(runnerPath);
  const electronVersion = JSON.parse(readFileSync(join(repo, 'node_modules', 'electron', 'package.json'), 'utf8')).version;

  const held = [];
  const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info };
  const stdoutWrite = process.stdout.write.bind(process.stdout);
  const stderrWrite = process.stderr.write.bind(process.stderr);
  for (const k of Object.keys(originals)) console[k] = (...a) => held.push(a.join(' '));
  process.stdout.write = (chunk) => (held.push(String(chunk)), true);
  process.stderr.write = (chunk) => (held.push(String(chunk)), true);
  try {
    return {
      result: await run(
        {
          input: dir,
          isRelative: true,
          customScan: [],
          excludeFromScan: EXCLUDED_CHECKS,
          parserPlugins: [],
          electronVersionOverride: electronVersion,
        },
        false,
      ),
      held,
    };
  } finally {
    Object.assign(console, originals);
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}

const lineCache = new Map();
function linesOf(file) {
  if (!lineCache.has(file)) {
    const abs = join(root, file);
    lineCache.set(file, existsSync(abs) ? readFileSync(abs, 'utf8').split('\n') : []);
  }
  return lineCache.get(file);
}

const isCommentLine = (text) => /^\s*(\/\/|\/\*|\*|<!--)/.test(text) || /(\*\/|-->)\s*$/.test(text);

/** Justifications covering 1-based `line` of `file`: on the line, or in the comment block right above. */
function justificationsAt(file, line) {
  const lines = linesOf(file);
  const found = [];
  const take = (index) => {
    const m = IGNORE.exec(lines[index] ?? '');
    if (m) found.push({ file, line: index + 1, checks: m[1].split(/\s*,\s*/), reason: (m[2] ?? '').trim() });
  };
  take(line - 1);
  for (let i = line - 2; i >= 0 && isCommentLine(lines[i]); i--) take(i);
  return found;
}

/** Every justification comment in the scanned sources, to find stale and malformed ones. */
function allJustifications(files) {
  const out = [];
  for (const file of files) {
    linesOf(file).forEach((text, i) => {
      const m = IGNORE.exec(text);
      if (m) out.push({ file, line: i + 1, checks: m[1].split(/\s*,\s*/), reason: (m[2] ?? '').trim() });
    });
  }
  return out;
}

function globToRegExp(glob) {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
}

function loadAllowlist() {
  if (!existsSync(allowlistPath)) return [];
  const entries = JSON.parse(readFileSync(allowlistPath, 'utf8'));
  if (!Array.isArray(entries)) throw new Error(`${allowlistPath}: expected an array`);
  return entries.map((e, i) => {
    if (!e.check || !e.file || typeof e.reason !== 'string' || e.reason.trim().length < MIN_REASON) {
      throw new Error(`${allowlistPath} entry ${i}: needs "check", "file" and a "reason" of at least ${MIN_REASON} characters`);
    }
    return { ...e, fileRe: globToRegExp(e.file), used: 0 };
  });
}

function layerOf(file) {
  return Object.keys(LAYERS).find((l) => file.startsWith(`${l}/`)) ?? null;
}

async function main() {
  const { dir, renamed } = stage();
  let scanned;
  try {
    scanned = await scan(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { result, held } = scanned;
  const realPath = (f) => {
    const rel = toPosix(f).replace(/^\/+/, '');
    return renamed.get(rel) ?? rel;
  };
  const allowlist = loadAllowlist();
  const problems = [];

  // Files electronegativity could not parse were not checked at all.
  for (const e of result.errors.filter((x) => !x.tolerable)) {
    problems.push({ kind: 'unparsed', file: realPath(relative(dir, e.file)), message: e.message });
  }

  const findings = result.issues.map((i) => ({
    check: i.id,
    file: i.file === 'N/A' ? 'N/A' : realPath(i.file),
    line: i.location?.line ?? 0,
    column: i.location?.column ?? 0,
    severity: i.severity?.name ?? String(i.severity),
    confidence: i.confidence?.name ?? String(i.confidence),
    manualReview: Boolean(i.manualReview),
    sample: String(i.sample ?? '').trim().slice(0, 160),
    description: i.description,
    url: i.shortenedURL,
    explainedBy: null,
  }));

  const usedJustifications = new Set();
  const explain = (f) => {
    const inline = justificationsAt(f.file, f.line).find((j) => j.checks.includes(f.check) && j.reason.length >= MIN_REASON);
    if (inline) {
      usedJustifications.add(`${inline.file}:${inline.line}`);
      return `${inline.file}:${inline.line}`;
    }
    const entry = allowlist.find((e) => e.check === f.check && e.fileRe.test(f.file) && (!e.contains || f.sample.includes(e.contains)));
    if (entry) {
      entry.used++;
      return `allowlist: ${entry.file}`;
    }
    return null;
  };
  for (const f of findings.filter((x) => x.file.startsWith('src/') || x.file === 'N/A')) f.explainedBy = explain(f);
  // Bundles: inline/allowlist first, then against their layer's explained source findings.
  const budget = new Map();
  for (const f of findings.filter((x) => x.file.startsWith('src/') && x.explainedBy)) {
    for (const [layer, sources] of Object.entries(LAYERS)) {
      if (sources.some((s) => f.file.startsWith(`${s}/`))) budget.set(`${layer}|${f.check}`, (budget.get(`${layer}|${f.check}`) ?? 0) + 1);
    }
  }
  for (const f of findings.filter((x) => x.file.startsWith('out/'))) {
    f.explainedBy = explain(f);
    const key = `${layerOf(f.file)}|${f.check}`;
    if (!f.explainedBy && (budget.get(key) ?? 0) > 0) {
      budget.set(key, budget.get(key) - 1);
      f.explainedBy = `the same check is explained in the sources of ${layerOf(f.file)}`;
    }
  }
  for (const f of findings.filter((x) => !x.explainedBy)) problems.push({ kind: 'unexplained', ...f });

  // Hygiene of the explanations themselves.
  const scannedFiles = [...new Set([...walkFiles(join(root, 'src')), ...walkFiles(join(root, 'out'))])];
  for (const file of scannedFiles) {
    linesOf(file).forEach((text, i) => {
      if (/eng-disable/.test(text) && !IGNORE.test(text)) {
        problems.push({ kind: 'eng-disable', file, line: i + 1, message: 'eng-disable hides a finding without a reason; use "electronegativity-ignore: CHECK -- reason"' });
      }
    });
  }
  for (const j of allJustifications(scannedFiles.filter((f) => f.startsWith('src/')))) {
    if (j.reason.length < MIN_REASON) problems.push({ kind: 'no-reason', file: j.file, line: j.line, message: `a justification needs a reason after "--" (at least ${MIN_REASON} characters)` });
    else if (!usedJustifications.has(`${j.file}:${j.line}`)) problems.push({ kind: 'stale', file: j.file, line: j.line, message: `justifies ${j.checks.join(', ')} but no such finding is here any more: remove it` });
  }
  for (const e of allowlist.filter((x) => x.used === 0)) {
    problems.push({ kind: 'stale', file: relative(root, allowlistPath), line: 0, message: `allowlist entry ${e.check} ${e.file} matches no finding: remove it` });
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (args.json) {
    console.log(JSON.stringify({ ok: problems.length === 0, checks: result.globalChecks + result.atomicChecks, findings, problems, seconds: Number(seconds) }, null, 2));
  } else if (problems.length === 0) {
    console.log(`audit:electron ok: ${result.globalChecks + result.atomicChecks} checks, ${findings.length} findings, all explained (${seconds}s)`);
  } else {
    if (args.verbose) console.error(held.join('\n'));
    console.error(`audit:electron FAILED: ${problems.length} problem(s) (${seconds}s)\n`);
    for (const p of problems) {
      if (p.kind === 'unexplained') {
        console.error(`  ${p.file}:${p.line}:${p.column}  ${p.check}  [${p.severity}/${p.confidence}]`);
        console.error(`      ${p.sample}`);
        console.error(`      ${p.description ?? ''} ${p.url ?? ''}`);
      } else {
        console.error(`  ${p.file}${p.line ? `:${p.line}` : ''}  ${p.kind}: ${p.message}`);
      }
    }
    console.error('\nFix the code, or explain a finding on or above its line:');
    console.error('  // electronegativity-ignore: CHECK_ID -- why this is safe here');
  }
  process.exit(problems.length === 0 ? 0 : 1);
}

function walkFiles(abs) {
  if (!existsSync(abs)) return [];
  const out = [];
  for (const entry of readdirSync(abs)) {
    if (entry === 'node_modules') continue;
    const p = join(abs, entry);
    if (statSync(p).isDirectory()) out.push(...walkFiles(p));
    else if (/\.(ts|tsx|js|jsx|cjs|mjs|html|htm)$/.test(entry)) out.push(toPosix(relative(root, p)));
  }
  return out;
}

main().catch((error) => {
  console.error(`audit:electron could not run: ${error instanceof Error ? error.message : error}`);
  process.exit(2);
});
