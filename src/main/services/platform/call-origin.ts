import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a call into the services came from, when it was not the desktop console itself. */
export type CallOrigin = 'browser';

const storage = new AsyncLocalStorage<CallOrigin>();

/**
 * Runs `fn` marked as coming from `origin`: everything it does, however deep in the services, sees
 * the mark (the audit log stamps it on each entry as `details.via`), without every service growing
 * a parameter for it.
 */
export function runWithCallOrigin<T>(origin: CallOrigin, fn: () => T): T {
  return storage.run(origin, fn);
}

/** The origin of the call being served, if it was marked. */
export function currentCallOrigin(): CallOrigin | undefined {
  return storage.getStore();
}
