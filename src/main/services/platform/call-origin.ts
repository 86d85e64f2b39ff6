import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where a call into the services came from, when it was not the desktop console itself: a paired
 * browser, named by the key id it paired with (and the label it showed when it asked), so the
 * audit log can say which browser looked a user up.
 */
export interface CallOrigin {
  via: 'browser';
  /** The paired browser's key id (16 hex chars of its public key's SHA-256). */
  browserKeyId: string;
  /** The browser as it described itself when pairing (e.g. "Chrome 140 on Linux"). */
  browserLabel?: string;
}

const storage = new AsyncLocalStorage<CallOrigin>();

/**
 * Runs `fn` marked as coming from `origin`: everything it does, however deep in the services, sees
 * the mark (the audit log stamps it on each entry as `details.via` and `details.browserKeyId`),
 * without every service growing a parameter for it.
 */
export function runWithCallOrigin<T>(origin: CallOrigin, fn: () => T): T {
  return storage.run(origin, fn);
}

/** The origin of the call being served, if it was marked. */
export function currentCallOrigin(): CallOrigin | undefined {
  return storage.getStore();
}

/** The audit details an origin adds to every entry made while serving it. */
export function originDetails(origin: CallOrigin): Record<string, string> {
  return { via: origin.via, browserKeyId: origin.browserKeyId, ...(origin.browserLabel ? { browserLabel: origin.browserLabel } : {}) };
}
