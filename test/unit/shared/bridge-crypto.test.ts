import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deriveSessionKeys,
  exportPublicKey,
  fingerprintPhrase,
  generateKeyPair,
  newNonce,
  open,
  seal,
  type Handshake,
} from '@shared/bridge/bridge-crypto';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import { DesktopFrame, ExtensionMessage, HelloFrame, MAX_CLOCK_SKEW_MS, ReplayGuard, isFresh } from '@shared/bridge/protocol';
import { fromBase64Url, randomId, toBase64Url } from '@shared/bridge/runtime';

async function pairOfSessions() {
  const ext = await generateKeyPair();
  const desk = await generateKeyPair();
  const extEph = await generateKeyPair();
  const deskEph = await generateKeyPair();
  const hs: Handshake = {
    extensionKey: await exportPublicKey(ext.publicKey),
    extensionEph: await exportPublicKey(extEph.publicKey),
    extensionNonce: newNonce(),
    desktopKey: await exportPublicKey(desk.publicKey),
    desktopEph: await exportPublicKey(deskEph.publicKey),
    desktopNonce: newNonce(),
    sid: 'c2Vzc2lvbi1pZC0xMjM0',
  };
  const e = await deriveSessionKeys('extension', { staticKey: ext.privateKey, ephemeralKey: extEph.privateKey }, hs);
  const d = await deriveSessionKeys('desktop', { staticKey: desk.privateKey, ephemeralKey: deskEph.privateKey }, hs);
  return { e, d, hs, ext, desk, extEph, deskEph };
}

describe('bridge crypto (WebCrypto in Node, the same code the extension runs)', () => {
  it('derives matching keys on both ends and round-trips messages both ways', async () => {
    const { e, d } = await pairOfSessions();
    expect(await open(d, await seal(e, { hello: 'desk' }))).toEqual({ hello: 'desk' });
    expect(await open(e, await seal(d, { hello: 'ext' }))).toEqual({ hello: 'ext' });
  });

  it('refuses a flipped bit, a frame reflected back to its sender, and another session id', async () => {
    const { e, d } = await pairOfSessions();
    const sealed = await seal(e, { n: 1 });
    const ct = fromBase64Url(sealed.ct);
    ct[0] ^= 1;
    await expect(open(d, { ...sealed, ct: toBase64Url(ct) })).rejects.toThrow();
    const iv = fromBase64Url(sealed.iv);
    iv[0] ^= 1;
    await expect(open(d, { ...sealed, iv: toBase64Url(iv) })).rejects.toThrow();
    // Reflection: the extension's own frame sent back to it is not valid in that direction.
    await expect(open(e, sealed)).rejects.toThrow();
    await expect(open(d, { ...sealed, sid: 'b3RoZXItc2Vzc2lvbi0x' })).rejects.toThrow();
  });

  it('gives unrelated keys when any handshake value differs (a man in the middle gets nothing)', async () => {
    const { e, hs, desk, deskEph } = await pairOfSessions();
    const tampered = await deriveSessionKeys('desktop', { staticKey: desk.privateKey, ephemeralKey: deskEph.privateKey }, { ...hs, extensionNonce: newNonce() });
    await expect(open(tampered, await seal(e, { n: 1 }))).rejects.toThrow();
  });

  it('shows the same six-word phrase on both ends, and another for another key', async () => {
    const { hs } = await pairOfSessions();
    const phrase = await fingerprintPhrase(hs.desktopKey, hs.extensionKey);
    expect(phrase).toMatch(/^[a-z]+( [a-z]+){5}$/);
    expect(await fingerprintPhrase(hs.desktopKey, hs.extensionKey)).toBe(phrase);
    const other = await exportPublicKey((await generateKeyPair()).publicKey);
    expect(await fingerprintPhrase(hs.desktopKey, other)).not.toBe(phrase);
  });

  it('keeps the private key non-extractable', async () => {
    const pair = (await generateKeyPair()) as unknown as CryptoKeyPair;
    expect(pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', pair.privateKey)).rejects.toThrow();
  });
});

describe('bridge protocol', () => {
  it('accepts timestamps within ±10 s only', () => {
    const now = 1_700_000_000_000;
    expect(isFresh(now - MAX_CLOCK_SKEW_MS, now)).toBe(true);
    expect(isFresh(now + MAX_CLOCK_SKEW_MS, now)).toBe(true);
    expect(isFresh(now - MAX_CLOCK_SKEW_MS - 1, now)).toBe(false);
    expect(isFresh(now + MAX_CLOCK_SKEW_MS + 1, now)).toBe(false);
  });

  it('refuses a replayed id within the window and forgets it after', () => {
    const guard = new ReplayGuard(20_000);
    const id = randomId();
    expect(guard.accept(id, 0)).toBe(true);
    expect(guard.accept(id, 19_000)).toBe(false);
    expect(guard.accept(randomId(), 25_000)).toBe(true);
    expect(guard.accept(id, 25_001)).toBe(true);
  });

  it('parses frames strictly: unknown keys, channels outside the read-only list and bad keys are refused', () => {
    const hello = { t: 'hello', v: 1, id: randomId(), ts: 1, key: 'A'.repeat(87), eph: 'B'.repeat(87), nonce: 'C'.repeat(22) };
    expect(HelloFrame.safeParse(hello).success).toBe(true);
    expect(HelloFrame.safeParse({ ...hello, extra: 1 }).success).toBe(false);
    expect(HelloFrame.safeParse({ ...hello, key: 'short' }).success).toBe(false);
    const call = { kind: 'call', id: randomId(), ts: 1, channel: 'users:get', input: { userId: 'u' } };
    expect(ExtensionMessage.safeParse(call).success).toBe(true);
    for (const channel of ['authenticators:remove', 'tenants:list', 'enrollment:start', 'users:revoke-sessions']) {
      expect(ExtensionMessage.safeParse({ ...call, channel }).success).toBe(false);
    }
    expect(DesktopFrame.safeParse({ t: 'state', state: 'app-not-running', message: 'Open Authdesk' }).success).toBe(true);
  });

  it('pins the extension id the manifest key gives', () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../../../src/extension/manifest.json'), 'utf8')) as { key: string; permissions: string[] };
    const hex = createHash('sha256').update(Buffer.from(manifest.key, 'base64')).digest('hex').slice(0, 32);
    const id = [...hex].map((h) => String.fromCharCode(97 + parseInt(h, 16))).join('');
    expect(id).toBe(AUTHDESK_EXTENSION_ID);
    expect(manifest.permissions.sort()).toEqual(['contextMenus', 'nativeMessaging', 'sidePanel']);
  });
});
