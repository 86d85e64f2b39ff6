import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MacManagedPreferencesReader, parseRegQuery, WindowsRegistryPolicyReader, type ManagedPolicyReader } from '../../../src/main/services/policy/managed-policy';
import { PolicyService, type TeamPolicySource } from '../../../src/main/services/policy/policy.service';

// The macOS and Windows readers over captured tool output (plutil -convert json, reg query); the
// merge of managed, team and local policy, strictest wins.
const fixture = (name: string) => readFile(fileURLToPath(new URL(`./fixtures/policy/${name}`, import.meta.url)), 'utf8');

describe('Windows registry reader', () => {
  it('reads REG_DWORD as switches, REG_MULTI_SZ as lists and REG_SZ as words', async () => {
    const output = await fixture('reg-query.txt');
    expect(parseRegQuery(output)).toEqual({
      requireCallerVerification: true,
      maskContacts: false,
      allowedTenants: ['prod', 'staging'],
      lastAuthenticatorRemoval: 'admin',
      securityAdmins: ['CORP\\alice'],
    });
    const calls: string[][] = [];
    const reader = new WindowsRegistryPolicyReader((file, args) => (calls.push([file, ...args]), Promise.resolve({ stdout: output })));
    const read = await reader.read();
    expect(calls).toEqual([['reg', 'query', 'HKLM\\SOFTWARE\\Policies\\Authdesk']]);
    expect(read).toMatchObject({ trusted: true, document: { lastAuthenticatorRemoval: 'admin', allowedTenants: ['prod', 'staging'] } });
  });

  it('no key means no policy', async () => {
    const reader = new WindowsRegistryPolicyReader(() => Promise.reject(new Error('ERROR: The system was unable to find the specified registry key or value.')));
    expect((await reader.read()).document).toBeNull();
  });
});

describe('macOS managed preferences reader', () => {
  it('converts the plist with plutil and normalises key fingerprints', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'authdesk-plist-'));
    const plist = join(dir, 'com.authdesk.policy.plist');
    await writeFile(plist, 'bplist00');
    const json = await fixture('plutil.json');
    const reader = new MacManagedPreferencesReader(plist, (file, args) => {
      expect([file, ...args]).toEqual(['/usr/bin/plutil', '-convert', 'json', '-o', '-', plist]);
      return Promise.resolve({ stdout: json });
    });
    const read = await reader.read();
    expect(read).toMatchObject({ trusted: true, document: { requireTicketId: true, trustedEvidenceKeys: ['ab'.repeat(32)] } });
    expect((await new MacManagedPreferencesReader(join(dir, 'absent.plist')).read()).document).toBeNull();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('strictest wins', () => {
  const fixed = (document: object | null): ManagedPolicyReader => ({ read: () => Promise.resolve({ document: document as never, location: "fixture", trusted: true, problems: [] }) });
  const team = (policy: Record<string, unknown>): TeamPolicySource => ({ getPolicy: () => Promise.resolve({ policy }) });

  it('switches are on when any source turns them on; tenants intersect; the last-authenticator rule is the most restrictive', async () => {
    const service = new PolicyService({
      managed: fixed({ allowedTenants: ['prod', 'staging'], lastAuthenticatorRemoval: 'admin', securityAdmins: ['alice'] }),
      team: () => team({ allowedTenants: ['prod', 'dev'], requireTicketId: true, lastAuthenticatorRemoval: 'anyone' }),
      account: 'alice',
    });
    const e = await service.effective();
    expect(e.role).toBe('admin');
    expect(e.settings.allowedTenants).toEqual({ value: ['prod'], source: 'team', locked: true });
    expect(e.settings.lastAuthenticatorRemoval).toEqual({ value: 'admin', source: 'managed', locked: true });
    expect(e.settings.requireTicketId).toEqual({ value: true, source: 'team', locked: true });
  });

  it('solo without any policy: one person is both roles, and local settings decide verification', async () => {
    const service = new PolicyService({ managed: fixed(null), local: { requireCallerVerification: () => Promise.resolve(false) }, account: 'me' });
    expect(await service.role()).toBe('admin');
    expect(await service.requireCallerVerification('t')).toBe(false);
    await expect(service.requireAdmin('coverage.run')).resolves.toBeUndefined();
  });

  it('a policy turns local weakening off, and an account it does not list is an agent', async () => {
    const service = new PolicyService({ managed: fixed({ requireCallerVerification: true }), local: { requireCallerVerification: () => Promise.resolve(false) }, account: 'me' });
    expect(await service.requireCallerVerification('t')).toBe(true);
    await expect(service.requireAdmin('evidence.export')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
