import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@shared/domain/audit';
import type { UserDetail } from '@shared/domain/user';
import type { VerificationOptions, VerificationView } from '@shared/domain/verification';
import type { UserSearchResult } from '@shared/ipc/channels/users';
import type { CoverageExportChunk, CoverageRowsPage, CoverageRunInfo } from '@shared/ipc/channels/coverage';
import { main } from '../../src/main/cli';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { createHandlers } from '../../src/main/ipc/handlers';
import { createRouter } from '../../src/main/ipc/router';
import { createServices, type Services } from '../../src/main/services/container';
import { LinuxPolicyFileReader } from '../../src/main/services/policy/managed-policy';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { auditEntries, routerOver } from '../support/data-dir';
import { latestMessage, outboxCount } from '../support/emulator-page';

// Issue #12: every policy key enforced in main, and the one masking rule walked surface by surface
// as an agent, over the real router, a real managed policy file and the emulator over HTTP.

const KATHERINE = 'katherine@example.com';
let emulator: RunningEmulator;
let dir: string;
let policyFile: string;
let services: Services | undefined;
const keychainService = `authdesk-policy-desk-${process.pid}`;

async function as(account: string, policy: Record<string, unknown>) {
  await services?.close();
  await writeFile(policyFile, JSON.stringify(policy));
  await chmod(policyFile, 0o644);
  services = createServices({
    dataDir: join(dir, 'data'),
    keychainService,
    appVersion: 'test',
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    managedPolicy: new LinuxPolicyFileReader(policyFile),
    osAccount: account,
  });
  return routerOver(services);
}

const refusals = async () => (await auditEntries(join(dir, 'data'))).filter((e) => e.action === 'policy.forbidden');

beforeAll(async () => {
  emulator = await startEmulator({ seed: 'demo' });
});
afterEach(async () => {
  await services?.close();
  services = undefined;
  await rm(dir, { recursive: true, force: true });
});
afterAll(async () => {
  const evidenceKeys = createKeychain(`${keychainService}.evidence`);
  for (const account of await evidenceKeys.list().catch(() => [])) await evidenceKeys.delete(account);
  await emulator?.close();
});

