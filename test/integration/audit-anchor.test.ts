import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/main/services/container';
import { anchorAccount, keychainAnchor } from '../../src/main/services/audit/log-anchor';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { openTestHome, runCli, testKeychainService } from '../support/cli-home';

// The solo log's anchor in the real keychain (npm test's private gnome-keyring): a log cut short
// or emptied by hand, which verifies on its own, is reported as truncated by verify and status.

const service = testKeychainService('anchor');
const anchorKeychain = createKeychain(`${service}.audit-anchor`);
let home: string;
let services: Services;

const cli = (args: string[]) => runCli(args, { home, service });

beforeEach(async () => {
  await services?.close();
  ({ home, services } = await openTestHome('anchor', service));
  for (let i = 1; i <= 10; i++) {
    await services.audit.append({ action: 'user.lookup', tenant: { id: 't', name: 't' }, subject: { userId: `usr_${i}` }, details: { reason: 'caller' } });
  }
});
afterAll(async () => {
  await services.close();
  for (const account of await anchorKeychain.list()) await anchorKeychain.delete(account);
});

const logFile = () => join(home, 'audit', 'audit.jsonl');

describe('solo audit log anchor', () => {
  it('keeps the chain head in the keychain after every append', async () => {
    const stored = JSON.parse((await anchorKeychain.get(anchorAccount(logFile()))) ?? 'null') as { seq: number; hash: string };
    const last = JSON.parse((await readFile(logFile(), 'utf8')).trim().split('\n').at(-1) ?? '') as { seq: number; hash: string };
    expect(stored).toMatchObject({ seq: 10, hash: last.hash });
    const verified = await cli(['audit', 'verify']);
    expect(verified.code).toBe(0);
    expect((await cli(['audit', 'status'])).code).toBe(0);
  });

  it('reports a log cut short (head -n 7) as truncated, naming the last anchored entry', async () => {
    const lines = (await readFile(logFile(), 'utf8')).split('\n');
    const anchored = JSON.parse(lines[9]) as { hash: string };
    await writeFile(logFile(), `${lines.slice(0, 7).join('\n')}\n`);
    const verified = await cli(['audit', 'verify']);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/truncated/);
    expect(verified.stdout).toContain(`ends at seq 7, but the last anchored entry is seq 10 (hash ${anchored.hash})`);
    const status = await cli(['audit', 'status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^TRUNCATED: .*seq 10/);
    // Appends after the cut, even past the anchored seq, do not move the anchor back or over it:
    // the truncation stays visible.
    for (let i = 0; i < 5; i++) await services.audit.append({ action: 'user.lookup', details: {} });
    const after = await cli(['audit', 'verify']);
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/seq 10 is not the one anchored/);
  });

  it('reports an emptied or deleted log as truncated', async () => {
    await writeFile(logFile(), '');
    const emptied = await cli(['audit', 'verify', '--json']);
    expect(emptied.code).toBe(1);
    expect(JSON.parse(emptied.stdout)).toMatchObject({ ok: false, broken: { reason: 'truncated' } });
    expect((await cli(['audit', 'status'])).stdout).toMatch(/TRUNCATED: The audit log is empty, but it had been written up to seq 10/);
    await rm(logFile());
    expect((await cli(['audit', 'status'])).code).toBe(1);
  });

  it('reports a log rewritten to a different chain of the same length', async () => {
    // A self-consistent chain written from scratch by another data dir, copied over this one.
    const other = await mkdtemp(join(tmpdir(), 'authdesk-anchor-other-'));
    const forged = createServices({ dataDir: other, keychainService: `${service}-forger`, appVersion: 'test' });
    for (let i = 1; i <= 10; i++) await forged.audit.append({ action: 'user.lookup', details: { i } });
    await forged.close();
    await writeFile(logFile(), await readFile(join(other, 'audit', 'audit.jsonl')));
    const verified = await cli(['audit', 'verify']);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/rewritten/);
    for (const account of await createKeychain(`${service}-forger.audit-anchor`).list()) await createKeychain(`${service}-forger.audit-anchor`).delete(account);
    await rm(other, { recursive: true, force: true });
  });
});

