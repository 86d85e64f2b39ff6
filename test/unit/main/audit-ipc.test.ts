import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../src/main/ipc/handlers';
import { createRouter, type Router } from '../../../src/main/ipc/router';
import { createServices, type Services } from '../../../src/main/services/container';

let dataDir: string;
let services: Services;
let router: Router;
const ctx = { transport: 'test' as const };

beforeEach(async () => {
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'audit-ipc-'));
  services = createServices({
    dataDir,
    keychainService: `authdesk-unit-${process.pid}`,
    appVersion: '0.0.0-test',
    // The local tenant profile needs no keychain; its URL is never called here.
    localTenant: { apiUrl: 'http://127.0.0.1:9/v1', tenantId: 'local', secret: 'unused-in-this-test' },
  });
  router = createRouter(createHandlers(services));
});
afterEach(async () => {
  await services.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('audit:* and settings:* over the router', () => {
  it('lists, verifies and reports status through the schemas', async () => {
    await services.audit.append({ action: 'user.lookup', tenant: { id: 'local', name: 'Local' }, subject: { userId: 'u-1' } });
    await services.audit.append({ action: 'user.search', tenant: { id: 'local', name: 'Local' }, details: { query: 'ali' } });
    const list = await router.handle('audit:list', { action: ['user.lookup'] }, ctx);
    expect(list).toMatchObject({ ok: true, value: { entries: [{ seq: 1, action: 'user.lookup' }], nextCursor: null } });
    expect(await router.handle('audit:verify', {}, ctx)).toMatchObject({ ok: true, value: { ok: true, entries: 2 } });
    expect(await router.handle('audit:status', {}, ctx)).toMatchObject({ ok: true, value: { state: 'ok', lastSeq: 2 } });
  });

  it('rejects malformed filters with paths, never values', async () => {
    const bad = await router.handle('audit:list', { cursor: 'x; rm -rf /', limit: 10_000, action: ['DROP TABLE'] }, ctx);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('validation');
      expect(bad.error.issues?.map((i) => i.path).sort()).toEqual(['action.0', 'cursor', 'limit']);
      expect(JSON.stringify(bad.error)).not.toContain('rm -rf');
    }
    const range = await router.handle('audit:list', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, ctx);
    expect(!range.ok && range.error.issues?.[0]?.path).toBe('from');
    expect((await router.handle('audit:repair', {}, ctx)).ok).toBe(false);
  });

  it('repairs a torn tail only when confirmed', async () => {
    await services.audit.append({ action: 'user.lookup', tenant: null });
    await appendFile(services.audit.file, '{"half an entr');
    expect(await router.handle('audit:status', {}, ctx)).toMatchObject({ ok: true, value: { state: 'torn', tornBytes: 14 } });
    const refused = await router.handle('settings:update', { agentName: 'Dana' }, ctx);
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const repaired = await router.handle('audit:repair', { confirm: true }, ctx);
    expect(repaired).toMatchObject({ ok: true, value: { kind: 'quarantined', entry: { seq: 2, action: 'log.recovered' } } });
    expect(await router.handle('audit:verify', {}, ctx)).toMatchObject({ ok: true, value: { ok: true, entries: 2, recoveries: 1 } });
  });

  it('gets and updates settings, naming the tenant in the audit entry', async () => {
    expect(await router.handle('settings:get', {}, ctx)).toMatchObject({ ok: true, value: { agentName: null, staleAfterDays: 180 } });
    const updated = await router.handle('settings:update', { agentName: 'Dana', tenantPolicies: { local: { requireCallerVerification: false } } }, ctx);
    expect(updated).toMatchObject({ ok: true, value: { agentName: 'Dana', tenantPolicies: { local: { requireCallerVerification: false } } } });
    const single = await router.handle('settings:update', { tenantPolicies: { local: null } }, ctx);
    expect(single.ok).toBe(true);
    const page = await services.audit.query({ action: ['settings.update'], limit: 10 });
    expect(page.entries.map((e) => e.tenant)).toEqual([{ id: 'local', name: 'Local tenant' }, null]);
    expect(page.entries[0].actor.agentName).toBe('Dana');
    const unknown = await router.handle('settings:update', { tenantPolicies: { ghost: { requireCallerVerification: false } } }, ctx);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const invalid = await router.handle('settings:update', { staleAfterDays: -1 }, ctx);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path: 'staleAfterDays' }] } });
  });
});
