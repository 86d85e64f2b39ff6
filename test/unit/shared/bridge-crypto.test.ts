import { createCipheriv, createDecipheriv, createECDH, createHash, hkdfSync, randomBytes as nodeRandomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import {
  deriveSessionKeys,
  exportPublicKey,
  fingerprintPhrase,
  generateKeyPair,
  keyIdOf,
  newNonce,
  open,
  seal,
  type Handshake,
} from '@shared/bridge/bridge-crypto';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import { DesktopFrame, ExtensionMessage, HelloFrame, MAX_CLOCK_SKEW_MS, ReplayGuard, isFresh } from '@shared/bridge/protocol';
import { fromBase64Url, randomId, toBase64Url } from '@shared/bridge/runtime';

async function pairOfSessions(extractable = false) {
  const ext = await generateKeyPair(extractable);
  const desk = await generateKeyPair(extractable);
  const extEph = await generateKeyPair(extractable);
  const deskEph = await generateKeyPair(extractable);
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
    // Refused as another session's before any decryption is tried (the AAD would fail too, later and vaguer).
    await expect(open(d, { ...sealed, sid: 'b3RoZXItc2Vzc2lvbi0x' })).rejects.toThrow('session mismatch');
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

/**
 * The same protocol computed a second, independent way, with node:crypto (OpenSSL) instead of
 * WebCrypto and written from the description in bridge-crypto.ts, not from its code. A changed
 * label, transcript order, HKDF info, direction, AAD or key choice makes the two disagree.
 */
describe('bridge crypto against an independent implementation (node:crypto)', () => {
  const LABEL = 'authdesk-bridge/1';
  const b = (b64: string) => Buffer.from(b64, 'base64url');
  async function privateScalar(key: CryptoKey): Promise<Buffer> {
    return b((await globalThis.crypto.subtle.exportKey('jwk', key)).d!);
  }
  const secret = async (own: CryptoKey, peerB64: string) => {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(await privateScalar(own));
    return ecdh.computeSecret(b(peerB64));
  };

  it('derives the keys of the specification: HKDF over eph-eph then static-static ECDH, salted by the transcript', async () => {
    // Extractable keys, so node:crypto can compute the same ECDH secrets from the private scalars.
    const { d, e, hs, desk, deskEph } = await pairOfSessions(true);

    const ikm = Buffer.concat([await secret(deskEph.privateKey as CryptoKey, hs.extensionEph), await secret(desk.privateKey as CryptoKey, hs.extensionKey)]);
    const salt = createHash('sha256')
      .update(Buffer.concat([Buffer.from(LABEL), b(hs.extensionKey), b(hs.extensionEph), b(hs.extensionNonce), b(hs.desktopKey), b(hs.desktopEph), b(hs.desktopNonce), Buffer.from(hs.sid)]))
      .digest();
    const key = (direction: string) => Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(`${LABEL} ${direction}`), 32));
    const aad = (from: string) => Buffer.from(`${LABEL}|${hs.sid}|from:${from}`);

    // The desktop's frame opens with the desktop->extension key and the desktop's AAD.
    const frame = await seal(d, { ch: 'users:search', q: 'ada' });
    const raw = b(frame.ct);
    const decipher = createDecipheriv('aes-256-gcm', key('desktop->extension'), b(frame.iv));
    decipher.setAAD(aad('desktop'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]);
    expect(JSON.parse(plain.toString('utf8'))).toEqual({ ch: 'users:search', q: 'ada' });

    // A frame sealed independently as the extension opens at the desktop (and at the extension not).
    const iv = nodeRandomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key('extension->desktop'), iv);
    cipher.setAAD(aad('extension'));
    const ct = Buffer.concat([cipher.update(JSON.stringify({ ok: true })), cipher.final(), cipher.getAuthTag()]);
    const independent = { sid: hs.sid, iv: iv.toString('base64url'), ct: ct.toString('base64url') };
    await expect(open(d, independent)).resolves.toEqual({ ok: true });
    await expect(open(e, independent)).rejects.toThrow();
  });

  it('gives the key id and the six words of the specification', async () => {
    const [ext, desk] = await Promise.all([generateKeyPair(), generateKeyPair()]);
    const extKey = await exportPublicKey(ext.publicKey);
    const deskKey = await exportPublicKey(desk.publicKey);
    expect(b(extKey)).toHaveLength(65);
    expect(await keyIdOf(extKey)).toBe(createHash('sha256').update(b(extKey)).digest('hex').slice(0, 16));
    // 66 bits from the front of SHA-256(label " fingerprint" || desktop key || extension key), 11 per word.
    const digest = createHash('sha256').update(Buffer.concat([Buffer.from(`${LABEL} fingerprint`), b(deskKey), b(extKey)])).digest();
    const bits = BigInt(`0x${digest.toString('hex')}`) >> BigInt(256 - 66);
    const words = Array.from({ length: 6 }, (_, i) => wordlist[Number((bits >> BigInt(11 * (5 - i))) & 0x7ffn)]);
    expect(await fingerprintPhrase(deskKey, extKey)).toBe(words.join(' '));
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
