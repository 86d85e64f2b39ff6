import { readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveSessionKeys, exportPublicKey, fingerprintPhrase, generateKeyPair, newNonce, open, seal, type SessionKeys } from '@shared/bridge/bridge-crypto';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import { DesktopFrame, MAX_FRAME_BYTES, NATIVE_HOST_NAME, type WelcomeFrame } from '@shared/bridge/protocol';
import { fromBase64Url, randomId, toBase64Url } from '@shared/bridge/runtime';
import { encodeFrame, FrameReader, parseFrameBody } from '../../src/main/services/browser-bridge/framing';
import type { ExtensionIdentity } from '@shared/bridge/client';
import { newExtensionIdentity, nodeExtensionClient, startHost, startTestDesktop, type HostProcess, type TestDesktop } from '../support/bridge-desktop';

// The bridge end to end in Node: the real native host process (started through the launcher the
// host manifest names, as Chromium starts it), the real socket, the real services over the demo
// local tenant. The browser side is the shared BridgeClient (what the extension runs) or, for the
// attacks, hand-made frames.

let desktop: TestDesktop;
const hosts: HostProcess[] = [];

beforeAll(async () => {
  desktop = await startTestDesktop();
});
afterAll(async () => {
  for (const h of hosts) await h.close().catch(() => undefined);
  await desktop?.close();
});

/** Opens a session by hand through a host process; returns the keys and the welcome. */
async function handshake(identity: ExtensionIdentity, host = track(startHost(desktop.launcherPath))) {
  const eph = await generateKeyPair();
  const hello = { t: 'hello', v: 1, id: randomId(), ts: Date.now(), key: identity.publicKey, eph: await exportPublicKey(eph.publicKey), nonce: newNonce() } as const;
  host.send(hello);
  const welcome = DesktopFrame.parse(await host.next()) as WelcomeFrame;
  expect(welcome.t).toBe('welcome');
  const keys: SessionKeys = await deriveSessionKeys('extension', { staticKey: identity.privateKey, ephemeralKey: eph.privateKey }, {
    extensionKey: hello.key,
    extensionEph: hello.eph,
    extensionNonce: hello.nonce,
    desktopKey: welcome.key,
    desktopEph: welcome.eph,
    desktopNonce: welcome.nonce,
    sid: welcome.sid,
  });
  const request = async (message: Record<string, unknown>) => {
    host.send(await seal(keys, message));
    const answer = DesktopFrame.parse(await host.next());
    return answer.t === 'sealed' ? { t: 'sealed' as const, inner: await open(keys, answer) } : answer;
  };
  return { host, keys, welcome, request };
}

function track(host: HostProcess): HostProcess {
  hosts.push(host);
  return host;
}

/** Pairs a fresh identity (confirming in the desktop like the agent would). */
async function pairedIdentity(): Promise<ExtensionIdentity> {
  const identity = await newExtensionIdentity();
  const { client, hosts: own } = await nodeExtensionClient(desktop.launcherPath, identity);
  const c = await client.connect();
  expect(c).toMatchObject({ state: 'connected', pairing: 'pending' });
  await desktop.confirmPending(identity.publicKey);
  client.close();
  for (const h of own) await h.close();
  return identity;
}

