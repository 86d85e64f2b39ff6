import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authsignal } from '@authsignal/node';
import { describe, expect, it } from 'vitest';
import type { EmulatorBanner } from '../../src/emulator/cli';
import { main } from '../../src/main/cli/index';

/** `authdesk emulator` as a person runs it: a real process, stopped with SIGTERM. */

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['bin/authdesk', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = async (pattern: RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no match for ${pattern}; stdout: ${stdout}; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return stdout;
  };
  return { child, exited, output };
}

describe('authdesk emulator', () => {
  it('prints the API URL, tenant id and secret, serves the SDK, and stops cleanly on SIGTERM, saving --data', async () => {
    const data = join(mkdtempSync(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'emu-cli-')), 'tenant.json');
    const cli = runCli(['--json', 'emulator', '--port', '0', '--secret', 'cli-secret', '--tenant-id', 'cli-tenant', '--seed', 'demo', '--data', data, '--latency-ms', '1']);
    const banner = JSON.parse(await cli.output(/\}\s*$/)) as EmulatorBanner;
    expect(banner).toMatchObject({ tenantId: 'cli-tenant', secret: 'cli-secret', users: 26, dataFile: data });
    expect(banner.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const sdk = new Authsignal({ apiSecretKey: 'cli-secret', apiUrl: banner.apiUrl, retries: 0 });
    expect((await sdk.getUser({ userId: 'auth0|5f1b2c3d4e' })).username).toBe('grace.hopper');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(existsSync(data)).toBe(true);
  });

  it('prints a human banner and stops on SIGINT', async () => {
    const cli = runCli(['emulator', '--port', '0', '--secret', 's']);
    const text = await cli.output(/Press Ctrl\+C to stop/);
    expect(text).toMatch(/Server API URL: http:\/\/127\.0\.0\.1:\d+\/v1/);
    expect(text).toContain('Tenant ID:      local-tenant');
    expect(text).toContain('API secret:     s');
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('refuses bad options with a usage error (in-process, same main())', async () => {
    let stderr = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: process.stdin,
      env: {},
      platform: process.platform,
    };
    expect(await main(['emulator', '--error-rate', '3'], io)).toBe(2);
    expect(stderr).toContain('--error-rate must be a number from 0 to 1');
    expect(await main(['emulator', '--seed', 'lots'], io)).toBe(2);
    expect(stderr).toContain('--seed must be "demo"');
  });
});
