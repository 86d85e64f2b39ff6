import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLogService } from '../../src/main/services/audit/audit-log.service';
import { lineOf, seal } from '../../src/main/services/audit/audit-format';
import type { AuditEntry } from '@shared/domain/audit';
import { compareWithStore } from '../../src/main/services/audit/team/compare';
import { parseTeamUrl } from '../../src/main/services/audit/team/connection';
import { TeamShipper, type TeamSyncStatus } from '../../src/main/services/audit/team/shipper';
import { TeamStore } from '../../src/main/services/audit/team/team-store';
import { startPostgres, type TestPostgres } from '../support/postgres';

// Shipping the local log to a real PostgreSQL through every fault the issue lists (kill -9 of the
// shipping process, the store restarted mid-batch, two processes and two agents at once), and
// `audit verify --team` naming each kind of tampering. Nothing is mocked.

const CHILD = fileURLToPath(new URL('./team-ship-child.ts', import.meta.url));
let server: TestPostgres;
let tmp: string;
let admin: TeamStore;
const stores: TeamStore[] = [];

function storeAs(role: string): TeamStore {
  const store = new TeamStore(parseTeamUrl(server.url(role)), role === 'postgres' ? server.password : `${role}-password-long`);
  stores.push(store);
  return store;
}

async function agent(role: string): Promise<TeamStore> {
  await storeAs('postgres').addMember(role, `${role}-password-long`);
  return storeAs(role);
}

/** A real local audit log with `n` entries. */
async function localLog(n: number, dataDir = join(tmp, randomUUID())): Promise<AuditLogService> {
  const audit = new AuditLogService({ dataDir, agentName: () => 'label only' });
  for (let i = 0; i < n; i += 1) await audit.append({ action: 'user.lookup', subject: { userId: `u-${i}` }, details: { ticket: `T-${i}` } });
  return audit;
}

