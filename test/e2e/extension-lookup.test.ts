import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import { CHROMIUM_ARGS } from '../support/chromium';
import { startTestDesktop, type TestDesktop } from '../support/bridge-desktop';

// The extension in Debian's Chromium, loaded unpacked from the build (out/extension), talking
// through the real native host (found in <user-data-dir>/NativeMessagingHosts) and socket to the
// desktop side: the main-side services in Node over the demo local tenant. The side panel page is
// opened as a tab (headless Chromium has no side panel UI to drive); the context-menu click is the
// service worker's own handler called with the selection Chromium would pass.

const extensionDir = join(import.meta.dirname, '../../out/extension');
const panelUrl = `chrome-extension://${AUTHDESK_EXTENSION_ID}/sidepanel.html`;

let desktop: TestDesktop;
let context: BrowserContext;
let worker: Worker;
let userDataDir: string;
let ticketServer: Server;
let ticketUrl: string;
const problems: string[] = [];

beforeAll(async () => {
  await stat(join(extensionDir, 'manifest.json')).catch(() => {
    throw new Error('The extension is not built: run `npm run build` first.');
  });
  userDataDir = await mkdtemp(join(tmpdir(), 'authdesk-ext-chromium-'));
  desktop = await startTestDesktop({ userDataDir });
  // The "ticketing tool": a local page with the caller's email on it.
  ticketServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>INC-1234</title><h1>INC-1234: cannot sign in</h1><p>Caller: <span id="email">ada@example.com</span></p>');
  });
  await new Promise<void>((resolve) => ticketServer.listen(0, '127.0.0.1', resolve));
  const address = ticketServer.address();
  ticketUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ticket`;
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    // Extensions need Chromium's new headless mode, which `--headless=new` selects (Playwright's own
    // headless flag would add the old-mode switches that disable extensions).
    headless: false,
    args: [...CHROMIUM_ARGS.filter((a) => a !== '--headless'), '--headless=new', `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
  });
  worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await desktop?.close();
  await new Promise((resolve) => ticketServer?.close(resolve));
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

async function openPanel(): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(panelUrl);
  return page;
}

describe('Authdesk extension in Chromium', () => {
  it('loads with its stable id and only the permissions it needs', async () => {
    expect(new URL(worker.url()).host).toBe(AUTHDESK_EXTENSION_ID);
    const manifest = await worker.evaluate(() => chrome.runtime.getManifest());
    expect(manifest.permissions?.sort()).toEqual(['contextMenus', 'nativeMessaging', 'sidePanel']);
    expect(manifest.host_permissions ?? []).toEqual([]);
    expect(manifest.content_scripts ?? []).toEqual([]);
  });

  let panel: Page;

  it('pairs only after the agent confirms the same phrase in the desktop app', async () => {
    panel = await openPanel();
    const phrase = (await panel.getByTestId('phrase').textContent())?.trim() ?? '';
    expect(phrase.split(' ')).toHaveLength(6);
    const status = await desktop.services.bridge.status();
    expect(status.pending).toHaveLength(1);
    expect(status.pending[0].phrase).toBe(phrase);
    // Until then the desktop refuses lookups from this browser.
    expect(desktop.frames.some((f) => f.direction === 'in' && f.json.includes('"kind":"call"'))).toBe(false);
    await desktop.services.bridge.confirmPairing(status.pending[0].pairingId, phrase);
    await panel.getByRole('combobox').waitFor();
    expect(await panel.getByTestId('bridge-state').textContent()).toBe('Connected');
  });

  it('looks up an email selected on a ticket page and shows the user and their authenticators', async () => {
    const ticket = await context.newPage();
    await ticket.goto(ticketUrl);
    const selection = await ticket.evaluate(() => {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('email') as HTMLElement);
      const sel = window.getSelection() as Selection;
      sel.removeAllRanges();
      sel.addRange(range);
      return sel.toString();
    });
    expect(selection).toBe('ada@example.com');
    // What the "Look up in Authdesk" context-menu item does with Chromium's selectionText.
    await worker.evaluate(
      (text) =>
        (globalThis as unknown as { authdeskLookUpSelection(info: { menuItemId: string; selectionText: string }): void }).authdeskLookUpSelection({
          menuItemId: 'authdesk-lookup',
          selectionText: text,
        }),
      `  ${selection}\n`,
    );
    await expect.poll(() => panel.getByRole('combobox').inputValue()).toBe('ada@example.com');
    const option = panel.getByRole('option', { name: /Ada Lovelace/ });
    await option.waitFor();
    await panel.getByRole('combobox').press('Enter');
    await panel.getByRole('heading', { level: 1, name: 'Ada Lovelace' }).waitFor();
    const list = panel.getByTestId('authenticators');
    await expect.poll(() => list.textContent()).toMatch(/Passkey/i);
    expect(await list.textContent()).toMatch(/Email/i);

    // Both lookups are in the desktop's audit log, marked as coming from the browser.
    const page = await desktop.services.audit.query({ limit: 20, action: ['user.search', 'user.lookup'] });
    const fromBrowser = page.entries.filter((e) => e.details.via === 'browser');
    expect(fromBrowser.map((e) => e.action)).toEqual(expect.arrayContaining(['user.search', 'user.lookup']));
    expect(fromBrowser.find((e) => e.action === 'user.lookup')?.subject.userId).toBe('usr_ada');
  });

  it('hands changes over to the desktop window with "Open in Authdesk"', async () => {
    await panel.getByTestId('open-in-authdesk').click();
    await panel.getByText('Opened in the Authdesk window').waitFor();
    expect(desktop.opened).toContainEqual({ userId: 'usr_ada' });
    // The panel offers no Remove: each authenticator's "Manage in Authdesk" hands over too.
    expect(await panel.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    await panel.getByTestId('authenticators').getByRole('button', { name: 'Manage in Authdesk' }).first().click();
    await expect.poll(() => desktop.opened.length).toBe(2);
    const user = await desktop.router.handle('users:get', { userId: 'usr_ada' }, { transport: 'test' });
    expect(user.ok && (user.value as { authenticators: { value: unknown[] } }).authenticators.value.length).toBe(2);
  });

  it('never sends the tenant secret or a user token across the bridge', () => {
    const all = desktop.frames.map((f) => f.json).join('\n');
    expect(all).toContain('ada@example.com');
    expect(all).not.toContain(desktop.emulator.secret);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
  });

  it('shows a revoked browser as refused and offers to pair again', async () => {
    const keyId = (await desktop.services.bridge.status()).paired[0].keyId;
    await desktop.services.bridge.revoke(keyId);
    await panel.getByTestId('refused').waitFor();
    expect(await panel.getByTestId('refused').textContent()).toMatch(/unpaired/);
    const reopened = await openPanel();
    await reopened.getByTestId('refused').waitFor();
    await reopened.close();
  });

  it('says "Open Authdesk" when the desktop app is not running', async () => {
    await desktop.services.bridge.close();
    const page = await openPanel();
    await page.getByTestId('open-authdesk').waitFor();
    expect(await page.getByTestId('open-authdesk').textContent()).toMatch(/Open Authdesk/);
    await page.close();
    expect(problems.filter((p) => !/native messaging host|Native host has exited/i.test(p))).toEqual([]);
  });
});
