import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { createServices, type Services } from '../../src/main/services/container';
import { createHandlers } from '../../src/main/ipc/handlers';
import { createRouter } from '../../src/main/ipc/router';
import { main } from '../../src/main/cli';
import type { AuditEntry } from '@shared/domain/audit';

// Tenant changes in the audit log, through the real container (vault + log + settings), the real
// keychain (npm test's private gnome-keyring), the emulator over HTTP and a temp data dir.
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-tenants-audit-${process.pid}`;
const keychain = createKeychain(service);
const SECRET = 'emulator-secret-audit-0123456789';
const ROTATED = 'rotated-secret-audit-9876543210';
const WRONG = 'wrong-secret-audit-5555555555';

let emu: RunningEmulator;
let dataDir: string;
let services: Services;

beforeAll(async () => {
  emu = await startEmulator({ secret: SECRET, tenantId: 'emu-tenant' });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authdesk-tenants-audit-'));
  services = createServices({
    dataDir,
    keychainService: service,
    appVersion: '9.9.9',
    localTenant: { apiUrl: emu.apiUrl, tenantId: emu.tenantId, secret: SECRET },
  });
});
afterEach(async () => {
  await services.close();
  for (const account of await keychain.list()) await keychain.delete(account);
  await rm(dataDir, { recursive: true, force: true });
});

/** Every entry on disk, oldest first, read from the file itself (not through the service). */
async function entriesOnDisk(): Promise<AuditEntry[]> {
  const text = await readFile(join(dataDir, 'audit', 'audit.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);
}

/** The log file's text, to prove no secret reached the disk in any field. */
const logText = () => readFile(join(dataDir, 'audit', 'audit.jsonl'), 'utf8');

describe('tenant changes in the audit log', () => {
  it('records add, rename, switch, rotate and remove with their outcome, never a secret, and the chain verifies', async () => {
    await services.settings.update({ agentName: 'Ada (helpdesk)' });
    const { tenants } = services;

    await expect(tenants.add({ name: 'Prod', apiUrl: emu.apiUrl, tenantId: 'emu-tenant', secret: WRONG })).rejects.toMatchObject({ code: 'unauthorized' });
    await tenants.add({ name: 'Prod', apiUrl: emu.apiUrl, tenantId: 'emu-tenant', secret: SECRET, makeActive: false });
    await tenants.rename('prod', 'Prod EU');
    await tenants.setActive('prod');
    await expect(tenants.rotateSecret('prod', WRONG)).rejects.toMatchObject({ code: 'unauthorized' });
    const rotated = await tenants.rotateSecret('prod', ROTATED, false);
    await tenants.setActive('local');
    await expect(tenants.remove('local')).rejects.toMatchObject({ code: 'validation' });
    await tenants.remove('prod');

    const entries = (await entriesOnDisk()).filter((e) => e.action.startsWith('tenant.'));
    expect(entries.map((e) => [e.action, e.outcome, e.tenant?.id ?? null])).toEqual([
      ['tenant.add', 'error', null],
      ['tenant.add', 'ok', 'prod'],
      ['tenant.rename', 'ok', 'prod'],
      ['tenant.switch', 'ok', 'prod'],
      ['tenant.rotate', 'error', 'prod'],
      ['tenant.rotate', 'ok', 'prod'],
      ['tenant.switch', 'ok', 'local'],
      ['tenant.remove', 'error', 'local'],
      ['tenant.remove', 'ok', 'prod'],
    ]);
    const [refusedAdd, added, renamed, switched, refusedRotate, rotation, , refusedRemove, removed] = entries;
    expect(refusedAdd.details).toMatchObject({ name: 'Prod', apiUrl: emu.apiUrl, tenantId: 'emu-tenant', testFirst: true });
    expect(refusedAdd.error?.code).toBe('unauthorized');
    expect(added.details).toMatchObject({ name: 'Prod', tenantId: 'emu-tenant', makeActive: false });
    expect(added.tenant).toEqual({ id: 'prod', name: 'Prod' });
    expect(renamed.details).toEqual({ from: 'Prod', to: 'Prod EU' });
    expect(switched.details).toEqual({ from: 'local' });
    expect(refusedRotate.error?.message).toMatch(/^The old secret was kept/);
    expect(rotation.details).toEqual({ testFirst: false, fingerprint: rotated.secretFingerprint });
    expect(refusedRemove.error?.code).toBe('validation');
    expect(removed.tenant).toEqual({ id: 'prod', name: 'Prod EU' });
    // Every entry names the agent from settings and the OS user.
    for (const e of entries) expect(e.actor.agentName).toBe('Ada (helpdesk)');
    // No secret reached the log in any field, not even in the details of a refused change; and the
    // vault never offered one (no key was redacted by the sanitizer on the way in).
    const text = await logText();
    for (const s of [SECRET, ROTATED, WRONG]) expect(text).not.toContain(s);
    for (const e of entries) expect(e.redacted).toBeUndefined();

    const verified = await services.audit.verify();
    expect(verified).toMatchObject({ ok: true });
    expect(verified.entries).toBe((await entriesOnDisk()).length);
  });

  it('records changes made through the IPC router and through bin/authdesk alike', async () => {
    const router = createRouter(createHandlers(services));
    const ctx = { transport: 'test' as const };
    const added = await router.handle('tenants:add', { name: 'Via IPC', apiUrl: emu.apiUrl, tenantId: 'emu-tenant', secret: SECRET }, ctx);
    expect(added.ok).toBe(true);
    const switched = await router.handle('tenants:set-active', { id: 'local' }, ctx);
    expect(switched.ok).toBe(true);

    // The CLI builds its own container over the same data dir and keychain service: another
    // writer of the same log, as when the app and a terminal run side by side.
    let output = '';
    const code = await main(['tenant', 'rename', 'via-ipc', 'Via CLI'], {
      stdin: Object.assign(Readable.from([]), { isTTY: false }),
      stdout: { write: (s: string) => (output += s) },
      stderr: { write: (s: string) => (output += s) },
      env: { ...process.env, AUTHDESK_HOME: dataDir, AUTHDESK_KEYCHAIN_SERVICE: service },
      platform: process.platform,
    });
    expect(code, output).toBe(0);

    const entries = (await entriesOnDisk()).filter((e) => e.action.startsWith('tenant.'));
    expect(entries.map((e) => [e.action, e.outcome, e.tenant?.id])).toEqual([
      ['tenant.add', 'ok', 'via-ipc'],
      ['tenant.switch', 'ok', 'local'],
      ['tenant.rename', 'ok', 'via-ipc'],
    ]);
    expect(await logText()).not.toContain(SECRET);
    expect(await services.audit.verify()).toMatchObject({ ok: true, entries: 3 });
  });

  it('refuses a change the log cannot record, and changes nothing (fail closed)', async () => {
    await services.tenants.add({ name: 'Prod', apiUrl: emu.apiUrl, tenantId: 'emu-tenant', secret: SECRET });
    // A crash mid-append leaves a torn tail: nothing more may happen until it is repaired.
    await appendFile(join(dataDir, 'audit', 'audit.jsonl'), '{"v":1,"seq":2,"ts":"2026-');

    await expect(services.tenants.rename('prod', 'Renamed')).rejects.toMatchObject({ code: 'conflict' });
    await expect(services.tenants.remove('prod')).rejects.toMatchObject({ code: 'conflict' });
    const { tenants } = await services.tenants.list();
    expect(tenants.find((t) => t.id === 'prod')).toMatchObject({ name: 'Prod', hasSecret: true });
    expect(await keychain.get('prod')).toBe(SECRET);

    await services.audit.repair();
    await services.tenants.rename('prod', 'Renamed');
    const actions = (await entriesOnDisk()).map((e) => e.action);
    expect(actions).toEqual(['tenant.add', 'log.recovered', 'tenant.rename']);
    expect(await services.audit.verify()).toMatchObject({ ok: true });
  });
});