describe('browser bridge over the real native host and socket', () => {
  it('writes the host manifest pinned to the extension id and a 0600 socket in a 0700 folder', async () => {
    const manifestPath = `${desktop.home}/.config/chromium/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    expect(manifest).toEqual({
      name: NATIVE_HOST_NAME,
      description: expect.any(String) as string,
      path: desktop.launcherPath,
      type: 'stdio',
      allowed_origins: [`chrome-extension://${AUTHDESK_EXTENSION_ID}/`],
    });
    const socket = await stat(desktop.services.bridge.socketPath);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
    expect((await stat(`${desktop.dataDir}/browser-bridge`)).mode & 0o777).toBe(0o700);
  });

  it('pairs only after the agent confirms the same phrase, then looks a user up, audited as from the browser', async () => {
    const { client, identity, hosts: own } = await nodeExtensionClient(desktop.launcherPath);
    hosts.push(...own);
    const c = await client.connect();
    expect(c.state).toBe('connected');
    if (c.state !== 'connected') return;
    expect(c.pairing).toBe('pending');
    expect(c.phrase.split(' ')).toHaveLength(6);

    // Unpaired: refused.
    const early = await client.call('users:search', { query: 'ada@example.com', seq: 1 });
    expect(early).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // The desktop shows the same phrase; a wrong phrase is refused, the right one pairs.
    const status = await desktop.services.bridge.status();
    const mine = status.pending.find((p) => p.keyId === (c.state === 'connected' ? p.keyId : ''));
    expect(status.pending).toHaveLength(1);
    expect(mine?.phrase).toBe(c.phrase);
    // Both ends compute the phrase from the two public keys on their own.
    expect(c.phrase).toBe(await fingerprintPhrase(await readDesktopKey(), identity.publicKey));
    await expect(desktop.services.bridge.confirmPairing(status.pending[0].pairingId, 'wrong words here')).rejects.toMatchObject({ code: 'validation' });
    const pairedEvents: string[] = [];
    client.onChange((x) => pairedEvents.push(x.state === 'connected' ? x.pairing : x.state));
    await desktop.confirmPending(identity.publicKey);
    await expect.poll(() => pairedEvents).toContain('paired');

    const search = await client.call('users:search', { query: 'ada@example.com', seq: 2 });
    expect(search.ok).toBe(true);
    const results = (search as { ok: true; value: { results: { userId: string; email?: string }[] } }).value.results;
    expect(results.map((r) => r.email)).toContain('ada@example.com');
    const user = await client.call('users:get', { userId: results[0].userId });
    expect(user.ok).toBe(true);
    const detail = (user as { ok: true; value: { authenticators: { ok: boolean; value: unknown[] } } }).value;
    expect(detail.authenticators.ok).toBe(true);
    expect(detail.authenticators.value.length).toBeGreaterThan(0);

    // Both lookups are in the console's audit log, marked as coming from the browser.
    const page = await desktop.services.audit.query({ limit: 10, action: ['user.search', 'user.lookup'] });
    const viaBrowser = page.entries.filter((e) => e.details.via === 'browser');
    expect(viaBrowser.map((e) => e.action).sort()).toEqual(['user.lookup', 'user.search']);
    expect(viaBrowser.find((e) => e.action === 'user.lookup')?.subject.userId).toBe(results[0].userId);

    // "Open in Authdesk" reaches the desktop.
    expect(await client.openInDesktop({ userId: results[0].userId })).toMatchObject({ ok: true });
    expect(desktop.opened).toContainEqual({ userId: results[0].userId });

    // State-changing channels are not reachable through the bridge at all.
    const { request } = await handshake(identity);
    const removal = await request({ kind: 'call', id: randomId(), ts: Date.now(), channel: 'authenticators:remove', input: {} });
    expect(removal).toMatchObject({ t: 'error', code: 'validation' });
    client.close();
  });

  it('never lets the tenant secret or a user token cross the bridge', () => {
    const all = desktop.frames.map((f) => f.json).join('\n');
    expect(desktop.frames.length).toBeGreaterThan(4);
    expect(all).not.toContain(desktop.emulator.secret);
    // Authsignal user tokens are JWTs (three base64url parts starting eyJ).
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
    expect(all).not.toMatch(/"(token|accessToken|secret|apiSecretKey)"/i);
  });

  it('refuses tampered, replayed, stale and malformed frames', async () => {
    const identity = await pairedIdentity();
    const { host, keys, request } = await handshake(identity);
    const call = () => ({ kind: 'call', id: randomId(), ts: Date.now(), channel: 'users:recent', input: {} });

    expect(await request(call())).toMatchObject({ t: 'sealed', inner: { kind: 'result', result: { ok: true } } });

    // Replayed: the very same sealed frame again.
    const once = await seal(keys, call());
    host.send(once);
    expect(await host.next()).toMatchObject({ t: 'sealed' });
    host.send(once);
    expect(await host.next()).toMatchObject({ t: 'error', code: 'conflict' });

    // Stale and from the future: outside ±10 s.
    expect(await request({ ...call(), ts: Date.now() - 11_000 })).toMatchObject({ t: 'error', code: 'expired' });
    expect(await request({ ...call(), ts: Date.now() + 11_000 })).toMatchObject({ t: 'error', code: 'expired' });

    // Tampered: one bit of the ciphertext flipped. Refused, and the session is over.
    const sealed = await seal(keys, call());
    const bytes = fromBase64Url(sealed.ct);
    bytes[3] ^= 0x01;
    host.send({ ...sealed, ct: toBase64Url(bytes) });
    expect(await host.next()).toMatchObject({ t: 'error', code: 'validation', message: expect.stringMatching(/integrity/) as string });
    expect(await request(call())).toMatchObject({ t: 'error' });
  });

  it('refuses an oversized frame at the host and at the socket', async () => {
    const host = track(startHost(desktop.launcherPath));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(MAX_FRAME_BYTES + 1, 0);
    host.writeRaw(Buffer.concat([head, Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20)]));
    expect(await host.next()).toMatchObject({ t: 'error', code: 'validation', message: expect.stringMatching(/1 MiB/) as string });
    // The host skipped it and still relays the next frame.
    const identity = await newExtensionIdentity();
    const { welcome } = await handshake(identity, host);
    expect(welcome.pairing).toBe('pending');

    // Straight at the socket (a local process that skips the host): refused and hung up.
    const answer = await rawSocketExchange(Buffer.concat([encodeFrame({ t: 'host', v: 1, origin: `chrome-extension://${AUTHDESK_EXTENSION_ID}/` }), head]));
    expect(answer).toMatchObject({ t: 'error', code: 'validation' });
  });

  it('refuses a host started for another extension', async () => {
    const other = `chrome-extension://${'a'.repeat(32)}/`;
    const answer = await rawSocketExchange(encodeFrame({ t: 'host', v: 1, origin: other }));
    expect(answer).toMatchObject({ t: 'error', code: 'forbidden' });
  });

  it('refuses a revoked extension, even on a live session', async () => {
    const identity = await pairedIdentity();
    const { client, hosts: own } = await nodeExtensionClient(desktop.launcherPath, identity);
    hosts.push(...own);
    expect(await client.connect()).toMatchObject({ state: 'connected', pairing: 'paired' });
    expect(await client.call('users:recent', {})).toMatchObject({ ok: true });
    const keyId = (await desktop.services.bridge.status()).paired.at(-1)?.keyId as string;
    await desktop.services.bridge.revoke(keyId);
    await expect.poll(() => client.connection.state).toBe('refused');
    expect(await client.call('users:recent', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // A new session with the revoked key is refused at hello.
    const host = track(startHost(desktop.launcherPath));
    const eph = await generateKeyPair();
    host.send({ t: 'hello', v: 1, id: randomId(), ts: Date.now(), key: identity.publicKey, eph: await exportPublicKey(eph.publicKey), nonce: newNonce() });
    expect(await host.next()).toMatchObject({ t: 'error', code: 'forbidden' });
  });

  it('answers "open Authdesk" when the app is not running', async () => {
    await desktop.services.bridge.close();
    try {
      const { client, hosts: own } = await nodeExtensionClient(desktop.launcherPath);
      hosts.push(...own);
      const c = await client.connect();
      expect(c).toMatchObject({ state: 'app-not-running', message: expect.stringMatching(/Open Authdesk/) as string });
      expect(await client.call('users:recent', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    } finally {
      await desktop.services.bridge.attach((channel, input) => desktop.router.handle(channel, input, { transport: 'extension' }));
    }
  });
});

async function readDesktopKey(): Promise<string> {
  const { welcome } = await handshake(await newExtensionIdentity());
  return welcome.key;
}

/** Writes bytes straight to the socket and resolves with the first frame back. */
function rawSocketExchange(bytes: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = connect(desktop.services.bridge.socketPath);
    const reader = new FrameReader();
    s.on('connect', () => s.write(bytes));
    s.on('data', (chunk: Buffer) => {
      for (const e of reader.push(chunk)) if (e.kind === 'frame') {
        s.destroy();
        resolve(parseFrameBody(e.body));
      }
    });
    s.on('error', reject);
    setTimeout(() => reject(new Error('no answer')), 5000).unref();
  });
}
