// Shared bed of the enrollment journeys (test/e2e/enrollment-*.test.ts): the local tenant, the
// guided page's loopback server, the browser harness with its enrollment host, one Chromium, the
// console open in its own context, and what the leak check needs: every token, code and secret the
// journeys saw, every log line of this process and of every page, and the harness data dir.
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { startEnrollPageServer, type EnrollPageServer } from '../../src/main/services/enrollment/enroll-page-server';
import type { EnrollmentWindowRequest } from '../../src/main/services/enrollment/enrollment-host';
import { HarnessEnrollmentHost, type HarnessWindow } from '../harness/enrollment-host';
import { startHarness, type RunningHarness } from '../harness/server';
import { CHROMIUM_ARGS } from '../support/chromium';
import { filesUnder } from '../support/data-dir';
import { latestMessage, outboxCount } from '../support/emulator-page';

/** Options of {@link startEnrollmentBed}. */
export interface BedOptions {
  /** A shorter caller verification lifetime (the expiry journey). */
  verificationLifetimeMs?: number;
  /** Runs on each enrollment window's page before it loads. */
  prepare?: (page: Page, request: EnrollmentWindowRequest) => Promise<void>;
}

/** A running bed. */
export interface EnrollmentBed {
  readonly emulator: RunningEmulator;
  readonly harness: RunningHarness;
  readonly host: HarnessEnrollmentHost;
  readonly browser: Browser;
  /** The console's page, in its own context. */
  readonly page: Page;
  /** Console errors and page errors of the console page (a healthy journey has none). */
  readonly problems: string[];
  /** Every token, code and secret seen, to prove none reached a log or the disk. */
  readonly secrets: Set<string>;
  /** Opens a user in the console and waits for the verification panel. */
  openUser(userId: string): Promise<void>;
  /** The newest code sent to `to` after `before` messages; remembered as a secret. */
  codeFor(to: string, before: number): Promise<string>;
  outboxCount(to: string): Promise<number>;
  /** Fails when any secret seen appears in the data dir or in any log line. */
  expectNoLeaks(): Promise<void>;
  close(): Promise<void>;
}

/** Lines written by this process's console while the bed runs. */
const serverLogs: string[] = [];
const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

function captureConsole(): () => void {
  const originals = METHODS.map((m) => console[m].bind(console));
  METHODS.forEach((m, i) => {
    console[m] = (...args: unknown[]) => {
      serverLogs.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      (originals[i] as (...a: unknown[]) => void)(...args);
    };
  });
  return () => METHODS.forEach((m, i) => (console[m] = originals[i]));
}

/** Starts everything; close it in afterAll. */
export async function startEnrollmentBed(options: BedOptions = {}): Promise<EnrollmentBed> {
  const restoreConsole = captureConsole();
  const secrets = new Set<string>();
  const tenantOrigin: { value?: string } = {};
  // The page server first: the local tenant must list its origin for WebAuthn (as the app does).
  const pages: EnrollPageServer = await startEnrollPageServer({
    root: join(import.meta.dirname, '../../out/renderer'),
    connectSrc: () => (tenantOrigin.value ? [tenantOrigin.value] : []),
  });
  const emulator: RunningEmulator = await startEmulator({ seed: 'demo', allowedOrigins: [pages.origin] });
  tenantOrigin.value = emulator.origin;
  // One Chromium (not a persistent context): each enrollment window gets a fresh context of its own.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const windowLogs: string[] = [];
  const host = new HarnessEnrollmentHost({
    browser: () => browser,
    guidedPage: { url: pages.url, origin: pages.origin },
    prepare: async (page, request) => {
      // Remember what the window is handed, to prove it is written nowhere.
      const token = new URL(request.url).searchParams.get('token');
      if (token) secrets.add(token);
      page.on('console', (m) => windowLogs.push(m.text()));
      await options.prepare?.(page, request);
    },
  });
  const harness = await startHarness({
    keychainService: `authdesk-e2e-enrollment-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    services: { enrollmentHost: wrapHost(host, secrets), verificationLifetimeMs: options.verificationLifetimeMs },
  });
  const context: BrowserContext = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  const pageLogs: string[] = [];
  page.on('console', (m) => {
    pageLogs.push(m.text());
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));

  const emu = emulator;
  return {
    emulator: emu,
    harness,
    host,
    browser,
    page,
    problems,
    secrets,
    async openUser(userId) {
      await page.goto(`${harness.url}#/users/${encodeURIComponent(userId)}`);
      await page.locator('[data-testid="caller-verification"] h2').waitFor();
      await page.locator('[data-testid="caller-verification"] .choose, [data-testid="verification-live"]').first().waitFor();
    },
    async codeFor(to, before) {
      const { code } = await latestMessage(emu, to, before);
      secrets.add(code!);
      return code!;
    },
    outboxCount: (to) => outboxCount(emu, to),
    async expectNoLeaks() {
      const files = await filesUnder(harness.dataDir);
      expect(files.length, 'the data dir holds the audit log at least').toBeGreaterThan(0);
      const logs = [...serverLogs, ...pageLogs, ...windowLogs, ...host.windows.flatMap((w) => w.logs)];
      expect(secrets.size, 'the journeys saw tokens and codes').toBeGreaterThan(0);
      for (const secret of secrets) {
        // Six-digit codes are matched as whole numbers, outside the chain's hex hashes.
        const pattern = /^\d+$/.test(secret) ? new RegExp(`(?<![\\dA-Za-z])${secret}(?![\\dA-Za-z])`) : null;
        const found = (text: string) => (pattern ? pattern.test(text.replace(/"(prevHash|hash)":"[0-9a-f]{64}"/g, '')) : text.includes(secret));
        for (const { file, text } of files) expect(found(text), `a secret is in ${file}`).toBe(false);
        expect(logs.filter(found), 'a secret is in a log line').toEqual([]);
      }
    },
    async close() {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await harness.close();
      await emu.close();
      await pages.close();
      restoreConsole();
    },
  };
}

