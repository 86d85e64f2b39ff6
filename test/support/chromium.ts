import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHarness, type HarnessOptions, type RunningHarness } from '../harness/server';

/**
 * Shared e2e helpers: Debian's Chromium through playwright-core with the house flags and a fresh
 * user-data-dir, the browser harness serving the built console, and axe-core.
 */

/** Chromium flags from the team rules (no sandbox in containers, no background traffic). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** A Chromium with its own throwaway profile. */
export interface ChromiumSession {
  readonly context: BrowserContext;
  readonly userDataDir: string;
  close(): Promise<void>;
}

/** Launches /usr/bin/chromium (never a downloaded one) on a fresh user-data-dir. */
export async function launchChromium(): Promise<ChromiumSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'authdesk-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    context,
    userDataDir,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The console open in Chromium through the harness. */
export interface ConsoleSession {
  readonly harness: RunningHarness;
  readonly chromium: ChromiumSession;
  readonly page: Page;
  /** Console errors, page errors and CSP refusals seen so far (a healthy console has none). */
  readonly problems: string[];
  /** Opens a console route, e.g. `/settings/tenants`, and waits until its heading shows. */
  goto(route: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the harness (see test/harness/server.ts) and Chromium, and opens the console. One per test
 * file: Chromium costs a second or two to start.
 */
export async function openConsole(options: HarnessOptions = {}): Promise<ConsoleSession> {
  const harness = await startHarness(options);
  let session: ChromiumSession;
  try {
    session = await launchChromium();
  } catch (error) {
    await harness.close();
    throw error;
  }
  const page = session.context.pages()[0] ?? (await session.context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return {
    harness,
    chromium: session,
    page,
    problems,
    async goto(route: string) {
      await page.goto(`${harness.url}#${route}`);
      await page.locator('main h1').first().waitFor();
    },
    async close() {
      await session.close();
      await harness.close();
    },
  };
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

/** One axe-core violation, trimmed to what a failure message needs. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page (WCAG 2.x A/AA rules) and returns its violations. The script is
 * evaluated over CDP, which the page's CSP (`script-src 'self'`) does not govern, so the console's
 * real policy stays in force for everything else.
 */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  const source = await axeSource;
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const results = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
}

/** Only the violations that block a release: serious or critical. */
export function seriousViolations(violations: readonly AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
