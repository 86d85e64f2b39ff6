import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeamCompareResult, TeamPage, TeamStatus } from '@shared/domain/team';
import { createServices, type Services } from '../../src/main/services/container';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { routerOver } from '../support/data-dir';
import { startPostgres, type TestPostgres } from '../support/postgres';

// The team:* channels over the real router and services (real keychain, real PostgreSQL): off by
// default, then an admin's computer that is also an agent sees the team log, filtered and paged.
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-team-ipc-${process.pid}`;
let server: TestPostgres;
let dataDir: string;
let services: Services;

beforeAll(async () => {
  server = await startPostgres();
  dataDir = await mkdtemp(join(tmpdir(), 'authdesk-team-ipc-'));
  services = createServices({ dataDir, keychainService: service, appVersion: 'test' });
}, 120_000);

afterAll(async () => {
  await services?.close();
  const keychain = createKeychain(`${service}.team`);
  for (const account of await keychain.list().catch(() => [])) await keychain.delete(account);
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('team:* channels', () => {
  it('are off without a team store, and leave the data dir as it was', async () => {
    const { ok, call } = routerOver(services);
    expect(await ok<TeamStatus>('team:status', {})).toMatchObject({ state: 'off', url: null, deviceId: null });
    expect(await call('team:list', {})).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await call('team:compare', {})).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await call('team:list', { limit: 0 })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await call('team:list', { role: 'x', extra: 1 })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await readdir(dataDir)).not.toContain('team');
  });

  it('show the team log to an admin with its filters and keyset pages, and the compare result', async () => {
    const { ok } = routerOver(services);
    const installer = services.team.open(server.url('postgres'), server.password, 1);
    await installer.install();
    await installer.addMember('desk_agent', 'desk-agent-password-1');
    await installer.addMember('other_agent', 'other-agent-password-1');
    await installer.close();
    await services.team.saveConnection('admin', server.url('postgres'), server.password);
    await services.team.saveConnection('agent', server.url('desk_agent'), 'desk-agent-password-1');
    for (let i = 0; i < 7; i += 1) {
      await services.audit.append({ action: i % 2 ? 'user.lookup' : 'user.search', subject: { userId: `user-${i % 3}` }, details: { ticket: `HD-${i}` } });
    }
    const status = await services.team.shipNow();
    expect(status).toMatchObject({ state: 'in-sync', shippedSeq: 7, waiting: 0 });
    expect(await ok<TeamStatus>('team:status', {})).toMatchObject({ state: 'in-sync', url: server.url('desk_agent'), deviceId: status.deviceId });

    const all = await ok<TeamPage>('team:list', { limit: 3 });
    expect(all.entries.map((e) => e.teamSeq)).toEqual([7, 6, 5]);
    expect(all.entries[0]).toMatchObject({ role: 'desk_agent', localSeq: 7, entry: { seq: 7, details: { ticket: 'HD-6' } } });
    const next = await ok<TeamPage>('team:list', { limit: 3, beforeSeq: all.nextBeforeSeq ?? 0 });
    expect(next.entries.map((e) => e.teamSeq)).toEqual([4, 3, 2]);
    expect((await ok<TeamPage>('team:list', { userId: 'user-1' })).entries.map((e) => e.localSeq)).toEqual([5, 2]);
    expect((await ok<TeamPage>('team:list', { ticket: 'HD-3' })).entries.map((e) => e.localSeq)).toEqual([4]);
    expect((await ok<TeamPage>('team:list', { role: 'other_agent' })).entries).toEqual([]);
    expect((await ok<TeamPage>('team:list', { role: 'desk_agent', action: 'user.lookup', from: new Date(Date.now() - 60_000).toISOString() })).entries).toHaveLength(3);
    expect((await ok<TeamPage>('team:list', { from: new Date(Date.now() + 3_600_000).toISOString() })).entries).toEqual([]);

    expect(await ok<TeamCompareResult>('team:compare', {})).toMatchObject({ ok: true, stored: { count: 7 }, unshipped: null });
  });
});