describe('the anchor kept in the keychain', () => {
  const account = () => anchorAccount(logFile());
  const entriesOnDisk = async () => (await readFile(logFile(), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { seq: number; hash: string });
  const stored = async () => JSON.parse((await anchorKeychain.get(account())) ?? 'null') as unknown;

  it('stores exactly its version, seq and hash', async () => {
    const last = (await entriesOnDisk()).at(-1)!;
    expect(await anchorKeychain.get(account())).toBe(JSON.stringify({ v: 1, seq: 10, hash: last.hash }));
  });

  it('ignores an anchor it cannot read, and starts a new one at the next append', async () => {
    for (const text of ['not json', JSON.stringify({ v: 2, seq: 10, hash: 'a'.repeat(64) }), JSON.stringify({ v: 1, seq: -1, hash: 'a'.repeat(64) }), JSON.stringify({ v: 1, seq: 10, hash: 'A'.repeat(64) }), JSON.stringify({ v: 1, seq: 10, hash: 'a'.repeat(63) }), JSON.stringify({ v: 1, seq: 1.5, hash: 'a'.repeat(64) }), JSON.stringify({ v: 1, seq: 10, hash: `x${'a'.repeat(64)}` }), JSON.stringify({ v: 1, seq: 10, hash: `${'a'.repeat(64)}x` })]) {
      await anchorKeychain.set(account(), text);
      expect(await keychainAnchor(anchorKeychain, logFile()).read()).toBeNull();
      expect((await services.audit.verify()).ok).toBe(true);
    }
    const entry = await services.audit.append({ action: 'user.lookup', details: {} });
    expect(await stored()).toEqual({ v: 1, seq: 11, hash: entry.hash });
  });

  it('reads no anchor for a log that never had one', async () => {
    expect(await keychainAnchor(anchorKeychain, join(home, 'elsewhere.jsonl')).read()).toBeNull();
  });

  it('stays behind after a missed write until verify proves the chain through it, then catches up', async () => {
    const lines = await entriesOnDisk();
    await anchorKeychain.set(account(), JSON.stringify({ v: 1, seq: 5, hash: lines[4].hash }));
    // An append across the gap cannot check the link: the anchor does not move.
    await services.audit.append({ action: 'user.lookup', details: {} });
    expect(await stored()).toMatchObject({ seq: 5 });
    expect((await services.audit.status()).state).toBe('ok');
    const verified = await services.audit.verify();
    expect(verified).toMatchObject({ ok: true, entries: 11 });
    const last = (await entriesOnDisk()).at(-1)!;
    expect(await stored()).toEqual({ v: 1, seq: 11, hash: last.hash });
    // And appends follow it again.
    const next = await services.audit.append({ action: 'user.lookup', details: {} });
    expect(await stored()).toEqual({ v: 1, seq: 12, hash: next.hash });
  });

  it('does not follow an append that does not chain to the anchored entry', async () => {
    const anchor = keychainAnchor(anchorKeychain, logFile());
    const before = await anchor.read();
    await anchor.advance({ seq: 11, hash: 'b'.repeat(64) }, 'c'.repeat(64));
    expect(await anchor.read()).toEqual(before);
    await anchor.advance({ seq: 12, hash: 'b'.repeat(64) }, before!.hash);
    expect(await anchor.read()).toEqual(before);
    await anchor.advance({ seq: 11, hash: 'b'.repeat(64) }, before!.hash);
    expect(await anchor.read()).toEqual({ seq: 11, hash: 'b'.repeat(64) });
  });

  it('names a rewritten entry at the anchored seq in status and verify', async () => {
    await anchorKeychain.set(account(), JSON.stringify({ v: 1, seq: 10, hash: 'd'.repeat(64) }));
    const status = await services.audit.status();
    expect(status).toMatchObject({ state: 'truncated', lastSeq: 10 });
    expect(status.message).toContain('The entry at seq 10 is not the one anchored');
    const verified = await services.audit.verify();
    expect(verified).toMatchObject({ ok: false, entries: 9, broken: { line: 10, seq: 10, reason: 'rewritten' } });
    // A rewritten log is never caught up to.
    expect(await stored()).toMatchObject({ seq: 10, hash: 'd'.repeat(64) });
  });

  it('reports a deleted log as truncated in status, with the anchored seq', async () => {
    await rm(logFile());
    const status = await services.audit.status();
    expect(status).toMatchObject({ state: 'truncated', lastSeq: 0 });
    expect(status.message).toMatch(/^The audit log is empty, but it had been written up to seq 10/);
    expect(await services.audit.verify()).toMatchObject({ ok: false, entries: 0, broken: { reason: 'truncated', line: 1 } });
  });

  it('reports a log cut short in status and verify with the entries that remain', async () => {
    const raw = (await readFile(logFile(), 'utf8')).split('\n');
    await writeFile(logFile(), `${raw.slice(0, 4).join('\n')}\n`);
    expect(await services.audit.status()).toMatchObject({ state: 'truncated', lastSeq: 4 });
    expect(await services.audit.verify()).toMatchObject({ ok: false, entries: 4, broken: { reason: 'truncated', line: 5, seq: 5 } });
  });
});