describe('masking as an agent, surface by surface', () => {
  it('masks contacts in search, the user view, recent users and the audit log until the caller is verified, then shows them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-desk-'));
    policyFile = join(dir, 'policy.json');
    // No policy key about masking, and the admin turned verification off for the tenant: the role
    // alone masks (bob is an agent; before issue #12 this tenant showed contacts to everyone).
    await as('alice', { securityAdmins: ['alice'] });
    await services!.settings.update({ tenantPolicies: { local: { requireCallerVerification: false } } });
    const { ok } = await as('bob', { securityAdmins: ['alice'], requireTicketId: true });

    const byName = await ok<UserSearchResult>('users:search', { query: 'usr_katherine', seq: 1 });
    expect(byName.results[0]).toMatchObject({ userId: 'usr_katherine', email: 'k•••••••e@example.com' });
    // Typed by the agent: shown back in the hit, but masked when the log is read back.
    const byEmail = await ok<UserSearchResult>('users:search', { query: KATHERINE, seq: 2 });
    expect(byEmail.results[0]).toMatchObject({ email: KATHERINE });
    const user = await ok<UserDetail>('users:get', { userId: 'usr_katherine' });
    expect(user.profile.email).toBe('k•••••••e@example.com');
    expect(JSON.stringify(user)).not.toContain(KATHERINE);
    expect(JSON.stringify(await ok('users:recent', {}))).not.toContain(KATHERINE);
    // The extension's side panel: the bridge hands its calls to the same router (transport 'extension').
    const extensionRouter = createRouter(createHandlers(services!));
    const viaExtension = await extensionRouter.handle('users:get', { userId: 'usr_katherine' }, { transport: 'extension' });
    expect(viaExtension).toMatchObject({ ok: true, value: { profile: { email: 'k•••••••e@example.com' } } });
    expect(JSON.stringify(viaExtension)).not.toContain(KATHERINE);
    const log = await ok<{ entries: AuditEntry[] }>('audit:list', { limit: 50 });
    expect(JSON.stringify(log.entries)).not.toContain(KATHERINE);
    expect(JSON.stringify(log.entries)).toContain('k•••••••e@example.com');
    // The file keeps what happened (an admin reads it whole).
    expect(JSON.stringify(await auditEntries(join(dir, 'data')))).toContain(KATHERINE);

    // requireTicketId from the managed policy: verification without the call's ticket is refused.
    const options = await ok<VerificationOptions>('verification:options', { userId: 'usr_katherine' });
    expect(options.ticketRequired).toBe(true);
    const target = options.targets.find((t) => t.method === 'email-otp')!;
    await expect(ok('verification:start', { userId: 'usr_katherine', method: 'email-otp', targetRef: target.ref })).rejects.toThrow(/ticket of every call/);
    const before = await outboxCount(emulator, KATHERINE);
    const view = await ok<VerificationView>('verification:start', { userId: 'usr_katherine', method: 'email-otp', targetRef: target.ref, ticket: 'INC-7' });
    const { code } = await latestMessage(emulator, KATHERINE, before);
    expect((await ok<VerificationView>('verification:submit-code', { verificationId: view.id, code })).status).toBe('verified');

    // In the verified call: that user's contacts in full, in the view and the log.
    expect((await ok<UserDetail>('users:get', { userId: 'usr_katherine' })).profile.email).toBe(KATHERINE);
    // Another user stays masked.
    const margaret = await ok<UserDetail>('users:get', { userId: 'usr_margaret' });
    expect(margaret.profile.phoneNumber).toBe('+•••••••••24');

    // The security admin (no masking key, tenant not requiring verification) sees as before.
    const admin = await as('alice', { securityAdmins: ['alice'] });
    expect((await admin.ok<UserDetail>('users:get', { userId: 'usr_margaret' })).profile.phoneNumber).toBe('+14155550124');
    expect(JSON.stringify((await admin.ok<{ entries: AuditEntry[] }>('audit:list', { limit: 50 })).entries)).toContain(KATHERINE);
    // A managed maskContacts binds the admin at the desk too.
    const masked = await as('alice', { securityAdmins: ['alice'], maskContacts: true });
    expect((await masked.ok<UserDetail>('users:get', { userId: 'usr_margaret' })).profile.phoneNumber).toBe('+•••••••••24');
  });
});

