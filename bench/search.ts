import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Page, Response } from 'playwright-core';
import { startEmulator } from '../src/emulator';
import { launchChromium } from '../test/support/chromium';
import { startHarness } from '../test/harness/server';

/**
 * The helpdesk search, measured in Chromium against the local tenant (the emulator seeded with the
 * demo users, plus `--users N` synthetic ones) through the browser harness, i.e. the real router,
 * services, audit log (fsync per search) and SDK over HTTP; only Electron's pipe is swapped.
 *
 * - query -> rendered results: a query lands in the box as one input (a paste, or the first input
 *   after a pause, which the search sends at once), timed in the page from that input event to the
 *   frame after the result status is rendered. Target p95 < 100 ms.
 * - typed -> rendered results: the same, typed key by key at 60 ms a key; timed from the last key.
 *   This includes the deliberate 150 ms debounce and is reported, not judged.
 * - console start -> interactive: navigation start to the search box focused and ready (cold: the
 *   harness sends no-store). Target < 800 ms.
 * - initial JavaScript: the entry script and its modulepreloads from the built index.html, gzipped
 *   (level 9), and everything fetched before interactive (adds the lazily loaded search view).
 *   Target < 300 KB.
 *
 * Run: npm run bench -- search [--users N] [--rounds N] [--loads N] [--no-build]
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const EXTRA_USERS = arg('users', 0);
const ROUNDS = arg('rounds', 8);
const LOADS = arg('loads', 15);
const LIMITS = { queryP95Ms: 100, startP95Ms: 800, initialJsGzipKb: 300 };

/** What an agent types: hits and misses across every kind the recogniser knows. */
const QUERIES = [
  'grace@example.com',
  '(415) 555-0123',
  'auth0|5f1b2c3d4e',
  'dvaughan',
  '+1 415 555 0199',
  'nobody-here@example.com',
  'usr_many',
  'zoë',
  'alan@example.com',
  'google-oauth2|103920485761234567890',
  'mia.wong@example.com',
  'sam+support@example.com',
  'ewd',
  '+86 138 0013 8000',
  '415.555.0127',
  'usr_missing_42',
];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
const stats = (values: number[]) => ({
  n: values.length,
  p50: round(percentile(values, 50)),
  p95: round(percentile(values, 95)),
  max: round(Math.max(...values)),
});
const round = (n: number) => Math.round(n * 10) / 10;
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

