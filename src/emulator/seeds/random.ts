import { Secret } from 'otpauth';

/** Deterministic randomness for seeds: the same seed always gives the same tenant. */

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; plenty for fake data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32 random bits as 8 hex digits. */
export function hex8(random: () => number): string {
  return Math.floor(random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}

export function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += hex8(random);
  return out.slice(0, length);
}

/** A version-4-shaped UUID from the PRNG. */
export function uuid(random: () => number): string {
  const h = hex8(random) + hex8(random) + hex8(random) + hex8(random);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `count` PRNG bytes (few calls, few allocations: this runs a few hundred thousand times at 100k users). */
export function bytes(random: () => number, count: number): Buffer {
  const buf = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i += 4) {
    const word = Math.floor(random() * 0x1_0000_0000);
    for (let k = 0; k < 4 && i + k < count; k++) buf[i + k] = (word >>> (8 * k)) & 0xff;
  }
  return buf;
}

/** base64url of `count` random bytes, as a real credential id of that size would look. */
export function b64url(random: () => number, count: number): string {
  return bytes(random, count).toString('base64url');
}

/** RFC 4648 base32 of `count` random bytes (a TOTP secret), encoded as otpauth encodes real ones. */
export function base32(random: () => number, count: number): string {
  return new Secret({ buffer: new Uint8Array(bytes(random, count)).buffer }).base32;
}
