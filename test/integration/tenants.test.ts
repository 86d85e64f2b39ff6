import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { TenantService } from '../../src/main/services/tenants/tenants.service';
import { createServices } from '../../src/main/services/container';
import { createHandlers } from '../../src/main/ipc/handlers';
import { createRouter } from '../../src/main/ipc/router';
import type { TenantList } from '@shared/ipc/channels/tenants';
import { STRICT } from '../support/emulator-profile';

// Real everything: the emulator over HTTP through @authsignal/node, the real keychain (npm test's
// private gnome-keyring), a real temp data dir.
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-tenants-${process.pid}`;
const keychain = createKeychain(service);
const SECRET = 'emulator-secret-value-0123456789';

let emu: RunningEmulator;
let dataDir: string;
let tenants: TenantService;

beforeAll(async () => {
  emu = await startEmulator({ secret: SECRET, tenantId: 'emu-tenant' });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authdesk-tenants-'));
  tenants = new TenantService({ dataDir, keychain });
});
afterEach(async () => {
  emu.setFaults({ latencyMs: 0, jitterMs: 0, rateLimit: 0, errorRate: 0, resetRate: 0 });
  for (const account of await keychain.list()) await keychain.delete(account);
  await rm(dataDir, { recursive: true, force: true });
});

const addDemo = (extra: Record<string, unknown> = {}) =>
  tenants.add({ name: 'Demo', apiUrl: emu.apiUrl, tenantId: 'emu-tenant', secret: SECRET, ...extra });

describe('TenantService against the emulator and the real keychain', () => {
  it('adds a tested profile: file without the secret (0600), secret in the keychain', async () => {
    const added = await addDemo();
    expect(added).toMatchObject({ id: 'demo', name: 'Demo', kind: 'remote', apiUrl: emu.apiUrl, active: true, hasSecret: true });
    expect(added.secretFingerprint).toMatch(/^[0-9a-f]{8}$/);
    expect(JSON.stringify(added)).not.toContain(SECRET);

    const file = join(dataDir, 'tenants.json');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toMatchObject({ version: 1, activeId: 'demo', profiles: [{ id: 'demo', apiUrl: emu.apiUrl }] });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await keychain.get('demo')).toBe(SECRET);
  });

  it('refuses to save a secret the tenant rejects, and says to check the secret and the region', async () => {
    const failure = await addDemo({ secret: 'wrong-secret-value' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'unauthorized' });
    expect((failure as Error).message).toMatch(/^Nothing was saved: .*check the secret and the region/i);
    expect((failure as Error).message).not.toContain('wrong-secret-value');
    expect(await keychain.list()).toEqual([]);
    expect((await tenants.list()).tenants).toEqual([]);
  });

  it('refuses to save when nothing answers, naming the host, unless the test is skipped', async () => {
    const closed = await closedPort();
    const apiUrl = `http://127.0.0.1:${closed}/v1`;
    const failure = await addDemo({ apiUrl }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'unavailable' });
    expect((failure as Error).message).toContain(`127.0.0.1:${closed}`);
    expect((failure as Error).message).toContain('--no-test');
    expect((await tenants.list()).tenants).toEqual([]);

    const saved = await addDemo({ apiUrl, testFirst: false });
    expect(saved.id).toBe('demo');
  });

  it('tests saved profiles and candidate credentials', async () => {
    await addDemo();
    const good = await tenants.test({ id: 'demo' });
    expect(good.ok).toBe(true);
    expect(good.message).toContain(new URL(emu.apiUrl).host);
    expect(good.latencyMs).toBeGreaterThanOrEqual(0);

    const bad = await tenants.test({ apiUrl: emu.apiUrl, secret: 'nope-nope-nope' });
    expect(bad).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(bad.message).toMatch(/check the secret and the region/i);

    await expect(tenants.test({ id: 'missing' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('reports rate limiting with the Retry-After the server sent (strict sends none: then it says to wait a while)', async () => {
    await addDemo();
    emu.setFaults({ rateLimit: 1 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await tenants.test({ id: 'demo' }));
    const limited = results.find((r) => !r.ok);
    expect(limited).toMatchObject({ ok: false, code: 'rate-limited' });
    expect(limited?.message).toMatch(STRICT ? /Wait a little while and try again/ : /Wait \d+ s/);
  });

  it('rotates a secret only after the new one works', async () => {
    const before = await addDemo();
    await expect(tenants.rotateSecret('demo', 'another-wrong-secret')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await keychain.get('demo')).toBe(SECRET);

    // Without the test the new secret is stored as given; the fingerprint follows it.
    const rotated = await tenants.rotateSecret('demo', 'rotated-secret-value', false);
    expect(rotated.secretFingerprint).not.toBe(before.secretFingerprint);
    expect(await keychain.get('demo')).toBe('rotated-secret-value');
    expect((await tenants.test({ id: 'demo' })).code).toBe('unauthorized');
    await tenants.rotateSecret('demo', SECRET);
    expect((await tenants.test({ id: 'demo' })).ok).toBe(true);
  });

  it('renames, switches the active tenant, refuses duplicate names, and removes with the keychain entry', async () => {
    await addDemo();
    const second = await tenants.add({ name: 'Prod EU', region: 'eu', tenantId: 't-eu', secret: 'eu-secret-value', testFirst: false, makeActive: false });
    expect(second).toMatchObject({ id: 'prod-eu', region: 'eu', apiUrl: 'https://eu.api.authsignal.com/v1', active: false });
    await expect(tenants.add({ name: 'demo', region: 'us', tenantId: 't', secret: 's', testFirst: false })).rejects.toMatchObject({ code: 'conflict' });
    await expect(tenants.rename('prod-eu', 'DEMO')).rejects.toMatchObject({ code: 'conflict' });

    expect((await tenants.rename('prod-eu', 'Production EU')).name).toBe('Production EU');
    expect((await tenants.resolve('production eu')).id).toBe('prod-eu');
    expect((await tenants.setActive('prod-eu')).activeId).toBe('prod-eu');
    expect((await tenants.activeTenant())?.tenantId).toBe('t-eu');

    const afterRemove = await tenants.remove('prod-eu');
    expect(afterRemove).toEqual({ tenants: [expect.objectContaining({ id: 'demo', active: false })], activeId: null });
    expect(await keychain.get('prod-eu')).toBeNull();
    await expect(tenants.remove('prod-eu')).rejects.toMatchObject({ code: 'not-found' });
    await expect(tenants.activeClient()).rejects.toMatchObject({ code: 'not-found' });
  });

  it('shows a missing keychain entry as hasSecret: false and says how to fix it', async () => {
    await addDemo();
    await keychain.delete('demo');
    expect((await tenants.get('demo')).hasSecret).toBe(false);
    await expect(tenants.test({ id: 'demo' })).rejects.toThrow(/tenant rotate demo/);
  });

  it('caches one SDK client per profile and secret, and calls the tenant through withClient', async () => {
    await addDemo();
    const a = await tenants.activeClient();
    expect(await tenants.clientFor('demo')).toBe(a);
    const user = await tenants.withClient((client) => client.getUser({ userId: 'someone' }));
    expect(user.isEnrolled).toBe(false);

    await tenants.rotateSecret('demo', 'changed-secret-value', false);
    const b = await tenants.activeClient();
    expect(b).not.toBe(a);
    const failure = await tenants.withClient((client) => client.getUser({ userId: 'someone' })).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'unauthorized' });
    expect((failure as Error).message).not.toContain('changed-secret-value');
  });

  it('announces every change', async () => {
    const seen: TenantList[] = [];
    tenants.onChange((list) => seen.push(list));
    await addDemo();
    await tenants.rename('demo', 'Demo 2');
    await tenants.remove('demo');
    await expect.poll(() => seen.length).toBe(3);
    expect(seen.map((l) => l.tenants.map((t) => t.name))).toEqual([['Demo'], ['Demo 2'], []]);
  });

  it('reports a damaged tenants.json instead of overwriting it', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dataDir, 'tenants.json'), '{"version":1,');
    await expect(tenants.list()).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/damaged.*Move it aside/) as unknown });
    await expect(addDemo()).rejects.toMatchObject({ code: 'internal' });
    expect(await readFile(join(dataDir, 'tenants.json'), 'utf8')).toBe('{"version":1,');
  });
});

