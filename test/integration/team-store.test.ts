import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLogService } from '../../src/main/services/audit/audit-log.service';
import { parseTeamUrl } from '../../src/main/services/audit/team/connection';
import { TeamStore } from '../../src/main/services/audit/team/team-store';
import { startPostgres, type TestPostgres } from '../support/postgres';

const containing = (text: string): unknown => expect.stringContaining(text);
const hashOfLine = (line: string): string => (JSON.parse(line) as { hash: string }).hash;

// The team store against a real PostgreSQL: install, roles and grants, idempotent appends, the
// append-only triggers and chain verification. Nothing here is mocked.

let server: TestPostgres;
let tmp: string;
const stores: TeamStore[] = [];
const PASSWORDS = { alice: 'alice-password-123', bob: 'bob-password-4567', root_admin: 'admin-password-890' };

function storeAs(role: string, password: string): TeamStore {
  const store = new TeamStore(parseTeamUrl(server.url(role)), password);
  stores.push(store);
  return store;
}

async function clientAs(role: keyof typeof PASSWORDS): Promise<pg.Client> {
  const client = new pg.Client({ host: server.host, port: server.port, database: server.database, user: role, password: PASSWORDS[role] });
  await client.connect();
  return client;
}

/** Real local audit entries (their exact lines), written by the real audit log service. */
async function localLines(count: number, name: string = randomUUID()): Promise<string[]> {
  const dataDir = join(tmp, name);
  const audit = new AuditLogService({ dataDir, agentName: () => 'Alice (label)' });
  for (let i = 0; i < count; i += 1) {
    await audit.append({ action: 'user.lookup', subject: { userId: `user-${i}` }, details: { ticket: `T-${i % 3}` } });
  }
  return (await readFile(audit.file, 'utf8')).split('\n').filter(Boolean);
}

let installer: TeamStore;

