import { userInfo } from 'node:os';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf } from '@shared/bridge/bridge-crypto';
import { BridgeClient } from '@shared/bridge/client';
import { main } from '../../src/main/cli';
import { PairingStore } from '../../src/main/services/browser-bridge/pairing-store';
import { hostConnector, newExtensionIdentity, nodeExtensionClient, startTestDesktop, type HostProcess, type TestDesktop } from '../support/bridge-desktop';

// Issue #18: every trust decision about a browser is in the audit log with the browser's key id
// and label, every lookup through a paired browser says which one, a decline reaches the extension
// at once and is remembered for its cooldown. Real host process, socket, services and audit log.

// Long enough for a slow machine to spawn a few host processes inside it.
const COOLDOWN_MS = 60_000;
let desktop: TestDesktop;
const hosts: HostProcess[] = [];
const clients: BridgeClient[] = [];

beforeAll(async () => {
  desktop = await startTestDesktop({ enable: false, declineCooldownMs: COOLDOWN_MS, agentName: 'Grace at the helpdesk' });
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const h of hosts) await h.close().catch(() => undefined);
  await desktop?.close();
});

async function browser(label: string) {
  const made = await nodeExtensionClient(desktop.launcherPath, undefined, label);
  hosts.push(...made.hosts);
  clients.push(made.client);
  return { ...made, keyId: await keyIdOf(made.identity.publicKey) };
}

const entries = async (filter: { action?: string[]; browserKeyId?: string } = {}) => (await desktop.services.audit.query({ limit: 200, ...filter })).entries;