function build(): void {
  const built = join(root, 'out/renderer/console/index.html');
  if (args.includes('--no-build') && existsSync(built)) return;
  const r = spawnSync('npx', ['--no-install', 'electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('electron-vite build failed');
}

/** The entry script and modulepreloads of the built console, gzipped. */
function initialJs(): { files: { file: string; bytes: number; gzipBytes: number }[]; gzipKb: number } {
  const html = readFileSync(join(root, 'out/renderer/console/index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="([^"]+\.js)"/g)].map((m) => m[1]);
  const files = refs.map((ref) => {
    const body = readFileSync(resolve(root, 'out/renderer/console', ref));
    return { file: ref.replace(/^\.\.\//, ''), bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
  return { files, gzipKb: kb(files.reduce((s, f) => s + f.gzipBytes, 0)) };
}

/** In the page: marks the moment the search box gets focus (the console is interactive). */
const markInteractive = () => {
  document.addEventListener(
    'focusin',
    (e) => {
      const w = window as unknown as { __interactiveAt?: number };
      if (w.__interactiveAt === undefined && (e.target as HTMLElement).getAttribute?.('role') === 'combobox') {
        w.__interactiveAt = performance.now();
      }
    },
    true,
  );
};

async function measureStart(page: Page, url: string): Promise<{ ms: number; js: Map<string, number> }> {
  const js = new Map<string, number>();
  const onResponse = (response: Response) => {
    if (response.url().endsWith('.js')) {
      void response.body().then(
        (b) => js.set(new URL(response.url()).pathname, gzipSync(b, { level: 9 }).length),
        () => undefined,
      );
    }
  };
  page.on('response', onResponse);
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __interactiveAt?: number }).__interactiveAt !== undefined);
  const ms = await page.evaluate(() => (window as unknown as { __interactiveAt: number }).__interactiveAt);
  page.off('response', onResponse);
  return { ms, js };
}

/** In the page: puts `query` in the box as one input and times it to the rendered result status. */
async function timeQuery(page: Page, query: string): Promise<number> {
  return page.evaluate(async (q) => {
    const input = document.querySelector<HTMLInputElement>('input[role="combobox"]')!;
    const status = () => document.querySelector('.search-status')?.textContent ?? '';
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    input.value = '';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    // A quiet spell longer than the debounce, so the next input is sent at once (like a paste).
    await new Promise((r) => setTimeout(r, 220));
    await frame();
    const t0 = performance.now();
    input.value = q;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise<void>((resolveDone, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no answer for ${q}`)), 10_000);
      const check = () => {
        if (/found\.|No user matches/.test(status())) {
          clearTimeout(deadline);
          observer.disconnect();
          resolveDone();
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      check();
    });
    await frame();
    return performance.now() - t0;
  }, query);
}

/** Types `query` key by key (60 ms a key) and times the last key to the rendered result status. */
async function timeTyped(page: Page, query: string): Promise<number> {
  await page.evaluate(() => {
    const input = document.querySelector<HTMLInputElement>('input[role="combobox"]')!;
    input.value = '';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const w = window as unknown as { __lastInput?: number };
    input.addEventListener('input', () => (w.__lastInput = performance.now()));
  });
  await page.waitForTimeout(220);
  await page.locator('input[role="combobox"]').pressSequentially(query, { delay: 60 });
  return page.evaluate(async () => {
    const status = () => document.querySelector('.search-status')?.textContent ?? '';
    while (!/found\.|No user matches/.test(status())) await new Promise((r) => setTimeout(r, 2));
    await new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - (window as unknown as { __lastInput: number }).__lastInput;
  });
}

async function main(): Promise<void> {
  build();
  const emulator = await startEmulator({ seed: 'demo' });
  if (EXTRA_USERS > 0) {
    const { seedStore } = await import('../src/emulator/seeds');
    seedStore(emulator.store, EXTRA_USERS);
  }
  const harness = await startHarness({
    keychainService: `authdesk-bench-search-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
  const chromium = await launchChromium();
  try {
    const page = chromium.context.pages()[0] ?? (await chromium.context.newPage());
    // tsx compiles this file with esbuild's keepNames, which wraps functions in `__name(...)`; the
    // functions evaluated in the page need that helper there too.
    await page.addInitScript({ content: 'globalThis.__name = (fn) => fn;' });
    await page.addInitScript(markInteractive);
    const browserVersion = chromium.context.browser()?.version() ?? 'unknown';

    // Start to interactive, cold (the harness serves everything no-store). The first load warms the OS, not the page.
    await measureStart(page, harness.url);
    const starts: number[] = [];
    let loadedJs = new Map<string, number>();
    for (let i = 0; i < LOADS; i++) {
      const { ms, js } = await measureStart(page, harness.url);
      starts.push(ms);
      loadedJs = js;
    }

    // Query to rendered results. One warm-up round, not counted.
    for (const q of QUERIES) await timeQuery(page, q);
    const traffic = harness.traffic().length;
    const queryTimes: number[] = [];
    const byKind: Record<string, number[]> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const q of QUERIES) {
        const ms = await timeQuery(page, q);
        queryTimes.push(ms);
        const kind = /@/.test(q) ? 'email' : /^[+(\d]/.test(q) ? 'phone' : /\|/.test(q) ? 'id' : 'id-or-username';
        (byKind[kind] ??= []).push(ms);
      }
    }
    // Main's share: the bridge round trips of users:search during the measured rounds.
    const mainMs = harness
      .traffic()
      .slice(traffic)
      .filter((t): t is Extract<typeof t, { kind: 'call' }> => t.kind === 'call' && t.channel === 'users:search')
      .map((t) => t.ms);

    const typed: number[] = [];
    for (const q of ['grace@example.com', 'dvaughan', 'usr_many', '(415) 555-0123']) typed.push(await timeTyped(page, q));

    const entry = initialJs();
    const loadedJsGzipKb = kb([...loadedJs.values()].reduce((s, b) => s + b, 0));
    const start = stats(starts);
    const query = stats(queryTimes);
    const result = {
      name: 'search',
      date: new Date().toISOString(),
      node: process.version,
      chromium: browserVersion,
      platform: `${process.platform}-${process.arch}`,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
      tenant: { demoUsers: true, extraUsers: EXTRA_USERS },
      queryToRenderedMs: { ...query, queries: QUERIES.length, rounds: ROUNDS },
      queryToRenderedByKindMs: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, stats(v)])),
      mainSearchRoundTripMs: stats(mainMs),
      typedLastKeyToRenderedMs: { ...stats(typed), note: 'includes the 150 ms debounce after the last key' },
      startToInteractiveMs: { ...start, loads: LOADS },
      initialJs: { entryGzipKb: entry.gzipKb, entryFiles: entry.files, loadedBeforeInteractiveGzipKb: loadedJsGzipKb },
      limits: LIMITS,
      pass: {
        query: query.p95 < LIMITS.queryP95Ms,
        start: start.p95 < LIMITS.startP95Ms,
        initialJs: Math.max(entry.gzipKb, loadedJsGzipKb) < LIMITS.initialJsGzipKb,
      },
    };
    const out = join(root, 'bench/results/search.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    process.exitCode = Object.values(result.pass).every(Boolean) ? 0 : 1;
  } finally {
    await chromium.close();
    await harness.close();
    await emulator.close();
  }
}

await main();
