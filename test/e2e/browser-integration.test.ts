import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf } from '@shared/bridge/bridge-crypto';
import type { BridgeClient } from '@shared/bridge/client';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { openConsole, runAxe, type ConsoleSession } from '../support/chromium';
import { AUTHDESK_BIN, nodeExtensionClient, type HostProcess } from '../support/bridge-desktop';

// Issue #18 in the console (the browser harness, which now serves the bridge as the desktop app
// does, i.e. what `npm run dev:browser` runs): Settings › Browser integration shows a pairing
// request with its browser and time and no pre-chosen answer, lists paired browsers with when and
// by whom, and links to the Audit log filtered by that browser's key id. The "extension" is the
// shared BridgeClient over a real native host process, through the manifest Settings wrote.

let emulator: RunningEmulator;
let ui: ConsoleSession;
let home: string;
const hosts: HostProcess[] = [];
let client: BridgeClient | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 'demo' });
  home = await mkdtemp(join(tmpdir(), 'authdesk-browser-home-'));
  ui = await openConsole({
    keychainService: `authdesk-e2e-browser-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    serveBridge: true,
    // Manifests go to a throwaway home, never into this machine's browsers.
    services: { bridge: { home, env: {}, hostCommand: { command: process.execPath, args: [AUTHDESK_BIN] } } },
  });
});

afterAll(async () => {
  client?.close();
  for (const h of hosts) await h.close().catch(() => undefined);
  await ui?.close();
  await emulator?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('Settings › Browser integration', () => {
  let keyId = '';

  it('switches integration on (audited) and shows a request with its browser and time, neither answer pre-chosen', async () => {
    const { page } = ui;
    await ui.goto('/settings/browser');
    await page.getByRole('button', { name: 'Switch on' }).click();
    await page.getByText('accepting the extension').waitFor();
    expect((await ui.harness.services.audit.query({ limit: 10, action: ['browser.integration-on'] })).entries).toHaveLength(1);

    const launcher = join(ui.harness.dataDir, 'browser-bridge', 'native-host', 'authdesk-native-host');
    const made = await nodeExtensionClient(launcher, undefined, 'Chromium 140 on Linux');
    client = made.client;
    hosts.push(...made.hosts);
    keyId = await keyIdOf(made.identity.publicKey);
    expect(await client.connect()).toMatchObject({ state: 'connected', pairing: 'pending' });

    const request = page.getByTestId('pending-pairing');
    await request.waitFor({ timeout: 10_000 });
    const text = (await request.textContent()) ?? '';
    expect(text).toContain('Chromium 140 on Linux');
    expect(text).toContain(keyId);
    expect(text).toMatch(/asked at .*\d{1,2}:\d{2}/);
    for (const name of ['Pair', 'Decline']) {
      const button = request.getByRole('button', { name });
      expect(await button.getAttribute('class')).not.toMatch(/btn-primary/);
      expect(await button.evaluate((b) => b === document.activeElement)).toBe(false);
    }
    expect((await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  });

  it('pairs, then lists the browser with when and by whom, and links to its audit entries only', async () => {
    const { page } = ui;
    await page.getByTestId('pending-pairing').getByRole('button', { name: 'Pair' }).click();
    await expect.poll(() => client?.connection).toMatchObject({ state: 'connected', pairing: 'paired' });
    const row = page.getByTestId('paired-browsers').locator(`tr[data-key-id="${keyId}"]`);
    await row.waitFor();
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[0]).toContain('Chromium 140 on Linux');
    expect(cells[1]).toContain(keyId);
    expect(cells[2]).toMatch(/\d{1,2}:\d{2}/);
    expect(cells[3]).toBe(userInfo().username);

    // A lookup through that browser, and one made in the console itself.
    expect(await client?.call('users:search', { query: 'ada@example.com', seq: 1 })).toMatchObject({ ok: true });
    await ui.harness.services.directory.search({ query: 'grace@example.com', stream: 'search', seq: 1 }, 'harness');

    await row.getByRole('link', { name: 'Its audit entries' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    expect(await page.getByLabel('Browser key id').inputValue()).toBe(keyId);
    const rows = page.locator('main table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const listed = (await rows.allTextContents()).join('\n');
    expect(listed).toMatch(/asked to pair/);
    expect(listed).toMatch(/Paired a browser/);
    expect(listed).toMatch(/Searched for users/);
    expect(listed).not.toMatch(/grace@example\.com/);
  });
});

describe('npm run dev:browser (the harness CLI)', () => {
  it('prints the console URL, the local tenant URL and its working secret, the data dir and the bridge; serves no traffic log', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/harness/cli.ts', '--local-tenant', '--json'], {
      cwd: join(import.meta.dirname, '../..'),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, AUTHDESK_KEYCHAIN_SERVICE: `authdesk-e2e-devbrowser-${process.pid}` },
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`dev:browser printed nothing usable: ${out}`)), 60_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const first = out.split('\n').find((l) => l.startsWith('{'));
          if (first) {
            clearTimeout(timer);
            resolve(first);
          }
        });
      });
      const info = JSON.parse(line) as {
        url: string;
        origin: string;
        tenant: { apiUrl: string; tenantId: string; secret: string };
        dataDir: string;
        bridge: { socketPath: string; enabled: boolean };
      };
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/$/);
      expect(info.dataDir).toBeTruthy();
      expect(info.bridge.socketPath.startsWith(info.dataDir)).toBe(true);
      // The printed secret opens the local tenant's Server API; a wrong one does not.
      const get = (secret: string) =>
        fetch(`${info.tenant.apiUrl}/users/usr_ada`, { headers: { authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}` } });
      expect((await get(info.tenant.secret)).status).toBe(200);
      expect((await get('wrong-secret')).status).toBe(401);
      // No traffic log with request bodies exists unless a test asks for one.
      expect((await fetch(`${info.origin}/__harness/traffic`)).status).toBe(404);
    } finally {
      child.stdin.end();
      await exited;
    }
  });
});
