import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../src/main/ipc/handlers';
import { createRouter } from '../../src/main/ipc/router';
import { createServices, type Services } from '../../src/main/services/container';
import { LinuxPolicyFileReader } from '../../src/main/services/policy/managed-policy';
import { createKeychain } from '../../src/main/services/platform/keychain';

// settings.json edited by hand (both directions) with the real file, the real keychain seal and
// the real audit log: weakening is refused until an admin confirms it, strengthening is taken.

const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-tamper-${process.pid}`;
let home: string;
let services: Services;

function build(policyFile?: string, account?: string): Services {
  return createServices({
    dataDir: home,
    keychainService: service,
    appVersion: 'test',
    localTenant: { apiUrl: 'http://127.0.0.1:9', tenantId: 'local-tenant', secret: 'local-secret-0123456789abcdef' },
    managedPolicy: new LinuxPolicyFileReader(policyFile ?? join(home, 'no-policy.json')),
    ...(account ? { osAccount: account } : {}),
  });
}

async function handEdit(requireCallerVerification: boolean, agentName = 'alice (security admin)') {
  await writeFile(
    join(home, 'settings.json'),
    JSON.stringify({ version: 1, agentName, staleAfterDays: 180, enrollmentActionCode: 'authdesk-enroll', tenantPolicies: requireCallerVerification ? {} : { local: { requireCallerVerification: false } } }),
  );
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'authdesk-tamper-'));
  services = build();
  await services.settings.update({ agentName: 'bob' });
});
afterEach(async () => {
  await services.close();
  const keychain = createKeychain(`${service}.settings-seal`);
  for (const account of await keychain.list().catch(() => [])) await keychain.delete(account);
  await rm(home, { recursive: true, force: true });
});

describe('settings edited outside the app', () => {
  it('a hand edit that turns verification off is detected, audited once, and not applied until an admin confirms', async () => {
    await handEdit(false);
    const view = await services.settings.get();
    expect(view.externalChanges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ setting: 'tenantPolicies.local.requireCallerVerification', from: true, to: false }),
        expect.objectContaining({ setting: 'agentName', from: 'bob', to: 'alice (security admin)' }),
      ]),
    );
    // Protection stays on, and the self-chosen name is not taken either.
    expect(view.tenantPolicies).toEqual({});
    expect(view.agentName).toBe('bob');
    expect((await services.settings.policyFor('local')).requireCallerVerification).toBe(true);
    await services.settings.get();
    const detected = await services.audit.query({ action: ['settings.external-change'], limit: 10 });
    expect(detected.entries).toHaveLength(1);
    expect(detected.entries[0].actor.agentName).toBe('bob');

    // Solo without policy: this person is the admin; confirming in the app applies it.
    const router = createRouter(createHandlers(services));
    const confirmed = await router.handle('settings:confirm-external', {}, { transport: 'test' });
    expect(confirmed).toMatchObject({ ok: true, value: { tenantPolicies: { local: { requireCallerVerification: false } } } });
    expect((await services.settings.policyFor('local')).requireCallerVerification).toBe(false);
    expect((await services.audit.query({ action: ['settings.external-confirm'], limit: 5 })).entries).toHaveLength(1);
  });

  it('a hand edit that turns verification on is taken at once', async () => {
    await services.settings.update({ tenantPolicies: { local: { requireCallerVerification: false } } });
    expect((await services.settings.policyFor('local')).requireCallerVerification).toBe(false);
    await handEdit(true, 'bob');
    expect((await services.settings.policyFor('local')).requireCallerVerification).toBe(true);
    expect((await services.settings.get()).externalChanges).toEqual([expect.objectContaining({ to: true })]);
  });

  it('with a policy an agent can neither confirm an edit nor turn verification off in the app (forbidden, audited)', async () => {
    const policyFile = join(home, 'policy.json');
    await writeFile(policyFile, JSON.stringify({ securityAdmins: ['alice'] }), { mode: 0o644 });
    await services.close();
    services = build(policyFile, 'bob');
    const router = createRouter(createHandlers(services));
    const weaken = await router.handle('settings:update', { tenantPolicies: { local: { requireCallerVerification: false } } }, { transport: 'test' });
    expect(weaken).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await handEdit(false);
    const confirm = await router.handle('settings:confirm-external', {}, { transport: 'test' });
    expect(confirm).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await services.settings.policyFor('local')).requireCallerVerification).toBe(true);
    const refused = await services.audit.query({ action: ['policy.forbidden'], limit: 5 });
    expect(refused.entries.map((e) => e.details.operation)).toEqual(['settings.confirm-external', 'settings.weaken']);
    expect(JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'))).toMatchObject({ tenantPolicies: { local: { requireCallerVerification: false } } });
  });
});

describe('a call ticket required for one tenant, set alone (requireTicket)', () => {
  it('is saved, audited and read back by a new process; a hand edit cannot drop it, and an agent cannot turn it off', async () => {
    const router = createRouter(createHandlers(services));
    const set = await router.handle('settings:update', { tenantPolicies: { local: { requireTicket: true } } }, { transport: 'test' });
    expect(set).toMatchObject({ ok: true, value: { tenantPolicies: { local: { requireCallerVerification: true, requireTicket: true } } } });
    const updates = await services.audit.query({ action: ['settings.update'], limit: 5 });
    expect(updates.entries[0]?.details.changes).toEqual([{ setting: 'tenantPolicies.local.requireTicket', tenantId: 'local', from: false, to: true }]);
    await services.close();
    services = build();
    expect(await services.settings.policyFor('local')).toEqual({ requireCallerVerification: true, requireTicket: true });

    // Dropped by hand: detected, and the ticket stays required until an admin confirms.
    await handEdit(true, 'bob');
    expect(await services.settings.policyFor('local')).toEqual({ requireCallerVerification: true, requireTicket: true });
    const external = await services.audit.query({ action: ['settings.external-change'], limit: 5 });
    expect(external.entries[0]?.details.changes).toEqual([{ setting: 'tenantPolicies.local.requireTicket', tenantId: 'local', from: true, to: false }]);

    // Turning it off in the app is a security admin's decision when roles apply.
    const policyFile = join(home, 'policy.json');
    await writeFile(policyFile, JSON.stringify({ securityAdmins: ['alice'] }), { mode: 0o644 });
    await services.close();
    services = build(policyFile, 'alice');
    expect((await services.settings.confirmExternal()).tenantPolicies).toEqual({});
    await services.settings.update({ tenantPolicies: { local: { requireTicket: true } } });
    await services.close();
    services = build(policyFile, 'bob');
    const agent = createRouter(createHandlers(services));
    const off = await agent.handle('settings:update', { tenantPolicies: { local: { requireTicket: false } } }, { transport: 'test' });
    expect(off).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await services.settings.policyFor('local')).requireTicket).toBe(true);
  });
});
