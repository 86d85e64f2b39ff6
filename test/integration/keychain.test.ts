import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeychain } from '../../src/main/services/platform/keychain';

// The real Secret Service that `npm test` starts in its private D-Bus session; a service name of
// our own so no other test (and never a person's real `authdesk` entries) is touched.
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-keychain-${process.pid}`;
const keychain = createKeychain(service);
const root = join(import.meta.dirname, '..', '..');
const keychainModule = join(root, 'src', 'main', 'services', 'platform', 'keychain.ts');

afterAll(async () => {
  for (const account of await keychain.list()) await keychain.delete(account);
});

/**
 * Runs `set` in a child process with the given environment and returns what it threw, as JSON.
 * `preload` may register a module hook first (to simulate a broken keytar install).
 */
function setInChild(env: NodeJS.ProcessEnv, wrap: string[] = [], preload = ''): { code?: string; message?: string; saved?: boolean } {
  const script = `${preload}
    const { createKeychain } = await import(${JSON.stringify(keychainModule)});
    try { await createKeychain(${JSON.stringify(service)}).set('child', 'child-secret-value'); console.log(JSON.stringify({ saved: true })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '--eval', script];
  const [cmd, ...args] = [...wrap, ...node];
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', timeout: 20_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  expect(line, r.stderr).toMatch(/^\{/);
  return JSON.parse(line) as { code?: string; message?: string; saved?: boolean };
}

function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const n of names) delete env[n];
  return env;
}

describe('keychain (real Secret Service)', () => {
  it('sets, reads back, lists and deletes a secret', async () => {
    const secret = `sk_test_${Date.now()}_ünïcode`;
    await keychain.set('alpha', secret);
    await keychain.set('beta', 'second');
    expect(await keychain.get('alpha')).toBe(secret);
    expect(await keychain.list()).toEqual(['alpha', 'beta']);
    expect((await keychain.entries()).get('alpha')).toBe(secret);

    await keychain.set('alpha', 'replaced');
    expect(await keychain.get('alpha')).toBe('replaced');
    expect(await keychain.list()).toEqual(['alpha', 'beta']);

    expect(await keychain.delete('alpha')).toBe(true);
    expect(await keychain.delete('alpha')).toBe(false);
    expect(await keychain.get('alpha')).toBeNull();
    expect(await keychain.list()).toEqual(['beta']);
  });

  it('keeps services apart', async () => {
    const other = createKeychain(`${service}-other`);
    await other.set('alpha', 'other-service');
    try {
      expect(await keychain.get('alpha')).toBeNull();
      expect(await other.list()).toEqual(['alpha']);
    } finally {
      await other.delete('alpha');
    }
  });
});

describe('keychain unavailable', () => {
  const fix = /start gnome-keyring or another Secret Service .*unlock it \(on Debian\/Ubuntu: apt-get install gnome-keyring\)/i;

  it('says how to fix it when there is no D-Bus session at all', () => {
    const result = setInChild({ ...envWithout('DISPLAY'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/authdesk-bus' });
    expect(result.code).toBe('keychain-unavailable');
    expect(result.message).toMatch(fix);
    expect(result.message).toMatch(/never stored in plain files/);
    expect(result.message).not.toContain('child-secret-value');
  });

  it('says how to fix it when the keyring is locked', () => {
    // A fresh session bus whose Secret Service is activated on demand with a new, locked keyring
    // (no --unlock, no display for the unlock prompt), in a throwaway data dir.
    const keyrings = mkdtempSync(join(tmpdir(), 'authdesk-locked-'));
    try {
      const env = { ...envWithout('DISPLAY', 'DBUS_SESSION_BUS_ADDRESS', 'GNOME_KEYRING_CONTROL'), XDG_DATA_HOME: keyrings };
      const result = setInChild(env, ['dbus-run-session', '--']);
      expect(result.code).toBe('keychain-unavailable');
      expect(result.message).toMatch(fix);
    } finally {
      rmSync(keyrings, { recursive: true, force: true });
    }
  });

  it('says to reinstall when keytar itself cannot load', () => {
    const breakKeytar = `
      const { register } = await import('node:module');
      register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { if (s === "keytar") throw new Error("keytar.node: cannot open shared object file"); return next(s, c); }'));`;
    const result = setInChild(process.env, [], breakKeytar);
    expect(result.code).toBe('keychain-unavailable');
    expect(result.message).toMatch(/could not load its keychain module.*npm rebuild keytar/);
  });

  it('does not leave the secret anywhere when it failed', async () => {
    expect(await keychain.get('child')).toBeNull();
  });
});