describe('policy keys enforced in main', () => {
  it('allowedTenants: an agent cannot act on or switch to a tenant outside the list (console and CLI), audited; an admin can', async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-desk-'));
    policyFile = join(dir, 'policy.json');
    await as('alice', { securityAdmins: ['alice'] });
    const beta = await services!.tenants.add({ name: 'Beta', apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret, testFirst: false, makeActive: false });
    const { call } = await as('bob', { securityAdmins: ['alice'], allowedTenants: ['prod-eu'] });
    const act = await call('users:get', { userId: 'usr_katherine' });
    expect(act).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/does not allow agents to work on the tenant “Local tenant” \(local\)\. Allowed: prod-eu/) as unknown } });
    expect(await call('tenants:set-active', { id: 'local' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    let stderr = '';
    const code = await main(['tenant', 'use', beta.id], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => ((stderr += s), true) },
      stdin: process.stdin,
      env: { ...process.env, AUTHDESK_HOME: join(dir, 'data'), AUTHDESK_KEYCHAIN_SERVICE: keychainService },
      platform: process.platform,
      managedPolicy: new LinuxPolicyFileReader(policyFile),
      osAccount: 'bob',
    });
    expect(code, stderr).toBe(3);
    expect(stderr).toMatch(/does not allow agents to switch to/);
    expect((await refusals()).map((e) => e.details.operation)).toEqual(['tenant.act', 'tenant.switch', 'tenant.switch']);
    const admin = await as('alice', { securityAdmins: ['alice'], allowedTenants: ['prod-eu'] });
    expect((await admin.call('users:get', { userId: 'usr_katherine' })).ok).toBe(true);
  });

  it('lastAuthenticatorRemoval: admin-only refuses the agent (audited) and lets the admin; nobody refuses both', async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-desk-'));
    policyFile = join(dir, 'policy.json');
    const policy = { securityAdmins: ['alice'], lastAuthenticatorRemoval: 'admin' };
    await as('alice', policy);
    await services!.settings.update({ tenantPolicies: { local: { requireCallerVerification: false } } });
    const { ok, call } = await as('bob', policy);
    const user = await ok<UserDetail>('users:get', { userId: 'usr_margaret' });
    const ids = user.authenticators.ok ? user.authenticators.value.map((a) => a.id) : [];
    expect(ids).toHaveLength(1);
    const removal = { userId: 'usr_margaret', reason: 'Lost the phone, confirmed by the manager', ticket: 'INC-9', confirmation: 'REMOVE', acknowledgedWarnings: ['last-authenticator'], expectedAuthenticatorIds: ids };
    const refused = await call('authenticators:remove-all', removal);
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/only security admins remove a user's last authenticator/) as unknown } });
    expect((await refusals()).at(-1)).toMatchObject({ details: { operation: 'authenticators.remove-last', role: 'agent', account: 'bob', rule: 'admin' } });
    const nobody = await as('alice', { ...policy, lastAuthenticatorRemoval: 'nobody' });
    expect(await nobody.call('authenticators:remove-all', removal)).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/Enroll a new authenticator first/) as unknown } });
    const admin = await as('alice', policy);
    expect(await admin.ok<{ removed: string[] }>('authenticators:remove-all', removal)).toMatchObject({ removed: ids });
  });

  it('requireTeamStore: with no team store configured every audited action is refused with what to do', async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-desk-'));
    policyFile = join(dir, 'policy.json');
    const { call } = await as('alice', { securityAdmins: ['alice'], requireTeamStore: true });
    expect(await call('users:search', { query: 'usr_katherine', seq: 1 })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: expect.stringMatching(/requires the team store .* none is configured.*authdesk team connect/) as unknown },
    });
    expect((await refusals()).at(-1)).toMatchObject({ details: { operation: 'tenant.act', requireTeamStore: true } });
  });
});

