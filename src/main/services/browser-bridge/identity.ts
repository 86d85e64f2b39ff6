import { webcrypto } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { BridgeKey } from '@shared/bridge/runtime';
import { AppError } from '@shared/errors';
import { readJsonFile, writeJsonAtomic } from '../platform/atomic-file';
import { bridgeDir } from './paths';

/** The desktop's long-term bridge key: its private half signs nothing, it only agrees session keys. */
export interface DesktopIdentity {
  readonly privateKey: BridgeKey;
  /** Raw P-256 public key, base64url. */
  readonly publicKey: string;
}

const IdentityFile = z.object({
  version: z.literal(1),
  privateJwk: z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string(), d: z.string() }).loose(),
});

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;

/**
 * Loads the desktop's bridge key from `<dataDir>/browser-bridge/identity.json`, creating it on first
 * use. SECURITY: the file is 0600 in a 0700 folder, like an SSH host key: it only lets this desktop
 * prove it is the one the extension paired with, it never grants access to the tenant (the Server
 * API secret stays in the OS keychain and never reaches the bridge).
 */
export async function loadDesktopIdentity(dataDir: string): Promise<DesktopIdentity> {
  const file = join(bridgeDir(dataDir), 'identity.json');
  let jwk: webcrypto.JsonWebKey;
  const raw = await readJsonFile(file).catch((error: unknown) => {
    throw new AppError('internal', `The browser bridge key ${file} is damaged. Remove it and pair the browser again.`, { cause: error });
  });
  if (raw === undefined) {
    const pair = await webcrypto.subtle.generateKey(ECDH, true, ['deriveBits']);
    jwk = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
    await writeJsonAtomic(file, { version: 1, privateJwk: jwk });
  } else {
    const parsed = IdentityFile.safeParse(raw);
    if (!parsed.success) throw new AppError('internal', `The browser bridge key ${file} is damaged. Remove it and pair the browser again.`);
    jwk = parsed.data.privateJwk;
  }
  // SECURITY: once loaded, the private key is non-extractable in memory.
  const privateKey = await webcrypto.subtle.importKey('jwk', jwk, ECDH, false, ['deriveBits']);
  const publicJwk: webcrypto.JsonWebKey = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true };
  const publicKey = await webcrypto.subtle.importKey('jwk', publicJwk, ECDH, true, []);
  const rawPublic = Buffer.from(await webcrypto.subtle.exportKey('raw', publicKey));
  return { privateKey: privateKey as unknown as BridgeKey, publicKey: rawPublic.toString('base64url') };
}
