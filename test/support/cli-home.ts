import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/main/cli';
import { createServices, type Services } from '../../src/main/services/container';
import { createKeychain } from '../../src/main/services/platform/keychain';

/**
 * The set-up the CLI-driven integration tests share: a keychain service name of their own (in the
 * private Secret Service the keychain tests run in), a throwaway Authdesk home with the real
 * services over it, the real CLI entry point (in process, or the env for a spawned `bin/authdesk`),
 * and the clean-up of all of it.
 */

/** A keychain service name no other test file (or parallel run) uses: `<base>-<name>-<pid>`. */
export function testKeychainService(name: string): string {
  return `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-${name}-${process.pid}`;
}

/** Where a test's Authdesk lives: its data folder (AUTHDESK_HOME) and keychain service. */
export interface CliHome {
  home: string;
  service: string;
}

/** The environment a spawned `bin/authdesk` needs to use `home` and `service`. */
export function cliEnv({ home, service }: CliHome): NodeJS.ProcessEnv {
  return { ...process.env, AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: service };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's entry point in this process against `home`, capturing what it writes. */
export async function runCli(args: string[], where: CliHome): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: process.stdin,
    env: cliEnv(where),
    platform: process.platform,
  });
  return { code, stdout, stderr };
}

/** A fresh temp home (prefix `authdesk-<name>-`) with the real services over it. */
export async function openTestHome(name: string, service: string): Promise<{ home: string; services: Services }> {
  const home = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), `authdesk-${name}-`));
  return { home, services: createServices({ dataDir: home, keychainService: service, appVersion: 'test' }) };
}

/** Deletes every entry of the keychain services `service` and `service<suffix>` for each suffix. */
export async function clearKeychains(service: string, suffixes: string[] = []): Promise<void> {
  for (const name of [service, ...suffixes.map((s) => `${service}${s}`)]) {
    const keychain = createKeychain(name);
    for (const account of await keychain.list()) await keychain.delete(account);
  }
}

/** Closes the services and removes the home. */
export async function closeTestHome(home: string | undefined, services: Services | undefined): Promise<void> {
  await services?.close();
  if (home) await rm(home, { recursive: true, force: true });
}
