import { mkdtemp, readFile, readdir, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsPatch, defaultSettings } from '@shared/domain/settings';
import type { AuditEntry } from '@shared/domain/audit';
import { AuditLogService } from '../../../src/main/services/audit/audit-log.service';
import { SettingsService } from '../../../src/main/services/settings/settings.service';

let dataDir: string;
let audit: AuditLogService;
let settings: SettingsService;
const profiles: Record<string, string> = { local: 'Local tenant', prod: 'Production' };

beforeEach(async () => {
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'settings-unit-'));
  settings = new SettingsService({
    dataDir,
    audit: () => audit,
    tenantName: (id) => Promise.resolve(profiles[id]),
  });
  audit = new AuditLogService({ dataDir, agentName: () => settings.agentName(), lockStaleMs: 2000 });
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const patch = (p: Parameters<typeof SettingsPatch.parse>[0]) => settings.update(SettingsPatch.parse(p));
const logged = async () =>
  (await readFile(audit.file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);

describe('SettingsService', () => {
  it('starts from the defaults: verification required, 180 days, authdesk-enroll', async () => {
    expect(await settings.get()).toEqual({
      agentName: null,
      staleAfterDays: 180,
      enrollmentActionCode: 'authdesk-enroll',
      tenantPolicies: {},
    });
    expect(await settings.policyFor('prod')).toEqual({ requireCallerVerification: true });
  });

  it('saves atomically to settings.json, owner-only, and reads it back in a new instance', async () => {
    await patch({ agentName: 'Dana (Tier 1)', staleAfterDays: 90, enrollmentActionCode: 'helpdesk-enroll' });
    const again = new SettingsService({ dataDir });
    expect(await again.get()).toMatchObject({ agentName: 'Dana (Tier 1)', staleAfterDays: 90, enrollmentActionCode: 'helpdesk-enroll' });
    const file = JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8')) as Record<string, unknown>;
    expect(file.version).toBe(1);
    if (process.platform !== 'win32') expect((await stat(join(dataDir, 'settings.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('stores only policies that differ from the default, and null resets one', async () => {
    await patch({ tenantPolicies: { prod: { requireCallerVerification: false } } });
    expect(await settings.policyFor('prod')).toEqual({ requireCallerVerification: false });
    expect(await settings.policyFor('local')).toEqual({ requireCallerVerification: true });
    await patch({ tenantPolicies: { prod: null } });
    expect((await settings.get()).tenantPolicies).toEqual({});
    await patch({ tenantPolicies: { prod: { requireCallerVerification: false } } });
    await patch({ tenantPolicies: { prod: { requireCallerVerification: true } } });
    expect((await settings.get()).tenantPolicies).toEqual({});
  });

  it('refuses a policy for a tenant that does not exist', async () => {
    await expect(patch({ tenantPolicies: { nope: { requireCallerVerification: false } } })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('records each change in the audit log, with the new agent name on later entries', async () => {
    await patch({ agentName: 'Dana' });
    await patch({ tenantPolicies: { prod: { requireCallerVerification: false } } });
    await patch({ agentName: 'Dana' }); // no change: not saved, not recorded
    const entries = await logged();
    expect(entries.map((e) => e.action)).toEqual(['settings.update', 'settings.update']);
    expect(entries[0]).toMatchObject({ tenant: null, details: { changes: [{ setting: 'agentName', from: null, to: 'Dana' }] } });
    // The entry is written once the change is saved, so it already carries the chosen name (the
    // details keep the old one).
    expect(entries[0].actor.agentName).toBe('Dana');
    expect(entries[1]).toMatchObject({
      tenant: { id: 'prod', name: 'Production' },
      actor: { agentName: 'Dana' },
      details: { changes: [{ setting: 'tenantPolicies.prod.requireCallerVerification', tenantId: 'prod', from: true, to: false }] },
    });
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 2 });
  });

  it('saves nothing when the audit log cannot record the change', async () => {
    await patch({ agentName: 'Dana' });
    await appendFile(audit.file, '{"torn":');
    await expect(patch({ tenantPolicies: { prod: { requireCallerVerification: false } } })).rejects.toMatchObject({ code: 'conflict' });
    expect(await settings.policyFor('prod')).toEqual({ requireCallerVerification: true });
  });

  it('falls back per field to the safe default when the file was edited badly', async () => {
    await writeFile(
      join(dataDir, 'settings.json'),
      JSON.stringify({ version: 1, agentName: 'Dana', staleAfterDays: -4, enrollmentActionCode: 'has spaces', tenantPolicies: { prod: { requireCallerVerification: 'no' } } }),
    );
    const view = await settings.get();
    expect(view).toMatchObject({ agentName: 'Dana', staleAfterDays: 180, enrollmentActionCode: 'authdesk-enroll', tenantPolicies: {} });
    expect(view.problem).toMatch(/staleAfterDays, enrollmentActionCode, tenantPolicies/);
    expect(await settings.policyFor('prod')).toEqual({ requireCallerVerification: true });
  });

  it('keeps an unreadable file aside instead of overwriting it', async () => {
    await writeFile(join(dataDir, 'settings.json'), '{ not json');
    expect((await settings.get()).problem).toMatch(/could not be read/);
    expect(await settings.agentName()).toBeNull();
    await patch({ agentName: 'Dana' });
    const kept = (await readdir(dataDir)).filter((f) => f.startsWith('settings.json.unreadable-'));
    expect(kept).toHaveLength(1);
    expect(await readFile(join(dataDir, kept[0]), 'utf8')).toBe('{ not json');
    expect(await settings.get()).toEqual({ ...defaultSettings(), agentName: 'Dana' });
  });

  it('validates patches: names, action codes, days, unknown keys', () => {
    expect(SettingsPatch.safeParse({ agentName: '' }).success).toBe(false);
    expect(SettingsPatch.safeParse({ enrollmentActionCode: 'a b' }).success).toBe(false);
    expect(SettingsPatch.safeParse({ staleAfterDays: 0 }).success).toBe(false);
    expect(SettingsPatch.safeParse({ staleAfterDays: 1.5 }).success).toBe(false);
    expect(SettingsPatch.safeParse({ theme: 'dark' }).success).toBe(false);
    expect(SettingsPatch.safeParse({ tenantPolicies: { prod: { requireCallerVerification: false, extra: 1 } } }).success).toBe(false);
    expect(SettingsPatch.safeParse({ agentName: '  Dana  ' }).data).toEqual({ agentName: 'Dana' });
  });
});