const linesOf = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function storedTexts(store: TeamStore, device: string): Promise<string[]> {
  const out: string[] = [];
  for (let after = 0; ; ) {
    const page = await store.deviceEntries(device, after, 500);
    if (page.length === 0) return out;
    out.push(...page.map((e) => e.entryText));
    after = page[page.length - 1].localSeq;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  server = await startPostgres();
  tmp = await mkdtemp(join(tmpdir(), 'authdesk-team-ship-'));
  await storeAs('postgres').install();
  await storeAs('postgres').addMember('auditor', 'auditor-password-long', 'admin');
  admin = storeAs('auditor');
}, 120_000);

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('shipping', () => {
  it('ships a backlog in order, in batches, and reports entries written since as waiting', async () => {
    const store = await agent('ship_a');
    const audit = await localLog(45);
    const device = randomUUID();
    const statuses: TeamSyncStatus[] = [];
    const shipper = new TeamShipper({ file: audit.file, deviceId: device, target: () => Promise.resolve(store), batchSize: 10, onStatus: (s) => statuses.push(s) });
    expect(await shipper.shipNow()).toMatchObject({ state: 'in-sync', shippedSeq: 45, localSeq: 45, waiting: 0 });
    expect(await storedTexts(store, device)).toEqual(await linesOf(audit.file));
    expect(statuses.filter((s) => s.state === 'waiting').map((s) => s.shippedSeq)).toEqual([10, 20, 30, 40, 45]);
    await audit.append({ action: 'user.lookup', subject: { userId: 'later' } });
    const compared = await compareWithStore(audit.file, store, device);
    expect(compared).toMatchObject({ ok: true, stored: { count: 45, lastSeq: 45 }, local: { entries: 46 }, unshipped: { count: 1, fromSeq: 46, toSeq: 46 } });
    expect(await shipper.shipNow()).toMatchObject({ state: 'in-sync', shippedSeq: 46 });
  });

  it('keeps appending while the store is down mid-batch, backs off, and resumes with nothing lost or repeated', async () => {
    const store = await agent('ship_restart');
    const audit = await localLog(600);
    const device = randomUUID();
    const shipper = new TeamShipper({ file: audit.file, deviceId: device, target: () => Promise.resolve(store), batchSize: 5, idleMs: 20, backoff: { minMs: 50, maxMs: 400 } });
    shipper.start();
    try {
      await until('some shipped', () => shipper.status().shippedSeq >= 20);
      await server.halt();
      await until('offline', () => shipper.status().state === 'offline');
      const { offlineSince } = shipper.status();
      expect(Date.parse(offlineSince ?? '')).toBeGreaterThan(Date.now() - 60_000);
      // Local appends go on, unblocked, while the store is away.
      const started = Date.now();
      for (let i = 0; i < 20; i += 1) await audit.append({ action: 'user.lookup', subject: { userId: `offline-${i}` } });
      expect(Date.now() - started).toBeLessThan(5000);
      await until('waiting counted', () => shipper.status().waiting > 0 && shipper.status().localSeq === 620);
      expect(shipper.status().state).toBe('offline');
      await server.resume();
      await until('in sync', () => shipper.status().state === 'in-sync' && shipper.status().shippedSeq === 620, 60_000);
    } finally {
      await server.resume();
      await shipper.stop();
    }
    expect(await storedTexts(store, device)).toEqual(await linesOf(audit.file));
    expect(await admin.verifyChain()).toMatchObject({ ok: true });
  });

  it('two processes on one device and two agents at once: every entry exactly once, in order', async () => {
    const alice = await agent('ship_two_a');
    const bob = await agent('ship_two_b');
    const aliceDir = join(tmp, 'alice-two');
    const app = new AuditLogService({ dataDir: aliceDir });
    const cli = new AuditLogService({ dataDir: aliceDir });
    const bobLog = new AuditLogService({ dataDir: join(tmp, 'bob-two') });
    const aliceDevice = randomUUID();
    const bobDevice = randomUUID();
    const ship = (file: string, device: string, store: TeamStore) =>
      new TeamShipper({ file, deviceId: device, target: () => Promise.resolve(store), batchSize: 3, idleMs: 5 });
    // Two app instances of alice's (the same data dir, the same device) and bob's app.
    const shippers = [ship(app.file, aliceDevice, alice), ship(app.file, aliceDevice, storeAs('ship_two_a')), ship(bobLog.file, bobDevice, bob)];
    shippers.forEach((s) => s.start());
    try {
      await Promise.all([
        (async () => { for (let i = 0; i < 60; i += 1) await app.append({ action: 'user.lookup', subject: { userId: `app-${i}` } }); })(),
        (async () => { for (let i = 0; i < 60; i += 1) await cli.append({ action: 'user.search', subject: { userId: `cli-${i}` } }); })(),
        (async () => { for (let i = 0; i < 80; i += 1) await bobLog.append({ action: 'user.lookup', subject: { userId: `bob-${i}` } }); })(),
      ]);
      await until('all shipped', () => shippers[0].status().shippedSeq === 120 && shippers[2].status().shippedSeq === 80);
    } finally {
      await Promise.all(shippers.map((s) => s.stop()));
    }
    expect(await storedTexts(alice, aliceDevice)).toEqual(await linesOf(app.file));
    expect(await storedTexts(bob, bobDevice)).toEqual(await linesOf(bobLog.file));
    const page = await admin.query({ role: 'ship_two_a', limit: 500 });
    expect(page.entries).toHaveLength(120);
    expect(new Set(page.entries.map((e) => e.localSeq)).size).toBe(120);
    expect(await admin.verifyChain()).toMatchObject({ ok: true });
  });

  it('survives kill -9 of the shipping process at random points, ten times: nothing lost, nothing duplicated, order kept', async () => {
    await agent('ship_kill');
    const store = storeAs('ship_kill');
    const dataDir = join(tmp, 'kill');
    const device = randomUUID();
    const run = (mode: 'run' | 'drain', killAfterMs: number) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, server.url('ship_kill'), device, mode], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, TEAM_TEST_PASSWORD: 'ship_kill-password-long' },
        });
        let out = '';
        let err = '';
        let timer: NodeJS.Timeout | undefined;
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (mode === 'run') timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        });
        child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          if (mode === 'run' && signal === 'SIGKILL') resolve(out);
          else if (mode === 'drain' && code === 0) resolve(out);
          else reject(new Error(`child ${mode} ended ${signal ?? code}: ${err}`));
        });
      });
    let shippedDuringRuns = 0;
    for (let i = 0; i < 10; i += 1) {
      const out = await run('run', 100 + Math.floor(Math.random() * 600));
      const last = /shipped (\d+)\n[^\n]*$/.exec(out);
      shippedDuringRuns = Math.max(shippedDuringRuns, Number(last?.[1] ?? 0));
    }
    expect(shippedDuringRuns).toBeGreaterThan(0);
    const drained = await run('drain', 0);
    const local = await linesOf(join(dataDir, 'audit', 'audit.jsonl'));
    expect(drained).toContain(`synced ${local.length}`);
    // Byte for byte, in order, each once (the store enforces uniqueness and contiguity too).
    expect(await storedTexts(store, device)).toEqual(local);
    expect(await compareWithStore(join(dataDir, 'audit', 'audit.jsonl'), store, device)).toMatchObject({ ok: true, unshipped: null });
    expect(await admin.verifyChain()).toMatchObject({ ok: true });
  }, 180_000);
});