/** The host, recording every token that crosses it (window URL, session, redirect, completion). */
function wrapHost(host: HarnessEnrollmentHost, secrets: Set<string>): HarnessEnrollmentHost {
  const open = host.open.bind(host);
  host.open = (request) => {
    const bridge = request.bridge;
    return open({
      ...request,
      onRedirect: request.onRedirect
        ? (token) => {
            if (token) secrets.add(token);
            request.onRedirect!(token);
          }
        : undefined,
      bridge: bridge
        ? {
            session: () => {
              const s = bridge.session() as { token?: string };
              if (s?.token) secrets.add(s.token);
              return s;
            },
            complete: (result) => {
              const token = (result as { token?: unknown } | null)?.token;
              if (typeof token === 'string') secrets.add(token);
              return bridge.complete(result);
            },
            cancel: (reason) => bridge.cancel(reason),
          }
        : undefined,
    });
  };
  return host;
}

/** The console's verification panel. */
export const panel = (page: Page) => page.locator('[data-testid="caller-verification"]');
/** The console's enrollment panel. */
export const enrollmentPanel = (page: Page) => page.locator('[data-testid="enrollment"]');

/** Verifies the caller in the console with a code to their first verified email, read from the outbox. */
export async function verifyByEmailCode(bed: EnrollmentBed, email: string): Promise<void> {
  const before = await bed.outboxCount(email);
  await panel(bed.page).locator('button[data-target-method="email-otp"]').first().click();
  const codeBox = panel(bed.page).getByLabel('Code the caller reads to you');
  await codeBox.waitFor();
  await expect.poll(() => bed.page.evaluate(() => document.activeElement?.getAttribute('inputmode'))).toBe('numeric');
  await codeBox.fill(await bed.codeFor(email, before));
  await panel(bed.page).getByRole('button', { name: 'Check the code' }).click();
  await bed.page.locator('[data-testid="verification-live"]').waitFor();
}

/**
 * Clicks a control that closes its own window, then waits for the window to be gone. The page may
 * close while Playwright still finishes the click ("Target page … has been closed"): that error is
 * the expected outcome, any other is not.
 */
export async function clickThatCloses(win: HarnessWindow, control: Locator): Promise<void> {
  await control.click().catch((error: unknown) => {
    if (!win.page.isClosed()) throw error;
  });
  await win.closed;
}

/** Waits for the next window and for its page to have loaded something. */
export async function nextWindow(bed: EnrollmentBed): Promise<HarnessWindow> {
  const win = await bed.host.nextWindow();
  await win.page.waitForLoadState('domcontentloaded');
  return win;
}
