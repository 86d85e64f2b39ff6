import type * as KeytarApi from 'keytar';
import { AppError } from '@shared/errors';

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux), the
 * only place tenant secrets are stored. This file is the only one that imports keytar.
 */
export interface Keychain {
  /** The keychain "service" every entry lives under (`authdesk` unless overridden). */
  readonly service: string;
  /** Stores (or replaces) the secret of an account. */
  set(account: string, secret: string): Promise<void>;
  /** The secret of an account, or null when there is none. */
  get(account: string): Promise<string | null>;
  /** Deletes an account's secret; false when there was none. */
  delete(account: string): Promise<boolean>;
  /** Every account that has a secret under this service (names only). */
  list(): Promise<string[]>;
  /** Every account with its secret, in one keychain round trip (for fingerprints). */
  entries(): Promise<Map<string, string>>;
}

type Keytar = typeof KeytarApi;

let keytarModule: Promise<Keytar> | undefined;

/**
 * Loads keytar on first use rather than at import: a missing or mis-built native module must
 * become a `keychain-unavailable` error the person can act on, not a crash at startup.
 */
function loadKeytar(): Promise<Keytar> {
  // keytar is CommonJS: its exports arrive as `default` under Node's ESM loader, flat under bundlers.
  keytarModule ??= import('keytar').then((m: Keytar & { default?: Keytar }) => m.default ?? m);
  return keytarModule;
}

/** How to get the keychain working again on each OS. */
export function keychainFix(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return 'Unlock your login keychain (Keychain Access > File > Unlock Keychain "login") and allow Authdesk to use it, then try again.';
    case 'win32':
      return 'Sign in to Windows with your own account and make sure the Credential Manager service (VaultSvc) is running, then try again.';
    default:
      return 'Start gnome-keyring or another Secret Service in your desktop session and unlock it (on Debian/Ubuntu: apt-get install gnome-keyring), then try again.';
  }
}

/** The one error for a keychain that cannot be used; `loadFailed` when keytar itself did not load. */
export function keychainUnavailable(cause: unknown, loadFailed = false, platform: NodeJS.Platform = process.platform): AppError {
  const where = platform === 'darwin' ? 'the macOS Keychain' : platform === 'win32' ? 'the Windows Credential Manager' : 'the Secret Service (the desktop keyring)';
  const what = loadFailed
    ? `Authdesk could not load its keychain module, so it cannot reach ${where}. Reinstall Authdesk (in a checkout: npm rebuild keytar).`
    : `Authdesk keeps tenant secrets only in ${where}, and it is not available or is locked. ${keychainFix(platform)}`;
  // SECURITY: no plaintext fallback, ever; the caller fails and the person fixes the keychain.
  return new AppError('keychain-unavailable', `${what} Secrets are never stored in plain files instead.`, { cause });
}

/**
 * A keychain over keytar for one service name. Every keytar failure (no D-Bus, no Secret Service,
 * a locked collection, a refused prompt, a module that does not load) becomes
 * `keychain-unavailable`; keytar's messages come from the OS and never contain the secret.
 */
export function createKeychain(service: string): Keychain {
  async function call<T>(fn: (keytar: Keytar) => Promise<T>): Promise<T> {
    let keytar: Keytar;
    try {
      keytar = await loadKeytar();
    } catch (error) {
      keytarModule = undefined; // let a later call retry the load (e.g. after a rebuild)
      throw keychainUnavailable(error, true);
    }
    try {
      return await fn(keytar);
    } catch (error) {
      throw keychainUnavailable(error);
    }
  }

  return {
    service,
    set: (account, secret) => call((k) => k.setPassword(service, account, secret)),
    get: (account) => call((k) => k.getPassword(service, account)),
    delete: (account) => call((k) => k.deletePassword(service, account)),
    list: () => call(async (k) => (await k.findCredentials(service)).map((c) => c.account).sort()),
    entries: () => call(async (k) => new Map((await k.findCredentials(service)).map((c) => [c.account, c.password]))),
  };
}