describe('the built-in local tenant', () => {
  let local: TenantService;
  beforeEach(() => {
    local = new TenantService({ dataDir, keychain, localTenant: { apiUrl: emu.apiUrl, tenantId: emu.tenantId, secret: SECRET } });
  });

  it('is listed and active while no other tenant is, with its secret in memory only', async () => {
    const list = await local.list();
    expect(list.activeId).toBe('local');
    expect(list.tenants).toEqual([expect.objectContaining({ id: 'local', kind: 'local', active: true, hasSecret: true, tenantId: 'emu-tenant' })]);
    expect(await keychain.list()).toEqual([]);
    expect((await local.test({ id: 'local' })).ok).toBe(true);
    expect((await local.withClient((c) => c.getUser({ userId: 'x' }))).isEnrolled).toBe(false);
  });

  it('gives way to an added tenant and comes back when that one is removed or deselected', async () => {
    await local.add({ name: 'Demo', apiUrl: emu.apiUrl, tenantId: 't1', secret: SECRET });
    expect((await local.list()).activeId).toBe('demo');
    expect((await local.setActive('local')).activeId).toBe('local');
    await local.setActive('demo');
    await local.remove('demo');
    expect((await local.activeTenant())?.kind).toBe('local');
  });

  it('cannot be removed, renamed or rotated, and its name is taken', async () => {
    await expect(local.remove('local')).rejects.toMatchObject({ code: 'validation', message: expect.stringMatching(/built into Authdesk/) as unknown });
    await expect(local.rename('local', 'Mine')).rejects.toMatchObject({ code: 'validation' });
    await expect(local.rotateSecret('local', 'x')).rejects.toMatchObject({ code: 'validation' });
    await expect(local.add({ name: 'Local tenant', region: 'us', tenantId: 't', secret: 's', testFirst: false })).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('tenants:* over the router', () => {
  it('never returns the secret and validates before the service runs', async () => {
    const services = createServices({ dataDir, keychainService: service, appVersion: '9.9.9', localTenant: { apiUrl: emu.apiUrl, tenantId: emu.tenantId, secret: SECRET } });
    const router = createRouter(createHandlers(services));
    const ctx = { transport: 'test' as const };
    const added = await router.handle('tenants:add', { name: 'Demo', apiUrl: emu.apiUrl, tenantId: 't1', secret: SECRET }, ctx);
    expect(added).toMatchObject({ ok: true, value: { id: 'demo', hasSecret: true } });
    const listed = await router.handle('tenants:list', {}, ctx);
    expect(listed).toMatchObject({ ok: true, value: { activeId: 'demo' } });
    const tested = await router.handle('tenants:test', { id: 'demo' }, ctx);
    expect(tested).toMatchObject({ ok: true, value: { ok: true } });
    const bad = await router.handle('tenants:add', { name: 'X', apiUrl: 'not a url', tenantId: 't1', secret: 'typed-secret-value' }, ctx);
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path: 'apiUrl' }] } });
    const info = await router.handle('app:info', {}, ctx);
    expect(info).toEqual({ ok: true, value: { version: '9.9.9', platform: process.platform, localTenant: false, localTenantUrl: new URL(emu.apiUrl).origin } });
    for (const result of [added, listed, tested, bad, info]) {
      expect(JSON.stringify(result)).not.toContain(SECRET);
      expect(JSON.stringify(result)).not.toContain('typed-secret-value');
    }
    await services.close();
  });
});

/** A port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
