import { exportPublicKey, generateKeyPair } from '@shared/bridge/bridge-crypto';
import type { ExtensionIdentity } from '@shared/bridge/client';

const DB = 'authdesk-bridge';
const STORE = 'identity';
const KEY = 'current';

function db(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB unavailable'));
  });
}

function tx<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return db().then(
    (d) =>
      new Promise<T>((resolve, reject) => {
        const request = run(d.transaction(STORE, mode).objectStore(STORE));
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error ?? new Error('IndexedDB failed'));
      }),
  );
}

/**
 * The extension's long-term bridge key, made on first use. SECURITY: the private key is a
 * non-extractable CryptoKey kept in the extension's own IndexedDB: script can use it but never read
 * its bytes, and no web page or other extension can reach the database.
 */
export async function loadIdentity(): Promise<ExtensionIdentity> {
  const stored = (await tx('readonly', (s) => s.get(KEY) as IDBRequest<ExtensionIdentity | undefined>)) ?? undefined;
  if (stored?.privateKey && stored.publicKey) return stored;
  return resetIdentity();
}

/** A new key: after a revocation the agent pairs again under a new identity. */
export async function resetIdentity(): Promise<ExtensionIdentity> {
  const pair = await generateKeyPair(false);
  const identity: ExtensionIdentity = { privateKey: pair.privateKey, publicKey: await exportPublicKey(pair.publicKey) };
  await tx('readwrite', (s) => s.put(identity, KEY));
  return identity;
}
