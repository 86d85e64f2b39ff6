import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLogService } from '../../src/main/services/audit/audit-log.service';
import { anchorAccount } from '../../src/main/services/audit/log-anchor';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { startPostgres, type TestPostgres } from '../support/postgres';

// `authdesk team …` and `authdesk audit verify --team` spawned for real (bin/authdesk through its
// tsx launcher) against a real PostgreSQL and the real keychain: the admin's computer installs
// the store and adds an agent; the agent's computer connects, ships, and is caught tampering.
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'authdesk');
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-team-cli-${process.pid}`;
const AGENT_PASSWORD = 'agent-cli-password-7731';

let server: TestPostgres;
let adminHome: string;
let agentHome: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function authdesk(home: string, args: string[], input = ''): Promise<Run> {
  // SECURITY (under test): no password is ever an argument.
  expect(args.join(' ')).not.toContain(AGENT_PASSWORD);
  expect(args.join(' ')).not.toContain(server.password);
  // Admin and agent are two computers: each its own data dir and keychain service.
  const env = { ...process.env, AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: `${service}-${home === adminHome ? 'admin' : 'agent'}` };
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      for (const secret of [AGENT_PASSWORD, server.password]) {
        expect(stdout).not.toContain(secret);
        expect(stderr).not.toContain(secret);
      }
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  server = await startPostgres();
  adminHome = await mkdtemp(join(tmpdir(), 'authdesk-team-admin-'));
  agentHome = await mkdtemp(join(tmpdir(), 'authdesk-team-agent-'));
}, 120_000);

afterAll(async () => {
  for (const who of ['admin', 'agent']) {
    const keychain = createKeychain(`${service}-${who}.team`);
    for (const account of await keychain.list().catch(() => [])) await keychain.delete(account);
  }
  await server?.stop();
  for (const dir of [adminHome, agentHome]) if (dir) await rm(dir, { recursive: true, force: true });
});

// Each spawned CLI run starts tsx from scratch (seconds on a busy machine): generous timeouts.
describe('authdesk team (spawned)', { timeout: 180_000 }, () => {
  it('is off and writes nothing without a team store', async () => {
    const r = await authdesk(agentHome, ['team', 'status']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/Team mode is off/);
    await expect(stat(join(agentHome, 'team'))).rejects.toMatchObject({ code: 'ENOENT' });
    const verify = await authdesk(agentHome, ['audit', 'verify', '--team']);
    expect(verify.code).toBe(6);
    expect(verify.stderr).toMatch(/Team mode is off.*team connect/);
  });

  it('refuses a password in the URL and plaintext to a remote host', async () => {
    const withPassword = await authdesk(adminHome, ['team', 'init', `postgres://postgres:${'x'.repeat(8)}@127.0.0.1:${server.port}/${server.database}?sslmode=disable`]);
    expect(withPassword.code).toBe(2);
    expect(withPassword.stderr).toMatch(/Leave the password out of the URL/);
    const plaintext = await authdesk(adminHome, ['team', 'init', 'postgres://postgres@db.example.com/team?sslmode=disable'], 'pw');
    expect(plaintext.code).toBe(2);
    expect(plaintext.stderr).toMatch(/sslmode=disable is refused for db\.example\.com/);
  });

  it('init installs, is safe twice and says what it did; add-agent creates the role', async () => {
    const first = await authdesk(adminHome, ['team', 'init', server.url('postgres')], `${server.password}\n`);
    expect(first.stderr).toBe('');
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/installed migration 0001_team-store/);
    const again = await authdesk(adminHome, ['team', 'init', server.url('postgres')], `${server.password}\n`);
    expect(again.stdout).toMatch(/already up to date: nothing applied/);
    expect(again.stdout).toMatch(/postgres {2}checked/);
    const added = await authdesk(adminHome, ['team', 'add-agent', 'agent_cli'], `${AGENT_PASSWORD}\n`);
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toContain(`authdesk team connect postgres://agent_cli@127.0.0.1:${server.port}/${server.database}?sslmode=disable`);
    // The keychain holds the admin connection; no file in the data dir has the password.
    const stored = await createKeychain(`${service}-admin.team`).get('admin');
    expect(stored).toContain(server.password);
  });

  it('connects an agent, ships, and catches truncation and emptying that plain audit verify misses', async () => {
    const audit = new AuditLogService({ dataDir: agentHome });
    for (let i = 0; i < 10; i += 1) await audit.append({ action: 'user.lookup', subject: { userId: `u${i}` }, details: { ticket: `HD-${i}` } });
    const url = server.url('agent_cli');
    const wrong = await authdesk(agentHome, ['team', 'connect', url], 'wrong-password-0000\n');
    expect(wrong.code).toBe(3);
    const connected = await authdesk(agentHome, ['team', 'connect', url], `${AGENT_PASSWORD}\n`);
    expect(connected).toMatchObject({ code: 0 });
    expect(connected.stdout).toMatch(/Team mode is on: shipping as agent_cli/);
    expect(connected.stdout).toMatch(/Team log:\s+in sync/);
    const ok = await authdesk(agentHome, ['audit', 'verify', '--team']);
    expect(ok).toMatchObject({ code: 0 });
    // Ten lookups and the connect itself (recorded and shipped: the store knows when this computer joined).
    expect(ok.stdout).toMatch(/OK: the 11 entries this device shipped/);
    const lines = (await readFile(audit.file, 'utf8')).split('\n').filter(Boolean);
    expect(JSON.parse(lines[10])).toMatchObject({ action: 'team.connect', details: { role: 'agent_cli' } });

    // The reproduction: head -n 7 audit.jsonl > x && mv x audit.jsonl. The solo anchor
    // catches it too, until the same OS account also rewrites the anchor in its own keychain; the
    // team store still catches it.
    await writeFile(audit.file, lines.slice(0, 7).map((l) => `${l}\n`).join(''));
    expect((await authdesk(agentHome, ['audit', 'verify'])).code).toBe(1);
    const seventh = JSON.parse(lines[6]) as { seq: number; hash: string };
    await createKeychain(`${service}-agent.audit-anchor`).set(anchorAccount(audit.file), JSON.stringify({ v: 1, seq: seventh.seq, hash: seventh.hash }));
    expect((await authdesk(agentHome, ['audit', 'verify'])).code).toBe(0);
    const truncated = await authdesk(agentHome, ['audit', 'verify', '--team']);
    expect(truncated.code).toBe(1);
    expect(truncated.stdout).toMatch(/TRUNCATED seq 8–11: The local log ends at seq 7/);
    await writeFile(audit.file, '');
    const emptied = await authdesk(agentHome, ['--json', 'audit', 'verify', '--team']);
    expect(emptied.code).toBe(1);
    const json = JSON.parse(emptied.stdout) as { team: { findings: { kind: string; seq: number; toSeq: number }[] } };
    expect(json.team.findings).toEqual([expect.objectContaining({ kind: 'emptied', seq: 1, toSeq: 11 })]);
  });

  it('shows the team to the admin and verifies the team chain', async () => {
    const status = await authdesk(adminHome, ['team', 'status']);
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toMatch(/Team store: 11 entries from 1 devices/);
    expect(status.stdout).toMatch(/agent_cli\s+11/);
    const verify = await authdesk(adminHome, ['team', 'verify']);
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.stdout).toMatch(/OK: 11 team entries, chain intact up to team entry 11/);
  });
});
