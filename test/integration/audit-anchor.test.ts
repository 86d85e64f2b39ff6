import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../src/main/services/container';
import { anchorAccount } from '../../src/main/services/audit/log-anchor';
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
