import { wordlist } from '@scure/bip39/wordlists/english.js';
import {
  concatBytes,
  fromBase64Url,
  fromUtf8,
  randomBytes,
  subtle,
  toBase64Url,
  toHex,
  utf8,
  type BridgeKey,
  type BridgeKeyPair,
} from './runtime';

/**
 * The bridge's cryptography, on WebCrypto only so the very same code runs in the desktop app (Node
 * 20) and in the extension (Chromium): ECDH P-256 key agreement, HKDF-SHA-256, AES-256-GCM, and the
 * pairing fingerprint phrase. Nothing here is hand-rolled crypto: only WebCrypto primitives composed.
 */

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const LABEL = 'authdesk-bridge/1';

/** Which end of the bridge derives keys (each sends with one key and receives with the other). */
export type BridgeRole = 'extension' | 'desktop';

/**
 * A new ECDH P-256 key pair. SECURITY: the private key is non-extractable by default, so the
 * extension can keep it in IndexedDB without its bytes ever being readable by script.
 */
export function generateKeyPair(extractable = false): Promise<BridgeKeyPair> {
  return subtle().generateKey(ECDH, extractable, ['deriveBits']);
}

/** The raw uncompressed public key (65 bytes) in base64url. */
export async function exportPublicKey(key: BridgeKey): Promise<string> {
  return toBase64Url(new Uint8Array(await subtle().exportKey('raw', key)));
}

/** Imports a peer's public key; throws when it is not a point on P-256. */
export function importPublicKey(b64: string): Promise<BridgeKey> {
  return subtle().importKey('raw', fromBase64Url(b64), ECDH, true, []);
}

/** SHA-256 of bytes. */
export async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await subtle().digest('SHA-256', data));
}

/** A short stable id of a public key (16 hex chars of its SHA-256), for lists and revocation. */
export async function keyIdOf(publicKeyB64: string): Promise<string> {
  return toHex(await sha256(fromBase64Url(publicKeyB64))).slice(0, 16);
}

/** A fresh 16-byte nonce in base64url. */
export function newNonce(): string {
  return toBase64Url(randomBytes(16));
}

/** Everything both ends know after `hello` and `welcome`; both derive the same keys from it. */
export interface Handshake {
  extensionKey: string;
  extensionEph: string;
  extensionNonce: string;
  desktopKey: string;
  desktopEph: string;
  desktopNonce: string;
  sid: string;
}

/** One direction's AES-GCM keys for a session, plus the session id they are bound to. */
export interface SessionKeys {
  readonly sid: string;
  readonly role: BridgeRole;
  readonly send: BridgeKey;
  readonly receive: BridgeKey;
}

async function ecdh(privateKey: BridgeKey, peerPublicB64: string): Promise<Uint8Array> {
  const peer = await importPublicKey(peerPublicB64);
  return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: peer }, privateKey, 256));
}

/**
 * Derives the session's two AES-256-GCM keys. Input keying material is the ephemeral-ephemeral
 * ECDH secret (forward secrecy) followed by the static-static one (only the paired key holders can
 * compute it); the HKDF salt is the SHA-256 of the whole handshake transcript, so a changed key,
 * nonce or session id yields unrelated keys.
 */
export async function deriveSessionKeys(
  role: BridgeRole,
  own: { staticKey: BridgeKey; ephemeralKey: BridgeKey },
  handshake: Handshake,
): Promise<SessionKeys> {
  const peerStatic = role === 'extension' ? handshake.desktopKey : handshake.extensionKey;
  const peerEph = role === 'extension' ? handshake.desktopEph : handshake.extensionEph;
  const ikm = concatBytes(await ecdh(own.ephemeralKey, peerEph), await ecdh(own.staticKey, peerStatic));
  const transcript = concatBytes(
    utf8(LABEL),
    fromBase64Url(handshake.extensionKey),
    fromBase64Url(handshake.extensionEph),
    fromBase64Url(handshake.extensionNonce),
    fromBase64Url(handshake.desktopKey),
    fromBase64Url(handshake.desktopEph),
    fromBase64Url(handshake.desktopNonce),
    utf8(handshake.sid),
  );
  const salt = await sha256(transcript);
  const master = await subtle().importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const directionKey = async (direction: string) => {
    const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: utf8(`${LABEL} ${direction}`) }, master, 256);
    return subtle().importKey('raw', new Uint8Array(bits), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  };
  const toDesktop = await directionKey('extension->desktop');
  const toExtension = await directionKey('desktop->extension');
  return role === 'extension'
    ? { sid: handshake.sid, role, send: toDesktop, receive: toExtension }
    : { sid: handshake.sid, role, send: toExtension, receive: toDesktop };
}

const aad = (sid: string, from: BridgeRole) => utf8(`${LABEL}|${sid}|from:${from}`);

/** Seals an inner message for the peer: AES-GCM with a random 96-bit IV, bound to sid and direction. */
export async function seal(keys: SessionKeys, message: unknown): Promise<{ t: 'sealed'; sid: string; iv: string; ct: string }> {
  const iv = randomBytes(12);
  const ct = await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad(keys.sid, keys.role) }, keys.send, utf8(JSON.stringify(message)));
  return { t: 'sealed', sid: keys.sid, iv: toBase64Url(iv), ct: toBase64Url(new Uint8Array(ct)) };
}

/** Opens a sealed frame from the peer; throws when it was altered, replayed into another session or not ours. */
export async function open(keys: SessionKeys, frame: { sid: string; iv: string; ct: string }): Promise<unknown> {
  if (frame.sid !== keys.sid) throw new Error('session mismatch');
  const peer: BridgeRole = keys.role === 'extension' ? 'desktop' : 'extension';
  const plain = await subtle().decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(frame.iv), additionalData: aad(frame.sid, peer) },
    keys.receive,
    fromBase64Url(frame.ct),
  );
  return JSON.parse(fromUtf8(new Uint8Array(plain))) as unknown;
}

/** Words in a fingerprint phrase: 6 x 11 bits = 66 bits of the keys' hash. */
export const FINGERPRINT_WORDS = 6;

/**
 * The pairing fingerprint phrase: six words from the BIP-39 English list, read from the SHA-256 of
 * both long-term public keys. The extension and the desktop compute it on their own; the agent
 * confirms in the desktop app that both show the same phrase, which no one in the middle with
 * another key can arrange.
 */
export async function fingerprintPhrase(desktopKey: string, extensionKey: string): Promise<string> {
  const digest = await sha256(concatBytes(utf8(`${LABEL} fingerprint`), fromBase64Url(desktopKey), fromBase64Url(extensionKey)));
  const words: string[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of digest) {
    acc = (acc << 8) | byte;
    bits += 8;
    if (bits >= 11) {
      bits -= 11;
      words.push(wordlist[(acc >> bits) & 0x7ff]);
      acc &= (1 << bits) - 1;
      if (words.length === FINGERPRINT_WORDS) break;
    }
  }
  return words.join(' ');
}
