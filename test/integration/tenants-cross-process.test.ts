import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { TenantService } from '../../src/main/services/tenants/tenants.service';

// Two vaults over one data dir and one keychain service stand in for the desktop app and the CLI:
// each has its own in-process queue, so only the cross-process lock keeps their changes apart.
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-tenants-xproc-${process.pid}`;
const keychain = createKeychain(service);
const SECRET = 'cross-process-secret-0123456789';
const ROUNDS = 12;

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'authdesk-tenants-xproc-'));
});
afterEach(async () => {
  for (const account of await keychain.list()) await keychain.delete(account);
  await rm(dataDir, { recursive: true, force: true });
});

describe('tenant vault shared by two processes', () => {
  it('loses no add or rename when two vaults change tenants.json at the same time', async () => {
    const app = new TenantService({ dataDir, keychain });
    const cli = new TenantService({ dataDir, keychain });
    const add = (vault: TenantService, name: string) =>
      vault.add({ name, apiUrl: 'http://127.0.0.1:9/v1', tenantId: 't', secret: SECRET, testFirst: false, makeActive: false });

    // Each side adds its profiles and renames each one right after, interleaved with the other side.
    const side = async (vault: TenantService, prefix: string) => {
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        work.push(add(vault, `${prefix} ${i}`).then((added) => vault.rename(added.id, `${prefix} ${i} renamed`)));
      }
      return Promise.all(work);
    };
    await Promise.all([side(app, 'App'), side(cli, 'Cli')]);

    const file = JSON.parse(await readFile(join(dataDir, 'tenants.json'), 'utf8')) as { version: number; profiles: { id: string; name: string }[] };
    expect(file.version).toBe(1);
    const expected = [...Array(ROUNDS).keys()].flatMap((i) => [`App ${i} renamed`, `Cli ${i} renamed`]).sort();
    expect(file.profiles.map((p) => p.name).sort()).toEqual(expected);
    expect(new Set(file.profiles.map((p) => p.id)).size).toBe(2 * ROUNDS);
    // Both vaults see the same list, and every profile's secret is in the keychain.
    const seen = (await cli.list()).tenants;
    expect(seen.map((t) => t.name).sort()).toEqual(expected);
    expect(seen.every((t) => t.hasSecret)).toBe(true);
    // The lock dir is gone once nobody holds it.
    await expect(readFile(join(dataDir, 'tenants.json.lock'))).rejects.toThrow();
  });

  it('loses no rename when both vaults rename different profiles at the same time', async () => {
    const app = new TenantService({ dataDir, keychain });
    const cli = new TenantService({ dataDir, keychain });
    const ids: string[] = [];
    for (let i = 0; i < 2 * ROUNDS; i++) {
      ids.push((await app.add({ name: `T${i}`, apiUrl: 'http://127.0.0.1:9/v1', tenantId: 't', secret: SECRET, testFirst: false })).id);
    }
    // Even profiles renamed through one vault, odd through the other, all at once, twice over.
    for (const round of ['a', 'b']) {
      await Promise.all(ids.map((id, i) => (i % 2 === 0 ? app : cli).rename(id, `T${i} ${round}`)));
    }
    const file = JSON.parse(await readFile(join(dataDir, 'tenants.json'), 'utf8')) as { profiles: { id: string; name: string }[] };
    expect(file.profiles.map((p) => [p.id, p.name])).toEqual(ids.map((id, i) => [id, `T${i} b`]));
  });

  it('says what to do when another process holds the lock and does not let go', async () => {
    const vault = new TenantService({ dataDir, keychain, lockStaleMs: 2000 });
    const release = await lockfile.lock(join(dataDir, 'tenants.json'), { realpath: false, stale: 2000 });
    try {
      const failure = await vault
        .add({ name: 'Blocked', apiUrl: 'http://127.0.0.1:9/v1', tenantId: 't', secret: SECRET, testFirst: false })
        .catch((e: unknown) => e);
      expect(failure).toMatchObject({ code: 'unavailable' });
      expect((failure as Error).message).toContain('Wait for it to finish and try again');
    } finally {
      await release();
    }
    expect((await vault.list()).tenants).toEqual([]);
  }, 10_000);
});