beforeAll(async () => {
  server = await startPostgres();
  tmp = await mkdtemp(join(tmpdir(), 'authdesk-team-store-'));
  installer = storeAs('postgres', server.password);
}, 120_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('install', () => {
  it('applies the migrations once, is safe to run twice, and records who ran it and when', async () => {
    expect(await installer.installed()).toBe(false);
    const first = await installer.install();
    expect(first.applied).toEqual(['0001_team-store']);
    expect(first.installedBy).toBe('postgres');
    const second = await installer.install();
    expect(second.applied).toEqual([]);
    expect(second.history.map((h) => `${h.by}:${h.action}`)).toEqual(['postgres:schema', 'postgres:init', 'postgres:checked']);
    expect(Date.parse(second.history[0].at)).toBeGreaterThan(Date.now() - 120_000);
    expect(await installer.installed()).toBe(true);
  });

  it('creates agent and admin roles with a password the server checks', async () => {
    expect(await installer.addMember('alice', PASSWORDS.alice)).toEqual({ created: true });
    expect(await installer.addMember('bob', PASSWORDS.bob)).toEqual({ created: true });
    expect(await installer.addMember('root_admin', PASSWORDS.root_admin, 'admin')).toEqual({ created: true });
    // Again: the password is replaced, nothing fails.
    expect(await installer.addMember('bob', PASSWORDS.bob)).toEqual({ created: false });
    expect(await storeAs('alice', PASSWORDS.alice).whoami()).toEqual({ role: 'alice', agent: true, admin: false });
    expect(await storeAs('root_admin', PASSWORDS.root_admin).whoami()).toEqual({ role: 'root_admin', agent: false, admin: true });
    await expect(storeAs('alice', 'wrong-password-000').whoami()).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(installer.addMember('Robert"; DROP', 'x'.repeat(12))).rejects.toMatchObject({ code: 'validation' });
    await expect(installer.addMember('carol', 'short')).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('appending', () => {
  const aliceDevice = randomUUID();
  const bobDevice = randomUUID();

  it('assigns the team sequence, server time and the authenticated role, and is idempotent on retry', async () => {
    const alice = storeAs('alice', PASSWORDS.alice);
    const lines = await localLines(5, 'alice');
    const first = await alice.append(aliceDevice, lines.slice(0, 3));
    expect(first.map((r) => [r.localSeq, r.teamSeq, r.duplicate])).toEqual([
      [1, 1, false],
      [2, 2, false],
      [3, 3, false],
    ]);
    // A retried shipment (the same batch and one more) stores nothing twice.
    const retry = await alice.append(aliceDevice, lines.slice(1, 5));
    expect(retry.map((r) => [r.localSeq, r.teamSeq, r.duplicate])).toEqual([
      [2, 2, true],
      [3, 3, true],
      [4, 4, false],
      [5, 5, false],
    ]);
    expect(retry[0].hash).toBe(first[1].hash);
    expect(await alice.deviceHead(aliceDevice)).toMatchObject({ localSeq: 5, count: 5, localHash: hashOfLine(lines[4]) });
    const admin = storeAs('root_admin', PASSWORDS.root_admin);
    const page = await admin.query({ limit: 50 });
    expect(page.entries.map((e) => [e.teamSeq, e.role, e.localSeq])).toEqual([5, 4, 3, 2, 1].map((n) => [n, 'alice', n]));
    expect(page.entries[4].entryText).toBe(lines[0]);
  });

  it('refuses a changed entry for a shipped seq, a gap, and a chain that does not continue', async () => {
    const alice = storeAs('alice', PASSWORDS.alice);
    const lines = await localLines(7, 'alice-2');
    const other = JSON.parse(lines[0]) as Record<string, unknown>;
    // The device already shipped seq 1..5 from another log: its seq 1 differs.
    await expect(alice.append(aliceDevice, [JSON.stringify({ ...other, details: { ticket: 'EDITED' } })])).rejects.toMatchObject({
      code: 'conflict',
      message: containing('local entry 1 differs'),
    });
    await expect(alice.append(aliceDevice, [lines[6]])).rejects.toMatchObject({ code: 'conflict', message: containing('6 was expected') });
    await expect(alice.append(aliceDevice, [lines[5]])).rejects.toMatchObject({ code: 'conflict', message: containing('does not continue') });
    await expect(alice.append(aliceDevice, ['not json'])).rejects.toMatchObject({ code: 'validation' });
    expect((await alice.deviceHead(aliceDevice)).count).toBe(5);
  });

  it("binds a device to the role that first used it: another agent cannot append to it or read it", async () => {
    const bob = storeAs('bob', PASSWORDS.bob);
    const lines = await localLines(2, 'bob');
    await expect(bob.append(aliceDevice, lines)).rejects.toMatchObject({ code: 'forbidden', message: containing('another database role') });
    await expect(bob.deviceEntries(aliceDevice, 0)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(bob.deviceHead(aliceDevice)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await bob.append(bobDevice, lines)).map((r) => r.teamSeq)).toEqual([6, 7]);
    expect((await bob.deviceEntries(bobDevice, 0)).map((e) => e.entryText)).toEqual(lines);
  });
});

describe('grants', () => {
  const TABLES = ['entries', 'devices', 'install_log', 'policy', 'pgmigrations'];

  it('gives an agent no INSERT, UPDATE, DELETE, TRUNCATE or SELECT on any table', async () => {
    const client = await clientAs('alice');
    try {
      for (const t of TABLES) {
        for (const sql of [
          `SELECT * FROM authdesk.${t} LIMIT 1`,
          `UPDATE authdesk.${t} SET ${t === 'pgmigrations' ? 'name' : t === 'entries' ? 'entry_text' : t === 'policy' ? 'set_by' : t === 'devices' ? 'db_role' : 'action'} = NULL`,
          `DELETE FROM authdesk.${t}`,
          `TRUNCATE authdesk.${t}`,
        ]) {
          await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
        }
      }
      await expect(
        client.query("INSERT INTO authdesk.entries (team_seq, device_id, local_seq, db_role, server_ts, entry_text, local_hash, prev_hash, hash) VALUES (99, gen_random_uuid(), 1, 'x', now(), '{}', 'x', 'x', 'x')"),
      ).rejects.toMatchObject({ code: '42501' });
      // Nor the internals the append function uses, nor setting the policy.
      await expect(client.query("SELECT authdesk.own_device(gen_random_uuid(), true)")).rejects.toMatchObject({ code: '42501' });
      await expect(client.query("SELECT * FROM authdesk.set_policy('{}')")).rejects.toMatchObject({ code: '42501' });
      // SET ROLE to the group changes current_user, not session_user: the entry is still alice's.
      await client.query('SET ROLE authdesk_agent');
      const lines = await localLines(1, 'alice-setrole');
      const device = randomUUID();
      await client.query('SELECT * FROM authdesk.append_entries($1, $2)', [device, lines]);
      await client.query('RESET ROLE');
    } finally {
      await client.end();
    }
    const admin = storeAs('root_admin', PASSWORDS.root_admin);
    const [last] = (await admin.query({ limit: 1 })).entries;
    expect(last.role).toBe('alice');
  });

  it('lets an admin read everything but change nothing', async () => {
    const client = await clientAs('root_admin');
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM authdesk.entries');
      expect(Number(rows[0].n)).toBe(8);
      for (const sql of ['UPDATE authdesk.entries SET entry_text = NULL', 'DELETE FROM authdesk.entries', 'TRUNCATE authdesk.entries']) {
        await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501' });
      }
      await expect(client.query('SELECT * FROM authdesk.append_entries(gen_random_uuid(), ARRAY[]::text[])')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE even to the owner, through the triggers', async () => {
    const client = server.client();
    await client.connect();
    try {
      for (const sql of ["UPDATE authdesk.entries SET entry_text = '{}' WHERE team_seq = 1", 'DELETE FROM authdesk.entries WHERE team_seq = 1', 'TRUNCATE authdesk.entries CASCADE', 'DELETE FROM authdesk.install_log']) {
        await expect(client.query(sql), sql).rejects.toMatchObject({ code: '42501', message: containing('append-only') });
      }
    } finally {
      await client.end();
    }
  });
});

describe('policy', () => {
  it('is read by agents and set only by admins', async () => {
    const alice = storeAs('alice', PASSWORDS.alice);
    const admin = storeAs('root_admin', PASSWORDS.root_admin);
    expect(await alice.getPolicy()).toBeNull();
    await expect(alice.setPolicy({ requireCallerVerification: false })).rejects.toMatchObject({ code: 'forbidden' });
    const set = await admin.setPolicy({ requireCallerVerification: true });
    expect(set.setBy).toBe('root_admin');
    expect(await alice.getPolicy()).toMatchObject({ policy: { requireCallerVerification: true }, setBy: 'root_admin' });
    await expect(admin.setPolicy([] as unknown as Record<string, unknown>)).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('verification', () => {
  it('walks the chain, then names the first entry an owner changed or removed behind the triggers', async () => {
    const admin = storeAs('root_admin', PASSWORDS.root_admin);
    const ok = await admin.verifyChain(3);
    expect(ok).toMatchObject({ ok: true, entries: 8, head: { teamSeq: 8 } });
    expect(ok.ok && ok.head.hash).toBe((await admin.teamHead()).hash);

    const owner = server.client();
    await owner.connect();
    try {
      await owner.query('ALTER TABLE authdesk.entries DISABLE TRIGGER USER');
      const { rows } = await owner.query<{ entry_text: string }>('SELECT entry_text FROM authdesk.entries WHERE team_seq = 4');
      const edited = rows[0].entry_text.replace('user-3', 'user-X');
      await owner.query('UPDATE authdesk.entries SET entry_text = $1 WHERE team_seq = 4', [edited]);
      expect(await admin.verifyChain(3)).toMatchObject({ ok: false, entries: 3, broken: { teamSeq: 4, reason: 'hash-mismatch' } });
      await owner.query('UPDATE authdesk.entries SET entry_text = $1 WHERE team_seq = 4', [rows[0].entry_text]);
      await owner.query('DELETE FROM authdesk.entries WHERE team_seq = 6');
      expect(await admin.verifyChain(3)).toMatchObject({ ok: false, entries: 5, broken: { teamSeq: 7, reason: 'seq-gap' } });
    } finally {
      await owner.query('ALTER TABLE authdesk.entries ENABLE TRIGGER USER').catch(() => undefined);
      await owner.end();
    }
  });
});