describe('audit verify --team: detection', () => {
  let store: TeamStore;
  let original: string[];
  const device = randomUUID();

  beforeAll(async () => {
    store = await agent('detect');
    const audit = await localLog(12);
    await new TeamShipper({ file: audit.file, deviceId: device, target: () => Promise.resolve(store) }).shipNow();
    original = await linesOf(audit.file);
  });

  /** Writes a tampered copy and compares it with what the store holds for the device. */
  async function check(lines: string[]) {
    const file = join(tmp, `${randomUUID()}.jsonl`);
    await writeFile(file, lines.map((l) => `${l}\n`).join(''));
    return compareWithStore(file, store, device);
  }

  it('passes the untouched log', async () => {
    expect(await check(original)).toMatchObject({ ok: true, findings: [], stored: { count: 12, lastSeq: 12 } });
  });

  it('names a truncation (head -n 7)', async () => {
    const r = await check(original.slice(0, 7));
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([expect.objectContaining({ kind: 'truncated', seq: 8, toSeq: 12 })]);
    expect(r.findings[0].message).toMatch(/ends at seq 7, but entries 8–12 were shipped/);
  });

  it('names an emptied log, and a deleted one', async () => {
    const emptied = await check([]);
    expect(emptied.findings).toEqual([expect.objectContaining({ kind: 'emptied', seq: 1, toSeq: 12 })]);
    const missing = await compareWithStore(join(tmp, 'no-such-file.jsonl'), store, device);
    expect(missing.findings.map((f) => f.kind)).toEqual(['emptied']);
  });

  it('names deleted entries in the middle', async () => {
    const r = await check([...original.slice(0, 4), ...original.slice(6)]);
    expect(r.findings).toEqual([expect.objectContaining({ kind: 'deleted', seq: 5, toSeq: 6 })]);
  });

  it('names reordered entries', async () => {
    const swapped = [...original];
    [swapped[8], swapped[9]] = [swapped[9], swapped[8]];
    expect((await check(swapped)).findings).toEqual([expect.objectContaining({ kind: 'reordered', seq: 10, line: 9 })]);
  });

  it('names a rewritten entry and the fields that differ, even in a re-sealed, self-consistent chain', async () => {
    // The attacker's best local forgery: change entry 3 and re-seal the chain from there, so the
    // local `audit verify` passes. The store still has what was shipped.
    const entries = original.map((l) => JSON.parse(l) as AuditEntry);
    const forged: AuditEntry[] = [];
    for (const [i, e] of entries.entries()) {
      const { hash: _h, ...rest } = e;
      const changed = i === 2 ? { ...rest, subject: { userId: 'someone-else' }, details: { ticket: 'NONE' } } : rest;
      forged.push(seal({ ...changed, prevHash: i === 0 ? e.prevHash : forged[i - 1].hash }));
    }
    const dir = join(tmp, 'forged');
    const audit = new AuditLogService({ dataDir: dir });
    await audit.append({ action: 'user.lookup' }); // creates the folder
    const file = audit.file;
    // Written in the canonical form the service writes, so nothing but content gives it away.
    await writeFile(file, forged.map(lineOf).join(''));
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 12 });
    const r = await compareWithStore(file, store, device);
    expect(r.ok).toBe(false);
    const rewritten = r.findings.filter((f) => f.kind === 'rewritten');
    expect(rewritten[0]).toMatchObject({ seq: 3, line: 3 });
    expect(rewritten[0].fields).toEqual(expect.arrayContaining(['details.ticket', 'hash', 'subject.userId']));
    // Later entries differ only in their hashes (re-sealed), and are named too.
    expect(rewritten.map((f) => f.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(rewritten[1].fields).toEqual(['hash', 'prevHash']);
    // And the store refuses to take the forged chain from this device.
    await expect(store.append(device, [lineOf(forged[2]).trimEnd()])).rejects.toMatchObject({ code: 'conflict' });
  });
});
