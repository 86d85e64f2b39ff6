import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { main } from '../../src/main/cli';

// `bin/authdesk` spawned for real (through its tsx launcher), against the emulator over HTTP and
// the real keychain, with its own data dir and keychain service.
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'authdesk');
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-cli-${process.pid}`;
const keychain = createKeychain(service);
const SECRET = 's3cr3t-cli-value-9f8e7d';

let emu: RunningEmulator;
let home: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI; `input` is piped to stdin (closed right away when absent). */
function authdesk(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; wrap?: string[] } = {}): Promise<Run> {
  // SECURITY (the property under test): the secret is never part of argv.
  expect(args.join(' ')).not.toContain(SECRET);
  const env = { ...process.env, AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: service, ...options.env };
  const [cmd, ...rest] = [...(options.wrap ?? []), BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      // Whatever happened, the secret was never printed.
      expect(stdout).not.toContain(SECRET);
      expect(stderr).not.toContain(SECRET);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

const add = (name: string, extra: string[], input = SECRET) => authdesk(['tenant', 'add', name, '--tenant-id', 't1', ...extra], { input });

beforeAll(async () => {
  emu = await startEmulator({ secret: SECRET, tenantId: 'emu-tenant' });
});
afterAll(async () => {
  await emu.close();
  for (const account of await keychain.list()) await keychain.delete(account);
  await rm(home, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const account of await keychain.list()) await keychain.delete(account);
  if (home) await rm(home, { recursive: true, force: true });
  home = await mkdtemp(join(tmpdir(), 'authdesk-cli-'));
});

describe('authdesk tenant (spawned)', () => {
  it('adds untested with --no-test, lists as a table and as JSON, and the keychain holds the secret', async () => {
    const added = await add('demo', ['--api-url', 'http://127.0.0.1:4010/v1', '--no-test']);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/Saved tenant "demo" \(id demo\), not tested/);

    const table = await authdesk(['tenant', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^\s+ID\s+NAME\s+WHERE\s+TENANT ID\s+SECRET$/m);
    expect(table.stdout).toMatch(/^\*\s+demo\s+demo\s+http:\/\/127\.0\.0\.1:4010\/v1\s+t1\s+set \([0-9a-f]{8}\)$/m);

    const json = await authdesk(['tenant', 'list', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      activeId: 'demo',
      tenants: [
        expect.objectContaining({ id: 'demo', name: 'demo', kind: 'remote', apiUrl: 'http://127.0.0.1:4010/v1', tenantId: 't1', active: true, hasSecret: true }),
      ],
    });

    const found = spawnSync('secret-tool', ['search', 'service', service], { encoding: 'utf8' });
    expect(found.stdout + found.stderr).toMatch(/attribute\.account = demo/);
    expect(spawnSync('secret-tool', ['lookup', 'service', service, 'account', 'demo'], { encoding: 'utf8' }).stdout).toBe(SECRET);
  });

  it('saves when nothing listens and says the connection test failed, with the way out; --strict saves nothing', async () => {
    const saved = await add('demo', ['--api-url', 'http://127.0.0.1:1/v1']);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('Saved tenant "demo" (id demo)');
    expect(saved.stderr).toMatch(/Warning: saved, but the connection test failed: Could not reach 127\.0\.0\.1:1 .*authdesk tenant test demo/s);
    expect(await keychain.get('demo')).toBe(SECRET);

    const refused = await add('strict', ['--api-url', 'http://127.0.0.1:1/v1', '--strict']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/Nothing was saved: Could not reach 127\.0\.0\.1:1 /s);
    expect(await keychain.get('strict')).toBeNull();
  });

  it('tests against the emulator: --strict refuses a bad secret (exit 3); by default it is saved with the warning; a good one tests OK', async () => {
    const strictBad = await add('emu', ['--api-url', emu.apiUrl, '--strict'], 'not-the-right-secret');
    expect(strictBad.code).toBe(3);
    expect(strictBad.stderr).toMatch(/check the secret and the region/i);
    expect(strictBad.stderr).not.toContain('not-the-right-secret');
    expect(await keychain.get('emu')).toBeNull();

    const lenientBad = await add('emu-typo', ['--api-url', emu.apiUrl, '--json'], 'not-the-right-secret');
    expect(lenientBad.code).toBe(0);
    expect(JSON.parse(lenientBad.stdout)).toMatchObject({ id: 'emu-typo', connection: { ok: false, code: 'unauthorized' } });
    expect(lenientBad.stdout + lenientBad.stderr).not.toContain('not-the-right-secret');
    await authdesk(['tenant', 'remove', 'emu-typo']);

    const good = await add('emu', ['--api-url', emu.apiUrl, '--json'], `${SECRET}\n`);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ id: 'emu', hasSecret: true, active: true, connection: { ok: true } });
    expect(await keychain.get('emu')).toBe(SECRET); // the newline `echo` adds is not part of it

    const tested = await authdesk(['tenant', 'test', '--json']);
    expect(tested.code).toBe(0);
    expect(JSON.parse(tested.stdout)).toMatchObject({ id: 'emu', ok: true });
  });

  it('refuses a secret on argv with exit 2, without echoing it', async () => {
    const argvSecret = await authdesk(['tenant', 'add', 'x', '--region', 'us', '--tenant-id', 't1', '--secret', 'argv-secret-attempt']);
    expect(argvSecret.code).toBe(2);
    expect(argvSecret.stderr).toMatch(/unknown option '--secret'/);
    expect(argvSecret.stderr).not.toContain('argv-secret-attempt');
  });

  it('exits 4 with the fix when the keychain is unreachable, and saves nothing', async () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/authdesk-bus', DISPLAY: '' };
    const result = await authdesk(['tenant', 'add', 'demo', '--region', 'us', '--tenant-id', 't1', '--no-test'], { input: SECRET, env });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/Start gnome-keyring or another Secret Service .*apt-get install gnome-keyring/);
    await expect(readFile(join(home, 'tenants.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reads the secret at a hidden prompt on a terminal, echoing nothing', async () => {
    // `script` gives the CLI a real pseudo-terminal; we type once the prompt is up.
    const command = `${BIN} tenant add demo --region eu --tenant-id t1 --no-test`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: service },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      if (!typed && screen.includes('(input hidden): ')) {
        typed = true;
        child.stdin.write(`${SECRET}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(typed).toBe(true);
    expect(code).toBe(0);
    expect(screen).toMatch(/Saved tenant "demo"/);
    expect(screen).not.toContain(SECRET);
    expect(await keychain.get('demo')).toBe(SECRET);
  });
});

