import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import { CHROMIUM_ARGS, runAxe } from '../support/chromium';
import { startTestDesktop, type TestDesktop } from '../support/bridge-desktop';

// Issue #18: the side panel as an agent uses it all day, at the side panel's real width (360 px),
// with the unpacked extension in Debian's Chromium, the real native host and socket, and the
// desktop's services over the demo local tenant. Every trust decision lands in the audit log with
// the browser's key id; decline and revoke reach the panel at once; a right-click on a messy
// selection searches once, for the value in it; nothing needs a horizontal scrollbar.

const extensionDir = join(import.meta.dirname, '../../out/extension');
const panelUrl = `chrome-extension://${AUTHDESK_EXTENSION_ID}/sidepanel.html`;
const PANEL = { width: 360, height: 760 };

let desktop: TestDesktop;
let context: BrowserContext;
let worker: Worker;
let userDataDir: string;
const problems: string[] = [];

beforeAll(async () => {
  await stat(join(extensionDir, 'manifest.json')).catch(() => {
    throw new Error('The extension is not built: run `npm run build` first.');
  });
  userDataDir = await mkdtemp(join(tmpdir(), 'authdesk-panel-chromium-'));
  desktop = await startTestDesktop({ userDataDir, agentName: 'Grace (helpdesk)' });
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: false,
    viewport: PANEL,
    args: [...CHROMIUM_ARGS.filter((a) => a !== '--headless'), '--headless=new', `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await desktop?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

async function openPanel(): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(PANEL);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(panelUrl);
  return page;
}

/** How far the page is wider than the panel (0 when it fits), and which elements stick out. */
async function overflow(page: Page): Promise<{ extra: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.scrollingElement as HTMLElement;
    const width = root.clientWidth;
    const culprits = [...document.querySelectorAll<HTMLElement>('main *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px)`);
    return { extra: root.scrollWidth - width, culprits };
  });
}

const rightClick = (text: string) =>
  worker.evaluate(
    (selectionText) =>
      (globalThis as unknown as { authdeskLookUpSelection(info: { menuItemId: string; selectionText: string }): void }).authdeskLookUpSelection({
        menuItemId: 'authdesk-lookup',
        selectionText,
      }),
    text,
  );

/** Waits for a panel state; on timeout says what the panel showed instead. */
async function waitFor(page: Page, testId: string, timeout = 30_000): Promise<void> {
  try {
    await page.getByTestId(testId).waitFor({ timeout });
  } catch {
    const showing = await page.locator('body').innerText().catch(() => '(no page)');
    throw new Error(`The panel did not show ${testId} in ${timeout} ms; it showed:\n${showing}\nproblems: ${problems.join('; ')}`);
  }
}

const searchesFromBrowser = () => desktop.frames.filter((f) => f.direction === 'in' && f.json.includes('"channel":"users:search"')).length;
const auditOf = async (action: string) => (await desktop.services.audit.query({ limit: 100, action: [action] })).entries;

