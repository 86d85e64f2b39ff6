import { appendFile, mkdir, mkdtemp, open, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_GENESIS_HASH, AuditQuery, type AuditEntry } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import { AuditLogService } from '../../../src/main/services/audit/audit-log.service';
import { lineOf, sha256Hex } from '../../../src/main/services/audit/audit-format';
import { buildEntry } from '../../../src/main/services/audit/audit-entry';
import { CallTicketSink, requireTicketByPolicy } from '../../../src/main/services/audit/call-tickets';
import { openIfExists, readLinesBackward, readLinesForward, readTail, syncDir, writeFully } from '../../../src/main/services/audit/audit-file';
import { verifyFile } from '../../../src/main/services/audit/audit-verify';
import { anchorAccount, anchorBreak } from '../../../src/main/services/audit/log-anchor';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'audit-unit-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const tenant = { id: 'local', name: 'Local tenant' };
const service = (agent: string | null = 'Agent Smith', now?: () => Date) =>
  new AuditLogService({ dataDir, agentName: () => agent, now, lockStaleMs: 2000 });
const lines = async (s: AuditLogService) => (await readFile(s.file, 'utf8')).split('\n').filter(Boolean);
const entries = async (s: AuditLogService) => (await lines(s)).map((l) => JSON.parse(l) as AuditEntry);
const q = (input: Parameters<typeof AuditQuery.parse>[0]) => AuditQuery.parse(input);