describe('masking in coverage: the table, its exports and the evidence pack', () => {
  type Desk = Awaited<ReturnType<typeof as>>;
  const MARGARET_PHONE = '+14155550124';
  // By email: katherine is found (her email is the row's), the phone is a malformed line (its value is the row's user id).
  const input = `email\n${KATHERINE}\n${MARGARET_PHONE}\n`;
  async function coverageRun({ ok }: Desk) {
    const { uploadId } = await ok<{ uploadId: string }>('coverage:upload', { seq: 0, chunk: input, done: true, name: 'staff.csv' });
    const { runId } = await ok<CoverageRunInfo>('coverage:start', { uploadId });
    for (let i = 0; i < 400 && (await ok<{ run: CoverageRunInfo }>('coverage:status', { runId })).run.state !== 'completed'; i++) await new Promise((r) => setTimeout(r, 25));
    return runId;
  }
  const exported = async ({ ok }: Desk, runId: string, format: 'csv' | 'json') => {
    let text = '';
    for (let offset: number | null = 0; offset !== null; ) {
      const chunk: CoverageExportChunk = await ok<CoverageExportChunk>('coverage:export', { runId, format, offset });
      text += chunk.chunk;
      offset = chunk.nextOffset;
    }
    return text;
  };
  const reportOnDisk = (runId: string) => readFile(join(dir, 'data', 'coverage', 'runs', runId, 'report.csv'), 'utf8');

  it("under a managed maskContacts a security admin's run holds no full email or phone anywhere; without the policy nothing changes", async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-desk-'));
    policyFile = join(dir, 'policy.json');
    const masking = await as('alice', { securityAdmins: ['alice'], maskContacts: true });
    const runId = await coverageRun(masking);
    const rows = (await masking.ok<CoverageRowsPage>('coverage:rows', { runId, limit: 10 })).rows;
    expect(rows.map((r) => [r.status, r.email, r.userId])).toEqual([
      ['ok', 'k•••••••e@example.com', 'usr_katherine'],
      ['invalid', '', '+•••••••••24'],
    ]);
    const csv = await exported(masking, runId, 'csv');
    const json = await exported(masking, runId, 'json');
    const pack = await masking.ok<{ path: string }>('evidence:export', { runId });
    const packed = await readFile(join(pack.path, 'report.csv'), 'utf8');
    for (const text of [csv, json, packed, await reportOnDisk(runId)]) {
      expect(text).toContain('k•••••••e@example.com');
      expect(text).not.toContain(KATHERINE);
      expect(text).not.toContain('4155550124');
    }

    // No masking key: the admin's run is as before, contacts in full.
    const plain = await as('alice', { securityAdmins: ['alice'] });
    const fullRun = await coverageRun(plain);
    expect((await plain.ok<CoverageRowsPage>('coverage:rows', { runId: fullRun, limit: 10 })).rows.map((r) => r.email || r.userId)).toEqual([KATHERINE, MARGARET_PHONE]);
    expect(await exported(plain, fullRun, 'csv')).toContain(KATHERINE);

    // That full report once the policy masks: the table masks it on the way out; export and evidence refuse it.
    const later = await as('alice', { securityAdmins: ['alice'], maskContacts: true });
    expect(JSON.stringify(await later.ok('coverage:rows', { runId: fullRun, limit: 10 }))).not.toContain(KATHERINE);
    expect(await later.call('coverage:export', { runId: fullRun, format: 'csv', offset: 0 })).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/holds them in full .* Run coverage again/) as unknown } });
    expect(await later.call('evidence:export', { runId: fullRun })).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/cannot be packed as evidence/) as unknown } });

    // The CLI's report file too (same service, same rule).
    const beta = await services!.tenants.add({ name: 'Beta', apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret, testFirst: false, makeActive: false });
    await services!.close();
    await writeFile(join(dir, 'staff.csv'), input);
    let stderr = '';
    const code = await main(['coverage', '--input', join(dir, 'staff.csv'), '--out', join(dir, 'cli-report.csv'), '--tenant', beta.id], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => ((stderr += t), true) },
      stdin: process.stdin,
      env: { ...process.env, AUTHDESK_HOME: join(dir, 'data'), AUTHDESK_KEYCHAIN_SERVICE: keychainService },
      platform: process.platform,
      managedPolicy: new LinuxPolicyFileReader(policyFile),
      osAccount: 'alice',
    });
    expect(code, stderr).toBe(0);
    const cliReport = await readFile(join(dir, 'cli-report.csv'), 'utf8');
    expect(cliReport).toContain('k•••••••e@example.com');
    expect(cliReport).not.toContain(KATHERINE);
  });
});

describe('"Why", first case: verification switched off by hand in settings.json', () => {
  it('does not let the next removal through without a verified caller, and the edit is in the log (solo use, no policy)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'policy-desk-'));
    services = createServices({
      dataDir: join(dir, 'data'),
      keychainService,
      appVersion: 'test',
      localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
      managedPolicy: new LinuxPolicyFileReader(join(dir, 'no-policy.json')),
      osAccount: 'bob',
    });
    const { ok, call } = routerOver(services);
    await ok('settings:update', { agentName: 'bob' });
    const file = join(dir, 'data', 'settings.json');
    const written = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...written, tenantPolicies: { local: { requireCallerVerification: false } } }));

    const user = await ok<UserDetail>('users:get', { userId: 'usr_hedy' });
    const ids = user.authenticators.ok ? user.authenticators.value.map((a) => a.id) : [];
    expect(ids.length).toBeGreaterThan(0);
    const removal = { userId: 'usr_hedy', reason: 'Lost the phone, confirmed by the manager', ticket: 'INC-9', confirmation: 'REMOVE', acknowledgedWarnings: ['last-authenticator'], expectedAuthenticatorIds: ids };
    expect(await call('authenticators:remove-all', removal)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/Verify the caller first/) as unknown } });
    const after = await ok<UserDetail>('users:get', { userId: 'usr_hedy' });
    expect(after.authenticators.ok ? after.authenticators.value.map((a) => a.id) : []).toEqual(ids);
    const log = await auditEntries(join(dir, 'data'));
    expect(log.find((e) => e.action === 'settings.external-change')?.details).toMatchObject({
      changes: [expect.objectContaining({ setting: 'tenantPolicies.local.requireCallerVerification', from: true, to: false })],
    });
  });
});
