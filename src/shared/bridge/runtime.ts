/**
 * The few runtime globals the bridge needs that Node 20, Chromium and extension service workers all
 * provide alike (WebCrypto, TextEncoder, atob/btoa). src/shared compiles without the DOM and Node
 * libs, so they are typed here structurally and read from `globalThis` once.
 */

/** A WebCrypto key as the bridge handles it (opaque; never exported unless extractable). */
export interface BridgeKey {
  readonly type: string;
  readonly extractable: boolean;
}

/** A WebCrypto key pair. */
export interface BridgeKeyPair {
  readonly publicKey: BridgeKey;
  readonly privateKey: BridgeKey;
}

type Bytes = Uint8Array<ArrayBuffer>;
type EcdhParams = { name: 'ECDH'; namedCurve: 'P-256' };
type HkdfParams = { name: 'HKDF'; hash: 'SHA-256'; salt: Bytes; info: Bytes };
type GcmParams = { name: 'AES-GCM'; iv: Bytes; additionalData: Bytes };

/** The subset of `SubtleCrypto` the bridge uses. */
export interface BridgeSubtle {
  generateKey(alg: EcdhParams, extractable: boolean, usages: readonly string[]): Promise<BridgeKeyPair>;
  importKey(format: 'raw', data: Bytes, alg: EcdhParams | 'HKDF', extractable: boolean, usages: readonly string[]): Promise<BridgeKey>;
  importKey(format: 'raw', data: Bytes, alg: { name: 'AES-GCM' }, extractable: boolean, usages: readonly string[]): Promise<BridgeKey>;
  exportKey(format: 'raw', key: BridgeKey): Promise<ArrayBuffer>;
  deriveBits(alg: { name: 'ECDH'; public: BridgeKey } | HkdfParams, key: BridgeKey, length: number): Promise<ArrayBuffer>;
  encrypt(alg: GcmParams, key: BridgeKey, data: Bytes): Promise<ArrayBuffer>;
  decrypt(alg: GcmParams, key: BridgeKey, data: Bytes): Promise<ArrayBuffer>;
  digest(alg: 'SHA-256', data: Bytes): Promise<ArrayBuffer>;
}

interface RuntimeGlobals {
  crypto: { subtle: BridgeSubtle; getRandomValues<T extends Bytes>(array: T): T; randomUUID(): string };
  TextEncoder: new () => { encode(text: string): Bytes };
  TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(bytes: Bytes): string };
  btoa(data: string): string;
  atob(data: string): string;
}

const g = globalThis as unknown as RuntimeGlobals;

/** WebCrypto's subtle API (Node 20's `globalThis.crypto` and the browser's are the same API). */
export const subtle = (): BridgeSubtle => g.crypto.subtle;

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Bytes {
  return g.crypto.getRandomValues(new Uint8Array(n));
}

/** A random v4 UUID (message ids). */
export function randomId(): string {
  return g.crypto.randomUUID();
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Bytes {
  return new g.TextEncoder().encode(text);
}

/** A string from UTF-8 bytes; throws on invalid UTF-8 (a tampered or foreign frame). */
export function fromUtf8(bytes: Bytes): string {
  return new g.TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** Base64url without padding, as JSON frames carry binary fields. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return g.btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Bytes from base64url (padding optional). Throws on characters outside the alphabet. */
export function fromBase64Url(text: string): Bytes {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const binary = g.atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

interface TimerGlobals {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}
const timers = globalThis as unknown as TimerGlobals;

/** Runs `fn` after `ms`; returns the cancel function. */
export function after(ms: number, fn: () => void): () => void {
  const handle = timers.setTimeout(fn, ms);
  return () => timers.clearTimeout(handle);
}