describe('browser trust decisions in the audit log', () => {
  it('records switching integration on, with the browsers it was written for', async () => {
    await desktop.services.bridge.setEnabled(true);
    const [on] = await entries({ action: ['browser.integration-on'] });
    expect(on).toBeDefined();
    expect(on.outcome).toBe('ok');
    expect(on.actor.agentName).toBe('Grace at the helpdesk');
    expect(on.details.browsers).toEqual(expect.arrayContaining(['chrome', 'chromium']));
  });

  it('shows a request with its time and browser, and a decline reaches the extension at once and is remembered', async () => {
    const b = await browser('Chromium 140 on Linux\u202e\n');
    const c = await b.client.connect();
    expect(c).toMatchObject({ state: 'connected', pairing: 'pending' });
    const status = await desktop.services.bridge.status();
    const request = status.pending.find((p) => p.keyId === b.keyId);
    // The label is the browser's own description, with the bidi override and newline taken out.
    expect(request?.label).toBe('Chromium 140 on Linux');
    expect(Math.abs(Date.parse(request?.requestedAt ?? '') - Date.now())).toBeLessThan(60_000);
    const [asked] = await entries({ action: ['browser.pairing-request'] });
    expect(asked.details).toMatchObject({ browserKeyId: b.keyId, browserLabel: 'Chromium 140 on Linux', phrase: request?.phrase });

    await desktop.services.bridge.rejectPairing(request?.pairingId as string);
    // The waiting panel learns it without asking.
    await expect.poll(() => b.client.connection).toMatchObject({ state: 'refused', reason: 'declined' });
    const [declined] = await entries({ action: ['browser.pairing-decline'] });
    expect(declined.details).toMatchObject({ browserKeyId: b.keyId, browserLabel: 'Chromium 140 on Linux' });

    // Asking again at once is refused at hello, with when it may ask again; no request comes back.
    const again = await b.client.connect();
    expect(again).toMatchObject({ state: 'refused', reason: 'declined', error: { code: 'forbidden' } });
    expect(again.state === 'refused' && again.retryAt).toBeGreaterThan(Date.now());
    expect((await desktop.services.bridge.status()).pending.map((p) => p.keyId)).not.toContain(b.keyId);
    expect((await entries({ action: ['browser.pairing-request'], browserKeyId: b.keyId })).length).toBe(1);
    // Remembered on disk: a restarted app reads the same cooldown, and it ends when it says.
    const until = (await desktop.services.bridge.status()).declined.find((d) => d.keyId === b.keyId)?.until as string;
    expect(Date.parse(until) - Date.now()).toBeGreaterThan(COOLDOWN_MS - 30_000);
    const reread = new PairingStore(desktop.dataDir);
    expect(await reread.declinedUntil(b.keyId, Date.now())).toBe(Date.parse(until));
    expect(await reread.declinedUntil(b.keyId, Date.parse(until) + 1)).toBeUndefined();
  });

  it('records approval with who approved, stamps the key id on every lookup, and records the revocation', async () => {
    const b = await browser('Edge 139 on Windows');
    await b.client.connect();
    const request = (await desktop.services.bridge.status()).pending.find((p) => p.keyId === b.keyId);
    await desktop.services.bridge.confirmPairing(request?.pairingId as string, request?.phrase as string);
    await expect.poll(() => b.client.connection).toMatchObject({ state: 'connected', pairing: 'paired' });
    const paired = (await desktop.services.bridge.status()).paired.find((p) => p.keyId === b.keyId);
    expect(paired).toMatchObject({ label: 'Edge 139 on Windows', pairedBy: 'Grace at the helpdesk' });
    expect(Math.abs(Date.parse(paired?.pairedAt ?? '') - Date.now())).toBeLessThan(60_000);

    expect(await b.client.call('users:search', { query: 'ada@example.com', seq: 1 })).toMatchObject({ ok: true });
    expect(await b.client.call('users:get', { userId: 'usr_ada' })).toMatchObject({ ok: true });
    const viaBrowser = (await entries({ action: ['user.search', 'user.lookup'] })).filter((e) => e.details.via === 'browser');
    expect(viaBrowser.length).toBe(2);
    for (const e of viaBrowser) expect(e.details).toMatchObject({ browserKeyId: b.keyId, browserLabel: 'Edge 139 on Windows' });

    await desktop.services.bridge.revoke(b.keyId);
    await expect.poll(() => b.client.connection).toMatchObject({ state: 'refused', reason: 'revoked' });

    // Filtering by the key id gives this browser's whole story, oldest last.
    const story = (await entries({ browserKeyId: b.keyId })).map((e) => e.action);
    expect(story).toEqual(['browser.revoke', 'user.lookup', 'user.search', 'browser.pairing-approve', 'browser.pairing-request']);
    const [approve] = await entries({ action: ['browser.pairing-approve'], browserKeyId: b.keyId });
    expect(approve.actor).toMatchObject({ agentName: 'Grace at the helpdesk', osUser: userInfo().username });

    // The CLI filters the same way: `authdesk audit list --browser <keyId> --json`.
    let stdout = '';
    const code = await main(['audit', 'list', '--browser', b.keyId, '--json'], {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: { ...process.env, AUTHDESK_HOME: desktop.dataDir },
      platform: process.platform,
    });
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { entries: { action: string }[] }).entries.map((e) => e.action)).toEqual(story);
  });

  it('records switching integration off', async () => {
    await desktop.services.bridge.setEnabled(false);
    const [off] = await entries({ action: ['browser.integration-off'] });
    expect(off.outcome).toBe('ok');
    // The filter is parsed: a key id that is not 16 hex characters is refused with what to do.
    const bad = await desktop.router.handle('audit:list', { browserKeyId: 'not-a-key' }, { transport: 'test' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation' } });
  });
});

describe('a native host that starts slowly', () => {
  it('says hello again when the first one arrived stale, instead of giving up', async () => {
    await desktop.services.bridge.setEnabled(true);
    let first = true;
    const own: HostProcess[] = [];
    const client = new BridgeClient({
      identity: await newExtensionIdentity(),
      connect: hostConnector(desktop.launcherPath, own),
      // The first hello carries a time 20 s old, as when the host took that long to start.
      now: () => {
        if (!first) return Date.now();
        first = false;
        return Date.now() - 20_000;
      },
    });
    clients.push(client);
    const c = await client.connect();
    hosts.push(...own);
    expect(c).toMatchObject({ state: 'connected', pairing: 'pending' });
  });
});