describe('the side panel at 360 px', () => {
  let panel: Page;
  let keyId = '';

  it('ships an icon set and says which browser asks to pair, and when', async () => {
    const manifest = await worker.evaluate(() => chrome.runtime.getManifest());
    expect(Object.keys(manifest.icons ?? {}).sort()).toEqual(['128', '16', '32', '48']);
    const icon = await worker.evaluate(async (path) => {
      const blob = await (await fetch(chrome.runtime.getURL(path))).blob();
      const bitmap = await createImageBitmap(blob);
      return { type: blob.type, width: bitmap.width, height: bitmap.height };
    }, manifest.icons?.['128'] as string);
    expect(icon).toEqual({ type: 'image/png', width: 128, height: 128 });

    panel = await openPanel();
    await waitFor(panel, 'phrase');
    const label = (await panel.getByTestId('pair-label').textContent())?.trim();
    expect(label).toMatch(/^(Chromium|Google Chrome|Chrome) \d+ on Linux$/);
    const [request] = (await desktop.services.bridge.status()).pending;
    expect(request.label).toBe(label);
    keyId = request.keyId;
    const [asked] = await auditOf('browser.pairing-request');
    expect(asked.details).toMatchObject({ browserKeyId: keyId, browserLabel: label });
    expect(seriousOrWorse(await runAxe(panel))).toEqual([]);
    expect((await overflow(panel)).extra).toBe(0);
  });

  it('learns a decline at once, and the request does not come back on reload', async () => {
    const [request] = (await desktop.services.bridge.status()).pending;
    await desktop.services.bridge.rejectPairing(request.pairingId);
    await waitFor(panel, 'declined');
    expect(await panel.getByTestId('declined').textContent()).toMatch(/can ask again after/);
    expect(await panel.getByRole('button', { name: 'Ask again' }).isDisabled()).toBe(true);
    await panel.reload();
    await waitFor(panel, 'declined');
    expect((await desktop.services.bridge.status()).pending).toEqual([]);
    const [declined] = await auditOf('browser.pairing-decline');
    expect(declined.details).toMatchObject({ browserKeyId: keyId });
    expect(declined.actor.agentName).toBe('Grace (helpdesk)');
  });

  it('pairs a new key once approved, recorded with who approved it', async () => {
    // The agent changed their mind: a fresh key (as "Pair again" makes) asks and is approved.
    await panel.evaluate(() => new Promise<void>((resolve) => {
      const r = indexedDB.deleteDatabase('authdesk-bridge');
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    }));
    await panel.reload();
    await waitFor(panel, 'phrase');
    const phrase = (await panel.getByTestId('phrase').textContent())?.trim() ?? '';
    const [request] = (await desktop.services.bridge.status()).pending;
    expect(request.phrase).toBe(phrase);
    keyId = request.keyId;
    await desktop.services.bridge.confirmPairing(request.pairingId, phrase);
    await panel.getByRole('combobox').waitFor();
    expect(await panel.getByTestId('bridge-state').textContent()).toBe('Connected');
    const [approved] = await auditOf('browser.pairing-approve');
    expect(approved.details).toMatchObject({ browserKeyId: keyId });
    expect((await desktop.services.bridge.status()).paired).toEqual([expect.objectContaining({ keyId, pairedBy: 'Grace (helpdesk)' })]);
  });

  it('looks up the email in a messy selection with one search, and says what it took', async () => {
    const before = searchesFromBrowser();
    await rightClick('  Caller: Ada Lovelace <ada@example.com>, cannot sign in since Tuesday\n');
    await expect.poll(() => panel.getByRole('combobox').inputValue()).toBe('ada@example.com');
    await panel.getByTestId('extracted').waitFor();
    expect(await panel.getByTestId('extracted').textContent()).toMatch(/email address ada@example\.com found in “Caller: Ada Lovelace <ada@example\.com>/);
    await panel.getByRole('option', { name: /Ada Lovelace/ }).waitFor();
    // The search view with its results and the note fits the panel too.
    expect(await overflow(panel)).toEqual({ extra: 0, culprits: [] });
    // Let any second search (the old double submit) arrive before counting.
    await new Promise((r) => setTimeout(r, 1500));
    expect(searchesFromBrowser() - before).toBe(1);
    const searches = (await auditOf('user.search')).filter((e) => e.details.via === 'browser');
    expect(searches).toHaveLength(1);
    expect(searches[0].details.browserKeyId).toBe(keyId);
  });

  it('shows the user as cards that fit 360 px, axe clean, with "Manage in Authdesk" for changes', async () => {
    await panel.getByRole('combobox').press('Enter');
    await panel.getByRole('heading', { level: 1, name: 'Ada Lovelace' }).waitFor();
    await panel.getByTestId('activity').waitFor();
    const cards = panel.getByTestId('authenticators').getByRole('listitem');
    await expect.poll(() => cards.count()).toBeGreaterThanOrEqual(2);
    // Every field of every authenticator is in view horizontally: nothing needs a sideways scroll.
    expect(await overflow(panel)).toEqual({ extra: 0, culprits: [] });
    expect(await panel.getByTestId('authenticators').textContent()).toMatch(/Last used.*Created/s);
    expect(seriousOrWorse(await runAxe(panel))).toEqual([]);
    expect(await panel.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    // The masked profile email is recognisably the one looked up, as the search result showed it.
    expect(await panel.getByTestId('profile').textContent()).toMatch(/ada@example\.com.*The address you looked up/s);

    await cards.first().getByRole('button', { name: 'Manage in Authdesk' }).click();
    await panel.getByText('Opened in the Authdesk window').waitFor();
    expect(desktop.opened).toContainEqual({ userId: 'usr_ada' });
    const lookups = (await auditOf('user.lookup')).filter((e) => e.details.via === 'browser');
    expect(lookups[0]?.details).toMatchObject({ browserKeyId: keyId });
  });

  it('learns a revocation at once, recorded with the key id', async () => {
    await desktop.services.bridge.revoke(keyId);
    await waitFor(panel, 'refused');
    expect(await panel.getByTestId('refused').textContent()).toMatch(/unpaired/);
    const [revoked] = await auditOf('browser.revoke');
    expect(revoked.details).toMatchObject({ browserKeyId: keyId });
    // The whole story of this browser, by its key id.
    const story = (await desktop.services.audit.query({ limit: 100, browserKeyId: keyId })).entries.map((e) => e.action);
    expect(story).toEqual(expect.arrayContaining(['browser.pairing-request', 'browser.pairing-approve', 'user.search', 'user.lookup', 'browser.revoke']));
  });

  it('is calm while Authdesk is closed: one state, checks with a growing delay', async () => {
    await desktop.services.bridge.close();
    const page = await openPanel();
    await page.evaluate(() => new Promise<void>((resolve) => {
      const r = indexedDB.deleteDatabase('authdesk-bridge');
      r.onsuccess = r.onerror = r.onblocked = () => resolve();
    }));
    await page.reload();
    await waitFor(page, 'open-authdesk');
    // Sample what the panel says for 9 s: it never flips back to "Connecting…" while it re-checks.
    const seen = new Set<string>();
    const retries: number[] = [];
    for (let i = 0; i < 18; i++) {
      seen.add((await page.getByTestId('bridge-state').textContent()) ?? '');
      const r = await page.getByTestId('retry-in').textContent().catch(() => null);
      if (r) retries.push(Number(/(\d+)/.exec(r)?.[1]));
      await page.waitForTimeout(500);
    }
    expect([...seen]).toEqual(['Authdesk not running']);
    // The wait grows (2 s, 4 s, 8 s…), so the countdown reached a value above the first delay.
    expect(Math.max(...retries)).toBeGreaterThan(2);
    expect(seriousOrWorse(await runAxe(page))).toEqual([]);
    await page.close();
  });

  it('tells "not set up" apart: with integration off the browser has no host to start', async () => {
    // Switching off removes the host manifests, this test profile's included.
    await desktop.services.bridge.setEnabled(false);
    const page = await openPanel();
    await waitFor(page, 'not-installed');
    expect(await page.getByTestId('bridge-state').textContent()).toBe('Not set up');
    expect(await page.getByTestId('not-installed').textContent()).toMatch(/Settings › Browser integration/);
    expect((await desktop.services.audit.query({ limit: 10, action: ['browser.integration-off'] })).entries).toHaveLength(1);
    await page.close();
    expect(problems.filter((p) => !/native messaging host|Native host has exited/i.test(p))).toEqual([]);
  });
});

function seriousOrWorse<T extends { impact: string | null }>(violations: T[]): T[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.impact === 'moderate');
}