/**
 * The same CLI run in-process through `main(argv, io)`: same commands, real keychain, real
 * emulator, only no process spawn (to keep the suite quick for the variations).
 */
async function inProcess(args: string[], input = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from([Buffer.from(input)]), { isTTY: false });
  const code = await main(args, {
    stdin,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...process.env, AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: service },
    platform: process.platform,
  });
  expect(stdout + stderr).not.toContain(SECRET);
  return { code, stdout, stderr };
}

describe('authdesk tenant (in-process main)', () => {
  it('rotates without a test and then fails the connection test with exit 3', async () => {
    expect((await inProcess(['tenant', 'add', 'emu', '--api-url', emu.apiUrl, '--tenant-id', 't1'], SECRET)).code).toBe(0);
    const rotated = await inProcess(['tenant', 'rotate', 'emu', '--no-test'], 'a-wrong-rotated-secret');
    expect(rotated).toMatchObject({ code: 0, stdout: expect.stringMatching(/fingerprint now [0-9a-f]{8}/) as unknown });
    const failing = await inProcess(['tenant', 'test', 'emu']);
    expect(failing.code).toBe(3);
    expect(failing.stdout).toMatch(/^FAILED: .*Check the secret and the region/);
    const refused = await inProcess(['tenant', 'rotate', 'emu'], 'still-wrong-secret');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/The old secret was kept/);
  });

  it('uses, renames and removes by id or name; removal deletes the keychain entry', async () => {
    await inProcess(['tenant', 'add', 'First One', '--region', 'eu', '--tenant-id', 't1', '--no-test'], SECRET);
    await inProcess(['tenant', 'add', 'Second', '--region', 'au', '--tenant-id', 't2', '--no-test', '--no-activate'], SECRET);
    expect(await inProcess(['tenant', 'use', 'second'])).toMatchObject({ code: 0, stdout: 'Now using "Second" (second).\n' });
    expect((await inProcess(['tenant', 'rename', 'first-one', 'Primary'])).code).toBe(0);

    const removed = await inProcess(['tenant', 'remove', 'Primary', '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual({ activeId: 'second', tenants: [expect.objectContaining({ id: 'second', region: 'au' })] });
    expect(await keychain.get('first-one')).toBeNull();

    const missing = await inProcess(['tenant', 'remove', 'Primary', '--json']);
    expect(missing.code).toBe(6);
    expect(JSON.parse(missing.stderr)).toEqual({ error: { code: 'not-found', message: expect.stringContaining('no tenant "Primary"') as unknown } });
  });

  it('exits 2 on validation problems, listing fields without echoing values', async () => {
    expect((await inProcess(['tenant', 'add', 'x', '--tenant-id', 't1', '--region', 'mars'], SECRET)).code).toBe(2);
    const neither = await inProcess(['tenant', 'add', 'x', '--tenant-id', 't1'], SECRET);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/region: Choose a region or enter a custom API URL/);
    const noSecret = await inProcess(['tenant', 'add', 'x', '--tenant-id', 't1', '--region', 'us'], '\n');
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/No secret arrived on stdin/);
    const badUrl = await inProcess(['tenant', 'add', 'x', '--tenant-id', 't1', '--api-url', 'https://user:pw@example.com/v1', '--no-test'], SECRET);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/apiUrl: The API URL must not contain credentials/);
    expect(badUrl.stderr).not.toContain('user:pw');
    expect(await keychain.list()).toEqual([]);
  });

  it('prints help and version with exit 0, and an empty list readably', async () => {
    expect(await inProcess(['--version'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) as unknown });
    expect((await inProcess(['tenant', '--help'])).stdout).toMatch(/never from arguments/);
    expect((await inProcess(['tenant', 'list'])).stdout).toMatch(/^No tenants yet/);
  });
});