describe('AuditLogService.append', () => {
  it('writes the first entry at seq 1 chained to the genesis hash, owner-only', async () => {
    const log = service();
    const entry = await log.append({ action: 'user.lookup', tenant, subject: { userId: 'u-1' }, details: { reason: 'call' } });
    expect(entry.seq).toBe(1);
    expect(entry.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(entry.actor.agentName).toBe('Agent Smith');
    expect(entry.actor.osUser.length).toBeGreaterThan(0);
    expect(await entries(log)).toEqual([entry]);
    if (process.platform !== 'win32') {
      expect((await stat(log.file)).mode & 0o777).toBe(0o600);
      expect((await stat(log.dir)).mode & 0o777).toBe(0o700);
    }
  });

  it('resolves only after the line is fsync\'d', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    // Observe (not replace) the real FileHandle.sync: the write must be flushed before append resolves.
    const probe = await open(log.file, 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const realSync = proto.sync;
    const events: string[] = [];
    const observed = vi.spyOn(proto, 'sync').mockImplementation(function (this: unknown) {
      events.push('fsync');
      return realSync.call(this);
    });
    try {
      await log.append({ action: 'user.lookup', tenant }).then(() => events.push('resolved'));
    } finally {
      observed.mockRestore();
    }
    expect(events).toEqual(['fsync', 'resolved']);
  });

  it('fsyncs the folder as well when an append creates the log, so the new file survives a power cut', async () => {
    await writeFile(join(dataDir, 'probe'), '');
    const probe = await open(join(dataDir, 'probe'), 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const realSync = proto.sync;
    let syncs = 0;
    const observed = vi.spyOn(proto, 'sync').mockImplementation(function (this: unknown) {
      syncs += 1;
      return realSync.call(this);
    });
    const log = service();
    try {
      await log.append({ action: 'user.lookup', tenant });
      expect(syncs).toBe(2);
      await log.append({ action: 'user.lookup', tenant });
      expect(syncs).toBe(3);
    } finally {
      observed.mockRestore();
    }
  });

  it('waits for another process\'s lock for at least 2 s before calling it abandoned, whatever it is told', async () => {
    const log = new AuditLogService({ dataDir, lockStaleMs: 100 });
    await log.append({ action: 'user.lookup', tenant });
    // A lock left by a process that died just now (proper-lockfile's `<file>.lock` folder).
    await mkdir(`${log.file}.lock`);
    const started = Date.now();
    await log.append({ action: 'user.lookup', tenant });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('continues the chain across restarts', async () => {
    const first = service();
    await first.append({ action: 'user.lookup', tenant });
    await first.append({ action: 'user.search', tenant, details: { query: 'alice@example.com' } });
    const second = service('Another Agent');
    const third = await second.append({ action: 'authenticator.remove', tenant, subject: { userId: 'u-1' } });
    expect(third.seq).toBe(3);
    const all = await entries(second);
    expect(third.prevHash).toBe(all[1].hash);
    expect(third.actor.agentName).toBe('Another Agent');
    expect(await second.verify()).toMatchObject({ ok: true, entries: 3, lastSeq: 3, lastHash: third.hash });
  });

  it('keeps call order and the chain under concurrent appends', async () => {
    const log = service();
    const written = await Promise.all(
      Array.from({ length: 40 }, (_, i) => log.append({ action: 'user.lookup', tenant, details: { i } })),
    );
    expect(written.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await entries(log)).map((e) => e.details.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(await log.verify()).toMatchObject({ ok: true, entries: 40 });
  });

  it('keeps one chain when two instances (as two processes would) append at once', async () => {
    const a = service('A');
    const b = service('B');
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => [
        a.append({ action: 'user.lookup', tenant, details: { from: 'a', i } }),
        b.append({ action: 'user.lookup', tenant, details: { from: 'b', i } }),
      ]).flat(),
    );
    const all = await entries(a);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await a.verify()).toMatchObject({ ok: true, entries: 30 });
  });

  it('never writes a credential: keys are stripped, names recorded', async () => {
    const log = service();
    const entry = await log.append({
      action: 'verification.succeed',
      tenant,
      subject: { userId: 'u-9' },
      details: { method: 'email-otp', code: '918273', token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTkifQ.sig', ticket: 'HD-9' },
      verification: { id: 'ver-1', method: 'email-otp', expiresAt: '2026-01-01T00:10:00.000Z' },
    });
    expect(entry.details).toEqual({ method: 'email-otp', ticket: 'HD-9' });
    expect(entry.redacted?.sort()).toEqual(['code', 'token']);
    const raw = await readFile(log.file, 'utf8');
    expect(raw).not.toContain('918273');
    expect(raw).not.toContain('eyJzdWIiOiJ1LTkifQ');
    expect(entry.verification?.id).toBe('ver-1');
  });

  it('records an error outcome with the AppError code', async () => {
    const log = service();
    const entry = await log.append({ action: 'authenticator.remove', tenant, error: new AppError('not-found', 'No such authenticator.') });
    expect(entry).toMatchObject({ outcome: 'error', error: { code: 'not-found', message: 'No such authenticator.' } });
  });
});

describe('AuditLogService.query', () => {
  let log: AuditLogService;
  beforeEach(async () => {
    let t = Date.parse('2026-03-01T10:00:00.000Z');
    log = service('Agent', () => new Date((t += 60_000)));
    const other = { id: 'prod', name: 'Production' };
    await log.append({ action: 'user.search', tenant, details: { query: 'alice' } }); // 1 10:01
    await log.append({ action: 'user.lookup', tenant, subject: { userId: 'alice' } }); // 2 10:02
    await log.append({ action: 'verification.start', tenant, subject: { userId: 'alice' }, details: { method: 'sms-otp' } }); // 3
    await log.append({ action: 'verification.fail', tenant, subject: { userId: 'alice' }, error: new AppError('expired', 'Code expired') }); // 4
    await log.append({ action: 'verification.succeed', tenant, subject: { userId: 'alice' } }); // 5 10:05
    await log.append({ action: 'authenticator.remove', tenant, subject: { userId: 'alice' }, details: { reason: 'Lost phone', ticket: 'HD-77' } }); // 6
    await log.append({ action: 'user.lookup', tenant: other, subject: { userId: 'bob' } }); // 7
    await log.append({ action: 'coverage.run', tenant: other, details: { users: 100 } }); // 8 10:08
  });

  it('returns newest first', async () => {
    const page = await log.query(q({}));
    expect(page.entries.map((e) => e.seq)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(page.nextCursor).toBeNull();
  });

  it.each([
    [{ action: ['user.lookup'] }, [7, 2]],
    [{ action: ['verification.*'] }, [5, 4, 3]],
    [{ action: ['verification.*', 'coverage.run'] }, [8, 5, 4, 3]],
    [{ userId: 'alice' }, [6, 5, 4, 3, 2]],
    [{ tenantId: 'prod' }, [8, 7]],
    [{ outcome: 'error' }, [4]],
    [{ text: 'hd-77' }, [6]],
    [{ text: 'lost PHONE' }, [6]],
    [{ text: 'expired' }, [4]],
    [{ text: 'production' }, [8, 7]],
    [{ from: '2026-03-01T10:03:00.000Z', to: '2026-03-01T10:05:00.000Z' }, [5, 4, 3]],
    [{ userId: 'alice', action: ['verification.*'], outcome: 'ok' }, [5, 3]],
  ] as const)('filters %j', async (filters, seqs) => {
    const page = await log.query(q({ ...filters, action: 'action' in filters ? [...filters.action] : undefined }));
    expect(page.entries.map((e) => e.seq)).toEqual(seqs);
  });

  it('does not match text against key names or hashes', async () => {
    expect((await log.query(q({ text: 'reason' }))).entries).toEqual([]);
    const [newest] = (await log.query(q({ limit: 1 }))).entries;
    expect((await log.query(q({ text: newest.hash.slice(0, 16) }))).entries).toEqual([]);
  });

  it('pages with a cursor, without gaps or repeats', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await log.query(q({ limit: 3, cursor }));
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(pages).toBe(3);
    // A filtered walk pages too.
    const first = await log.query(q({ userId: 'alice', limit: 2 }));
    expect(first.entries.map((e) => e.seq)).toEqual([6, 5]);
    const second = await log.query(q({ userId: 'alice', limit: 2, cursor: first.nextCursor ?? undefined }));
    expect(second.entries.map((e) => e.seq)).toEqual([4, 3]);
  });

  it('skips lines it cannot read, and ignores a torn tail', async () => {
    await appendFile(log.file, 'not json\n{"partial":');
    const page = await log.query(q({}));
    expect(page.entries.map((e) => e.seq)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(page.skippedLines).toBe(1);
  });

  it('matches a domain filter on the whole domain name only', async () => {
    await log.append({ action: 'authenticators.remove-all', tenant, subject: { userId: 'alice' } }); // 9
    expect((await log.query(q({ action: ['authenticator.*'] }))).entries.map((e) => e.seq)).toEqual([6]);
    expect((await log.query(q({ action: ['authenticators.*'] }))).entries.map((e) => e.seq)).toEqual([9]);
    // An exact action is not a prefix.
    expect((await log.query(q({ action: ['authenticator.remove'] }))).entries.map((e) => e.seq)).toEqual([6]);
    expect((await log.query(q({ action: ['user.look'] }))).entries).toEqual([]);
  });

  it('searches the agent, outcome, verification, error and every kind of detail value, but not across fields', async () => {
    await log.append({
      action: 'verification.succeed',
      tenant,
      subject: { userId: 'carol' },
      details: { attempts: 3, sms: true, steps: ['sent', { channel: 'Voice-Line' }] },
      verification: { id: 'ver-XYZ', method: 'prebuilt-ui', expiresAt: '2026-03-01T11:00:00.000Z' },
    }); // 9
    const seqs = async (text: string) => (await log.query(q({ text }))).entries.map((e) => e.seq);
    expect(await seqs('ver-xyz')).toEqual([9]);
    expect(await seqs('prebuilt-ui')).toEqual([9]);
    expect(await seqs('voice-line')).toEqual([9]);
    expect(await seqs('sent')).toEqual([9]);
    expect(await seqs('true')).toEqual([9]);
    expect(await seqs('3')).toContain(9);
    expect(await seqs('code expired')).toEqual([4]);
    expect((await seqs('agent')).length).toBe(9);
    expect(await seqs('error')).toEqual([4]);
    expect(await seqs('user.search')).toEqual([1]);
    // Values are separate: text never matches across two of them.
    expect(await seqs('oklocal')).toEqual([]);
    expect(await seqs('okagent')).toEqual([]);
  });

  it('filters by the paired browser that caused an entry', async () => {
    const key = '0123456789abcdef';
    await log.append({ action: 'user.lookup', tenant, details: { browserKeyId: key } }); // 9
    await log.append({ action: 'user.lookup', tenant, details: { browserKeyId: 'fedcba9876543210' } }); // 10
    expect((await log.query(q({ browserKeyId: key }))).entries.map((e) => e.seq)).toEqual([9]);
  });

  it('counts the lines it read, and stops at the page limit', async () => {
    expect(await log.query(q({ limit: 3 }))).toMatchObject({ scannedLines: 3, skippedLines: 0 });
    expect(await log.query(q({ userId: 'bob' }))).toMatchObject({ scannedLines: 8 });
    const exact = await log.query(q({ limit: 1 }));
    expect(exact.entries.map((e) => e.seq)).toEqual([8]);
    expect(exact.nextCursor).not.toBeNull();
  });

  it('gives no cursor once the page reaches the first line, even when full', async () => {
    const first = await log.query(q({ limit: 4 }));
    expect(first.entries.map((e) => e.seq)).toEqual([8, 7, 6, 5]);
    expect(first.nextCursor).toMatch(/^\d+-5$/);
    const second = await log.query(q({ limit: 4, cursor: first.nextCursor ?? undefined }));
    expect(second.entries.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    expect(second.nextCursor).toBeNull();
    expect(second.scannedLines).toBe(4);
  });

  it('falls back on the seq alone when a cursor offset is not a line start', async () => {
    const page = await log.query(q({ limit: 2, cursor: '5-4' }));
    expect(page.entries.map((e) => e.seq)).toEqual([3, 2]);
    // An offset past the end is ignored too.
    const beyond = await log.query(q({ limit: 2, cursor: '999999-3' }));
    expect(beyond.entries.map((e) => e.seq)).toEqual([2, 1]);
    // The offset of a real line start scans from there (a line start just before seq 2's line).
    const lines = (await readFile(log.file, 'utf8')).split('\n');
    const lineStart = Buffer.byteLength(`${lines[0]}\n`);
    const fromStart = await log.query(q({ cursor: `${lineStart}-99` }));
    expect(fromStart).toMatchObject({ scannedLines: 1 });
    expect(fromStart.entries.map((e) => e.seq)).toEqual([1]);
  });

  it('reads an empty or missing log as no entries', async () => {
    const empty = new AuditLogService({ dataDir: join(dataDir, 'nothing-here') });
    expect(await empty.query(q({}))).toEqual({ entries: [], nextCursor: null, scannedLines: 0, skippedLines: 0 });
    expect(await empty.verify()).toMatchObject({ ok: true, entries: 0, lastSeq: 0 });
  });
});

describe('torn tail and repair', () => {
  it('refuses appends after a torn tail, reports it, and repairs into quarantine', async () => {
    const log = service();
    for (let i = 0; i < 3; i++) await log.append({ action: 'user.lookup', tenant, details: { i } });
    const fragment = '{"action":"authenticator.remove","actor":{"agentNa';
    await appendFile(log.file, fragment);

    expect(await log.status()).toMatchObject({ state: 'torn', lastSeq: 3, tornBytes: fragment.length });
    const verify = await log.verify();
    expect(verify).toMatchObject({ ok: false, entries: 3, broken: { line: 4, reason: 'torn-tail' } });
    await expect(log.append({ action: 'user.lookup', tenant })).rejects.toMatchObject({ code: 'conflict' });
    // A new instance (the app restarted) refuses as well: nothing is silently dropped.
    await expect(service().append({ action: 'user.lookup', tenant })).rejects.toThrow(/audit repair/);

    const repaired = await log.repair();
    expect(repaired.kind).toBe('quarantined');
    expect(repaired.quarantineFile).toMatch(/^quarantine\/torn-after-seq-3-[0-9a-f]{12}\.fragment$/);
    expect(await readFile(join(log.dir, repaired.quarantineFile!), 'utf8')).toBe(fragment);
    expect(repaired.entry).toMatchObject({
      seq: 4,
      action: 'log.recovered',
      details: { kind: 'quarantined', quarantineFile: repaired.quarantineFile, fragmentBytes: fragment.length, fragmentSha256: sha256Hex(fragment), afterSeq: 3 },
    });
    expect(await log.verify()).toMatchObject({ ok: true, entries: 4, recoveries: 1 });
    const next = await log.append({ action: 'user.lookup', tenant });
    expect(next.seq).toBe(5);
    expect(await log.status()).toMatchObject({ state: 'ok', lastSeq: 5 });
    expect(await log.repair()).toEqual({ kind: 'none' });
    expect((await readdir(log.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('completes a whole entry that lost only its newline', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    await log.append({ action: 'user.search', tenant });
    const raw = await readFile(log.file, 'utf8');
    await truncate(log.file, Buffer.byteLength(raw) - 1);
    expect(await log.verify()).toMatchObject({ ok: false, broken: { line: 2, reason: 'torn-tail', seq: 2 } });
    const repaired = await log.repair();
    expect(repaired).toMatchObject({ kind: 'completed', entry: { seq: 3, details: { kind: 'completed', afterSeq: 1 } } });
    expect(repaired.quarantineFile).toBeUndefined();
    expect((await entries(log)).map((e) => e.action)).toEqual(['user.lookup', 'user.search', 'log.recovered']);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 3 });
  });

  it('treats a damaged last entry as a matter for a person, not a repair', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant, details: { reason: 'first' } });
    await log.append({ action: 'user.lookup', tenant, details: { reason: 'second' } });
    const raw = await readFile(log.file, 'utf8');
    await writeFile(log.file, raw.replace('second', 'sec0nd'));
    expect(await log.status()).toMatchObject({ state: 'damaged' });
    await expect(log.append({ action: 'user.lookup', tenant })).rejects.toMatchObject({ code: 'conflict' });
    await expect(log.repair()).rejects.toMatchObject({ code: 'conflict' });
    expect(await log.verify()).toMatchObject({ ok: false, broken: { line: 2, reason: 'hash-mismatch' } });
  });
});

describe('repair details', () => {
  it('does nothing to a missing log', async () => {
    const log = service();
    expect(await log.repair()).toEqual({ kind: 'none' });
    await expect(stat(log.file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('records a completed entry without quarantine fields, right after the completed one', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    const second = await log.append({ action: 'user.search', tenant });
    const raw = await readFile(log.file, 'utf8');
    await writeFile(log.file, raw.slice(0, -1));
    const lastLine = raw.slice(0, -1).split('\n').at(-1)!;
    const repaired = await log.repair();
    expect(repaired.kind).toBe('completed');
    expect(repaired.entry?.details).toEqual({ kind: 'completed', fragmentBytes: Buffer.byteLength(lastLine), fragmentSha256: sha256Hex(lastLine), afterSeq: 1 });
    expect(repaired.entry?.prevHash).toBe(second.hash);
    expect(await readFile(log.file, 'utf8')).toBe(`${raw}${lineOf(repaired.entry!)}`);
  });

  it('repairs a second torn tail into the quarantine folder the first one made', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    await appendFile(log.file, '{"first');
    const one = await log.repair();
    await appendFile(log.file, '{"second');
    const two = await log.repair();
    expect(two).toMatchObject({ kind: 'quarantined', entry: { seq: 3, details: { afterSeq: 2 } } });
    expect((await readdir(join(log.dir, 'quarantine'))).sort()).toEqual([one.quarantineFile, two.quarantineFile].map((f) => f!.slice('quarantine/'.length)).sort());
    expect(await log.verify()).toMatchObject({ ok: true, entries: 3, recoveries: 2 });
  });

  it('keeps the quarantined fragment owner-only, and names it after the fragment', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    const raw = await readFile(log.file, 'utf8');
    await appendFile(log.file, '{"frag');
    const repaired = await log.repair();
    expect(repaired.quarantineFile).toBe(`quarantine/torn-after-seq-1-${sha256Hex('{"frag').slice(0, 12)}.fragment`);
    if (process.platform !== 'win32') {
      expect((await stat(join(log.dir, repaired.quarantineFile!))).mode & 0o777).toBe(0o600);
      expect((await stat(join(log.dir, 'quarantine'))).mode & 0o777).toBe(0o700);
    }
    // The fragment is gone from the log, and the recovery entry follows the last whole one.
    expect(await readFile(log.file, 'utf8')).toBe(`${raw}${lineOf(repaired.entry!)}`);
  });
});

describe('AuditLogService.record', () => {
  it('records success after the action and failure with its code', async () => {
    const log = service();
    const value = await log.record(
      { action: 'authenticator.remove', tenant, subject: { userId: 'u-1' }, details: { reason: 'lost', ticket: 'T-1' } },
      () => Promise.resolve({ removed: 'auth-1' }),
      (v) => ({ details: { authenticatorId: v.removed } }),
    );
    expect(value).toEqual({ removed: 'auth-1' });
    await expect(
      log.record({ action: 'sessions.revoke', tenant, subject: { userId: 'u-1' } }, () =>
        Promise.reject(new AppError('unavailable', 'Authsignal did not answer.')),
      ),
    ).rejects.toMatchObject({ code: 'unavailable' });
    const all = await entries(log);
    expect(all.map((e) => [e.action, e.outcome])).toEqual([
      ['authenticator.remove', 'ok'],
      ['sessions.revoke', 'error'],
    ]);
    expect(all[0].details).toEqual({ reason: 'lost', ticket: 'T-1', authenticatorId: 'auth-1' });
  });

  it('does not run the action when the log cannot record it', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    await appendFile(log.file, '{"torn');
    const action = vi.fn(() => Promise.resolve('done'));
    await expect(log.record({ action: 'authenticator.remove', tenant }, action)).rejects.toMatchObject({ code: 'conflict' });
    expect(action).not.toHaveBeenCalled();
  });
});

describe('anchorBreak (the keychain anchor against the log)', () => {
  const anchor = { seq: 10, hash: 'a'.repeat(64) };
  const named = `seq 10 (hash ${'a'.repeat(64)})`;

  it('says nothing without an anchor, or with one at seq 0', () => {
    expect(anchorBreak(null, { entries: 0, lastSeq: 0 })).toBeNull();
    expect(anchorBreak({ seq: 0, hash: AUDIT_GENESIS_HASH }, { entries: 0, lastSeq: 0 })).toBeNull();
  });

  it('names an emptied log, pointing at its first line', () => {
    expect(anchorBreak(anchor, { entries: 0, lastSeq: 0 })).toEqual({
      line: 1,
      seq: null,
      reason: 'truncated',
      message: `The audit log is empty, but it had been written up to ${named}, as anchored in the OS keychain after the last append. It was emptied or replaced outside Authdesk; restore it from a backup.`,
    });
  });

  it('names the entries cut off the end, from the first missing one', () => {
    expect(anchorBreak(anchor, { entries: 7, lastSeq: 7 })).toEqual({
      line: 8,
      seq: 8,
      reason: 'truncated',
      message: `The audit log ends at seq 7, but the last anchored entry is ${named}: entries 8 to 10 were cut off outside Authdesk. Restore the log from a backup.`,
    });
    // One entry short is still cut.
    expect(anchorBreak(anchor, { entries: 9, lastSeq: 9 })?.reason).toBe('truncated');
  });

  it('names a rewritten entry at the anchored seq, and accepts the anchored one or a log that grew past it', () => {
    expect(anchorBreak(anchor, { entries: 12, lastSeq: 12, hashAtAnchor: 'b'.repeat(64) })).toEqual({
      line: 10,
      seq: 10,
      reason: 'rewritten',
      message: `The entry at seq 10 is not the one anchored in the OS keychain (hash ${'a'.repeat(64)}): the log was rewritten outside Authdesk. Restore it from a backup.`,
    });
    expect(anchorBreak(anchor, { entries: 10, lastSeq: 10, hashAtAnchor: anchor.hash })).toBeNull();
    expect(anchorBreak(anchor, { entries: 12, lastSeq: 12, hashAtAnchor: anchor.hash })).toBeNull();
    expect(anchorBreak(anchor, { entries: 10, lastSeq: 10 })).toBeNull();
  });

  it('keeps one keychain account per log file, named by a hash of its path', () => {
    const account = anchorAccount('/data/audit/audit.jsonl');
    expect(account).toBe(`audit-anchor-v1:${sha256Hex('/data/audit/audit.jsonl').slice(0, 24)}`);
    expect(anchorAccount('/other/audit/audit.jsonl')).not.toBe(account);
  });
});

describe('verifyFile details', () => {
  it('reports an intact log with its head and recoveries and no slice', async () => {
    const log = service();
    const a = await log.append({ action: 'user.lookup', tenant });
    const b = await log.append({ action: 'user.search', tenant });
    expect(await verifyFile(log.file)).toEqual({ ok: true, file: log.file, entries: 2, lastSeq: 2, lastHash: b.hash, recoveries: 0 });
    const seen: [number, string][] = [];
    await verifyFile(log.file, { onEntry: (seq, hash) => seen.push([seq, hash]) });
    expect(seen).toEqual([
      [1, a.hash],
      [2, b.hash],
    ]);
  });

  it('explains a torn tail: its size, whether it is whole, how many entries verify, and the repair command', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    await log.append({ action: 'user.search', tenant });
    const clean = await readFile(log.file, 'utf8');
    await appendFile(log.file, '{"seq":3,"act');
    const torn = await verifyFile(log.file);
    expect(torn).toEqual({
      ok: false,
      file: log.file,
      entries: 2,
      broken: {
        line: 3,
        seq: null,
        reason: 'torn-tail',
        message:
          'Line 3 is the last line and is incomplete (13 bytes, no newline): an append was cut off by a crash. The 2 entries before it verify. ' +
          'Run `npx authdesk audit repair` to set the fragment aside and record the repair.',
      },
    });
    // A whole entry that lost only its newline says so, with its seq.
    await writeFile(log.file, clean.slice(0, -1));
    const whole = await verifyFile(log.file);
    expect(whole).toMatchObject({ ok: false, entries: 1, broken: { line: 2, seq: 2, reason: 'torn-tail' } });
    expect(!whole.ok && whole.broken.message).toContain('no newline): an append was cut off by a crash, though the entry itself is whole. The 1 entries');
    // A torn JSON fragment that names a seq: the seq is reported.
    await writeFile(log.file, `${clean}{"seq":3}`);
    expect(await verifyFile(log.file)).toMatchObject({ ok: false, broken: { line: 3, seq: 3, reason: 'torn-tail' } });
  });

  it('slices only from the first line, and throws on anything but a missing file', async () => {
    const log = service();
    for (let i = 0; i < 3; i++) await log.append({ action: 'user.lookup', tenant, details: { i } });
    // A whole log verified as a slice starts at the genesis hash.
    expect(await verifyFile(log.file, { slice: true })).toMatchObject({ ok: true, entries: 3, slice: { firstSeq: 1, anchorHash: AUDIT_GENESIS_HASH } });
    // A slice whose first line is not an entry is broken there (nothing to anchor on).
    const lines = (await readFile(log.file, 'utf8')).split('\n').filter(Boolean);
    const part = join(dataDir, 'part.jsonl');
    await writeFile(part, `not json\n${lines[1]}\n`);
    expect(await verifyFile(part, { slice: true })).toMatchObject({ ok: false, entries: 0, broken: { line: 1, reason: 'bad-json' } });
    // Without `slice` the first line is not anchored on: a log missing its first entry is broken there.
    await writeFile(part, `${lines[1]}\n${lines[2]}\n`);
    expect(await verifyFile(part)).toMatchObject({ ok: false, entries: 0, broken: { line: 1, seq: 2, reason: 'seq-gap' } });
    expect(await verifyFile(part, { slice: true })).toMatchObject({ ok: true, entries: 2, slice: { firstSeq: 2, anchorHash: (JSON.parse(lines[0]) as AuditEntry).hash } });
    // The second line of a slice must continue the first: it is not re-anchored.
    await writeFile(part, `${lines[0]}\n${lines[2]}\n`);
    expect(await verifyFile(part, { slice: true })).toMatchObject({ ok: false, entries: 1, broken: { line: 2, reason: 'seq-gap' } });
    await expect(verifyFile(dataDir)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});

describe('AuditLogService status, record and verify details', () => {
  it('says in words where the log stands', async () => {
    const log = service();
    expect(await log.status()).toEqual({ file: log.file, state: 'empty', lastSeq: 0, message: 'The audit log is empty.' });
    await mkdir(log.dir, { recursive: true });
    await writeFile(log.file, '');
    expect(await log.status()).toEqual({ file: log.file, state: 'empty', lastSeq: 0, message: 'The audit log is empty.' });
    await log.append({ action: 'user.lookup', tenant });
    await log.append({ action: 'user.lookup', tenant });
    expect(await log.status()).toEqual({ file: log.file, state: 'ok', lastSeq: 2, message: 'The audit log ends cleanly at seq 2.' });
    await appendFile(log.file, '{"tor');
    expect(await log.status()).toEqual({
      file: log.file,
      state: 'torn',
      lastSeq: 2,
      tornBytes: 5,
      message:
        'The audit log ends with an incomplete entry (5 bytes after seq 2) left by a crash during an append. Nothing more is recorded until it is repaired: run `npx authdesk audit repair`, or choose Repair in the Audit log view.',
    });
    await writeFile(log.file, 'garbage\n');
    expect(await log.status()).toEqual({
      file: log.file,
      state: 'damaged',
      lastSeq: 0,
      message:
        'The last entry of the audit log does not check out, so no new entry can be chained to it. Run `npx authdesk audit verify` to find the damage, then restore the log from a backup.',
    });
    await expect(log.append({ action: 'user.lookup', tenant })).rejects.toThrow(/does not check out/);
  });

  it('names the agent (capped) or none, and the OS account', async () => {
    expect(await service(null).actor()).toMatchObject({ agentName: null });
    const actor = await service('A'.repeat(250)).actor();
    expect(actor.agentName).toBe(`${'A'.repeat(199)}…`);
    expect(actor.osUser.length).toBeGreaterThan(0);
    expect(await new AuditLogService({ dataDir, agentName: () => Promise.resolve('Async Agent') }).actor()).toMatchObject({ agentName: 'Async Agent' });
    expect(await new AuditLogService({ dataDir }).actor()).toMatchObject({ agentName: null });
  });

  it('stamps each entry with the clock it was given', async () => {
    const log = service('A', () => new Date('2026-04-05T06:07:08.000Z'));
    expect((await log.append({ action: 'user.lookup', tenant })).ts).toBe('2026-04-05T06:07:08.000Z');
    const before = Date.now();
    const real = await new AuditLogService({ dataDir: join(dataDir, 'real-clock') }).append({ action: 'user.lookup' });
    expect(Date.parse(real.ts)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(real.ts)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('says the change was made when only its record failed, with the log\'s own reason', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    // The action itself tears the log, so its outcome cannot be chained after it.
    const error = await log
      .record({ action: 'authenticator.remove', tenant }, async () => {
        await appendFile(log.file, '{"torn');
        return 'removed';
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'conflict' });
    expect((error as AppError).message).toMatch(/^The change was made, but the audit log could not record it\. The audit log ends with an incomplete entry/);
    expect((error as AppError).cause).toMatchObject({ code: 'conflict' });
  });

  it('reports the action\'s own error when neither the action nor its record succeeded', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    const own = new AppError('unavailable', 'Authsignal did not answer.');
    await expect(
      log.record({ action: 'authenticator.remove', tenant }, async () => {
        await appendFile(log.file, '{"torn');
        throw own;
      }),
    ).rejects.toBe(own);
  });

  it('adds what the result tells to the record, and keeps the input when finish adds nothing', async () => {
    const log = service();
    await log.record({ action: 'enrollment.complete', tenant, subject: { userId: 'u-1' }, details: { ticket: 'T-1' } }, () => Promise.resolve(7), (n) => ({ subject: { userId: `u-${n}` } }));
    await log.record({ action: 'enrollment.complete', tenant, details: { ticket: 'T-2' } }, () => Promise.resolve(1), () => ({}));
    const all = await entries(log);
    expect(all[0]).toMatchObject({ subject: { userId: 'u-7' }, details: { ticket: 'T-1' }, outcome: 'ok' });
    expect(all[1]).toMatchObject({ details: { ticket: 'T-2' } });
    expect(await log.record({ action: 'user.lookup', tenant }, () => Promise.resolve('plain'))).toBe('plain');
  });

  it('verifies another file by its path, and says so when there is none', async () => {
    const log = service();
    await log.append({ action: 'user.lookup', tenant });
    const missing = join(dataDir, 'nope.jsonl');
    const error = await log.verify({ file: missing }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not-found', message: `There is no file at ${missing}. Check the path and try again.` });
    // A relative path to the log itself is the log.
    expect(await log.verify({ file: relative(process.cwd(), log.file) })).toMatchObject({ ok: true, file: log.file, entries: 1 });
  });
});

describe('reading large logs in chunks', () => {
  /** A valid chain of `n` entries written in one go (no fsync per entry), each about 1 KiB. */
  async function bigLog(n: number): Promise<{ log: AuditLogService; all: AuditEntry[] }> {
    const log = service();
    await mkdir(log.dir, { recursive: true });
    const all: AuditEntry[] = [];
    let head = { seq: 0, hash: AUDIT_GENESIS_HASH };
    for (let i = 0; i < n; i++) {
      const entry = buildEntry(
        { action: 'user.lookup', tenant, subject: { userId: `user-${i}` }, details: { note: `${i}:${'é'.repeat(300)}` } },
        head,
        { ts: '2026-01-01T00:00:00.000Z', actor: { osUser: 'os', agentName: 'A' } },
      );
      all.push(entry);
      head = { seq: entry.seq, hash: entry.hash };
    }
    await writeFile(log.file, all.map(lineOf).join(''));
    return { log, all };
  }

  it('verifies, lists and appends to a log of several 64 KiB chunks, lines split across chunks included', async () => {
    const { log, all } = await bigLog(300);
    expect((await stat(log.file)).size).toBeGreaterThan(3 * 64 * 1024);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 300, lastSeq: 300, lastHash: all[299].hash });
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await log.query(q({ limit: 70, cursor }));
      expect(page.skippedLines).toBe(0);
      seen.push(...page.entries.map((e) => e.seq));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => 300 - i));
    const page = await log.query(q({ text: '0:éé', limit: 500 }));
    expect(page.entries.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 291 - i * 10));
    expect(page.scannedLines).toBe(300);
    expect((await log.append({ action: 'user.search', tenant })).seq).toBe(301);
  });

  it('finds the end of a torn fragment longer than a chunk, and quarantines all of it', async () => {
    const { log } = await bigLog(3);
    const fragment = `{"details":"${'x'.repeat(150 * 1024)}`;
    await appendFile(log.file, fragment);
    expect(await log.status()).toMatchObject({ state: 'torn', lastSeq: 3, tornBytes: fragment.length });
    const repaired = await log.repair();
    expect(await readFile(join(log.dir, repaired.quarantineFile!), 'utf8')).toBe(fragment);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 4 });
  });

  it('reads a log that is one long torn line with no newline at all', async () => {
    const log = service();
    await mkdir(log.dir, { recursive: true });
    await writeFile(log.file, 'y'.repeat(70 * 1024));
    expect(await log.status()).toMatchObject({ state: 'torn', lastSeq: 0, tornBytes: 70 * 1024 });
    expect(await log.query(q({}))).toEqual({ entries: [], nextCursor: null, scannedLines: 0, skippedLines: 0 });
  });
});

describe('audit file helpers', () => {
  it('opens a missing file as null but reports any other failure', async () => {
    expect(await openIfExists(join(dataDir, 'missing'))).toBeNull();
    await writeFile(join(dataDir, 'plain'), 'x');
    await expect(openIfExists(join(dataDir, 'plain', 'under-a-file'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('fsyncs a directory, and reports one it cannot open (not on Windows)', async () => {
    await expect(syncDir(dataDir)).resolves.toBeUndefined();
    if (process.platform !== 'win32') await expect(syncDir(join(dataDir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes all of a buffer at a position', async () => {
    const path = join(dataDir, 'w');
    await writeFile(path, 'abcdef');
    const handle = await open(path, 'r+');
    try {
      await writeFully(handle, Buffer.from('XY'), 2);
    } finally {
      await handle.close();
    }
    expect(await readFile(path, 'utf8')).toBe('abXYef');
  });

  it('reads the tail of a clean, torn and single-line file', async () => {
    const path = join(dataDir, 't');
    const tailOf = async () => {
      const handle = await open(path, 'r');
      try {
        return await readTail(handle);
      } finally {
        await handle.close();
      }
    };
    await writeFile(path, 'one\ntwo\n');
    expect(await tailOf()).toEqual({ size: 8, completeEnd: 8, fragment: Buffer.alloc(0), lastLine: { text: 'two', offset: 4 } });
    await writeFile(path, 'one\ntwo\nthr');
    expect(await tailOf()).toEqual({ size: 11, completeEnd: 8, fragment: Buffer.from('thr'), lastLine: { text: 'two', offset: 4 } });
    await writeFile(path, 'one\n');
    expect(await tailOf()).toEqual({ size: 4, completeEnd: 4, fragment: Buffer.alloc(0), lastLine: { text: 'one', offset: 0 } });
    await writeFile(path, '');
    expect(await tailOf()).toEqual({ size: 0, completeEnd: 0, fragment: Buffer.alloc(0), lastLine: null });
  });

  it('walks lines backward with their offsets, empty lines included', async () => {
    const path = join(dataDir, 'b');
    await writeFile(path, 'a\n\nccc\n');
    const handle = await open(path, 'r');
    const got: { text: string; offset: number }[] = [];
    try {
      for await (const line of readLinesBackward(handle, 7)) got.push(line);
    } finally {
      await handle.close();
    }
    expect(got).toEqual([
      { text: 'ccc', offset: 3 },
      { text: '', offset: 2 },
      { text: 'a', offset: 0 },
    ]);
  });

  it('walks lines forward with their offsets, and marks an unterminated last line', async () => {
    const path = join(dataDir, 'f');
    await writeFile(path, 'a\n\nccc\ndd');
    const got = [];
    for await (const line of readLinesForward(path)) got.push(line);
    expect(got).toEqual([
      { text: 'a', offset: 0, terminated: true },
      { text: '', offset: 2, terminated: true },
      { text: 'ccc', offset: 3, terminated: true },
      { text: 'dd', offset: 7, terminated: false },
    ]);
  });
});

describe('CallTicketSink and the ticket policy', () => {
  it('carries the ticket of a verification onto every entry that names it, and nothing else', async () => {
    const log = service();
    const sink = new CallTicketSink(log, 'verificationId');
    sink.set('ver-1', 'INC-1');
    sink.set('ver-2', undefined);
    sink.set('ver-3', '');
    await sink.append({ action: 'verification.start', tenant, details: { verificationId: 'ver-1', method: 'sms-otp' } });
    await sink.append({ action: 'verification.start', tenant, details: { verificationId: 'ver-2' } });
    await sink.append({ action: 'verification.start', tenant, details: { verificationId: 'ver-3' } });
    await sink.append({ action: 'verification.start', tenant, details: { enrollmentId: 'ver-1' } });
    await sink.append({ action: 'verification.start', tenant, details: { verificationId: 1 } });
    await sink.append({ action: 'user.lookup', tenant });
    expect((await entries(log)).map((e) => e.details)).toEqual([
      { verificationId: 'ver-1', method: 'sms-otp', ticket: 'INC-1' },
      { verificationId: 'ver-2' },
      { verificationId: 'ver-3' },
      { enrollmentId: 'ver-1' },
      { verificationId: 1 },
      {},
    ]);
    // It asks the log it wraps whether it can write.
    await appendFile(log.file, '{"torn');
    await expect(sink.assertWritable()).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses a call without a ticket only when the policy asks for one, saying where to enter it', () => {
    const policy = (requireTicket: boolean) => ({ requireTicket }) as Parameters<typeof requireTicketByPolicy>[0];
    expect(() => requireTicketByPolicy(policy(false), undefined)).not.toThrow();
    expect(() => requireTicketByPolicy(policy(true), 'INC-1')).not.toThrow();
    const error = (() => {
      try {
        requireTicketByPolicy(policy(true), '');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'validation',
      message: 'This tenant asks for the ticket of every call: enter it in “Ticket for this call” first.',
      issues: [{ path: 'ticket', code: 'required', message: 'Enter the ticket reference of this call (such as INC-1234)' }],
    });
  });
});
