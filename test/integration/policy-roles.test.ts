import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli';
import { createHandlers } from '../../src/main/ipc/handlers';
import { createRouter } from '../../src/main/ipc/router';
import { createServices, type Services } from '../../src/main/services/container';
import { LinuxPolicyFileReader } from '../../src/main/services/policy/managed-policy';

// The managed policy as a real root-owned file, read by the real reader (also as an unprivileged
// user that cannot write it), and the roles it assigns enforced over the CLI and the IPC router.

const CHILD = fileURLToPath(new URL('./policy-reader-child.ts', import.meta.url));
const TEST_USER = 'authdesk-policy-test';
const isRoot = process.getuid?.() === 0;
let policyDir: string;
let policyFile: string;
let home: string;
let createdUser = false;
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-policy-${process.pid}`;
const POLICY = { requireCallerVerification: true, maskContacts: true, securityAdmins: ['alice'], trustedEvidenceKeys: ['ab'.repeat(32)] };

async function cli(args: string[], account: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: process.stdin,
    env: { ...process.env, AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: service },
    platform: process.platform,
    managedPolicy: new LinuxPolicyFileReader(policyFile),
    osAccount: account,
  });
  return { code, stdout, stderr };
}

function servicesAs(account: string): Services {
  return createServices({ dataDir: home, keychainService: service, appVersion: 'test', managedPolicy: new LinuxPolicyFileReader(policyFile), osAccount: account });
}

beforeAll(async () => {
  policyDir = await mkdtemp(join(tmpdir(), 'authdesk-policy-'));
  await chmod(policyDir, 0o755);
  policyFile = join(policyDir, 'policy.json');
  await writeFile(policyFile, JSON.stringify(POLICY));
  await chmod(policyFile, 0o644);
  home = await mkdtemp(join(tmpdir(), 'authdesk-policy-home-'));
  if (isRoot && spawnSync('id', [TEST_USER]).status !== 0) {
    createdUser = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER]).status === 0;
  }
});
afterAll(async () => {
  if (createdUser) spawnSync('userdel', [TEST_USER]);
  await rm(policyDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('managed policy file', () => {
  it.skipIf(!isRoot)('is read by an unprivileged user who cannot write it (root-owned, 0644)', () => {
    expect(createdUser || spawnSync('id', [TEST_USER]).status === 0).toBe(true);
    const out = execFileSync('runuser', ['-u', TEST_USER, '--', process.execPath, '--import', 'tsx', CHILD, policyFile], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as { uid: number; read: { trusted: boolean; document: unknown; problems: string[] }; writeError: string | null };
    expect(result.uid).not.toBe(0);
    expect(result.writeError).toBe('EACCES');
    expect(result.read).toMatchObject({ trusted: true, problems: [], document: { requireCallerVerification: true, securityAdmins: ['alice'] } });
  });

  it.skipIf(!isRoot)('a policy file the agent could write restricts but grants nothing', async () => {
    const writable = join(policyDir, 'writable.json');
    await writeFile(writable, JSON.stringify({ ...POLICY, securityAdmins: ['bob'] }));
    const { uid, gid } = JSON.parse(execFileSync('runuser', ['-u', TEST_USER, '--', process.execPath, '-e', 'process.stdout.write(JSON.stringify({uid:process.getuid(),gid:process.getgid()}))'], { encoding: 'utf8' })) as { uid: number; gid: number };
    await chown(writable, uid, gid);
    const services = createServices({ dataDir: home, keychainService: service, appVersion: 'test', managedPolicy: new LinuxPolicyFileReader(writable), osAccount: 'bob' });
    const effective = await services.policy.effective();
    expect(effective.role).toBe('agent');
    expect(effective.trustedEvidenceKeys).toEqual([]);
    expect(effective.settings.requireCallerVerification).toEqual({ value: true, source: 'managed', locked: true });
    expect(effective.problems.join('\n')).toMatch(/writable by someone other than root.*chown root:root/);
    await services.close();
  });

  it('an invalid policy fails closed: every protection on, nobody an admin', async () => {
    const bad = join(policyDir, 'bad.json');
    await writeFile(bad, JSON.stringify({ requireCallerVerification: 'no', securityAdmins: ['bob'] }));
    await chmod(bad, 0o644);
    const services = createServices({ dataDir: home, keychainService: service, appVersion: 'test', managedPolicy: new LinuxPolicyFileReader(bad), osAccount: 'bob' });
    const effective = await services.policy.effective();
    expect(effective.role).toBe('agent');
    expect(effective.settings.lastAuthenticatorRemoval.value).toBe('nobody');
    expect(effective.problems.join('\n')).toMatch(/not valid \(requireCallerVerification/);
    await services.close();
  });
});

describe('roles from the policy', () => {
  it('an agent is refused coverage runs and evidence packs on the CLI (exit 3, audited)', async () => {
    const run = await cli(['coverage', '--input', join(home, 'none.csv'), '--out', join(home, 'r.csv')], 'bob');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Your role \(agent\) may not run coverage audits/);
    const pack = await cli(['evidence', 'export', '--report', join(home, 'r.csv'), '--out', join(home, 'pack')], 'bob');
    expect(pack.code).toBe(3);
    expect(pack.stderr).toMatch(/may not export evidence packs/);
    const services = servicesAs('bob');
    const refused = await services.audit.query({ action: ['policy.forbidden'], limit: 10 });
    expect(refused.entries.map((e) => e.details.operation)).toEqual(['evidence.export', 'coverage.run']);
    expect(refused.entries[0]).toMatchObject({ outcome: 'error', error: { code: 'forbidden' } });
    await services.close();
  });

  it('an agent is refused coverage and evidence channels over IPC; the admin named in the policy is not', async () => {
    const bob = servicesAs('bob');
    const router = createRouter(createHandlers(bob));
    const runId = '00000000-0000-4000-8000-000000000000';
    for (const [channel, input] of [
      ['coverage:start', { uploadId: runId }],
      ['coverage:status', { runId }],
      ['coverage:rows', { runId }],
      ['coverage:export', { runId, format: 'csv', offset: 0 }],
      ['evidence:export', { runId }],
    ] as const) {
      const result = await router.handle(channel, input, { transport: 'test' });
      expect(result, channel).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    await bob.close();
    const alice = servicesAs('alice');
    const adminRouter = createRouter(createHandlers(alice));
    const status = await adminRouter.handle('coverage:status', { runId }, { transport: 'test' });
    expect(status).toMatchObject({ ok: false, error: { code: 'not-found' } });
    await alice.close();
  });

  it('policy show names each setting, its source and lock, and the role', async () => {
    const shown = await cli(['policy', 'show'], 'bob');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/role:\s+agent/);
    expect(shown.stdout).toMatch(/requireCallerVerification:\s+true \(managed, locked\)/);
    expect(shown.stdout).toMatch(/requireTicketId:\s+false \(default\)/);
    const admin = await cli(['policy', 'show', '--json'], 'alice');
    expect(JSON.parse(admin.stdout)).toMatchObject({ role: 'admin', managed: true, trustedEvidenceKeys: ['ab'.repeat(32)] });
  });

  it('a hand edit of settings.json cannot switch caller verification off under a managed policy', async () => {
    await writeFile(join(home, 'settings.json'), JSON.stringify({ version: 1, agentName: 'alice (security admin)', staleAfterDays: 180, enrollmentActionCode: 'authdesk-enroll', tenantPolicies: { local: { requireCallerVerification: false } } }));
    const services = servicesAs('bob');
    expect(await services.policy.requireCallerVerification('local')).toBe(true);
    // The self-chosen name does not make anyone an admin.
    expect(await services.policy.role()).toBe('agent');
    await services.close();
  });
});
