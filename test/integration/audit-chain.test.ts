import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/main/cli';
import { AuditLogService, verifyFile } from '../../src/main/services/audit/audit-log.service';
import type { AuditPage, AuditVerifyResult } from '@shared/domain/audit';

const BIN = fileURLToPath(new URL('../../bin/authdesk', import.meta.url));
const tenant = { id: 'local', name: 'Local tenant' };

let home: string;
let log: AuditLogService;
beforeEach(async () => {
  home = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'audit-chain-'));
  log = new AuditLogService({ dataDir: home, agentName: () => 'Dana', lockStaleMs: 2000 });
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Seven entries of the kinds the console writes, including a failure and a verification stamp. */
async function writeSample(): Promise<void> {
  await log.append({ action: 'user.search', tenant, details: { query: 'dana@example.com', kind: 'email' } });
  await log.append({ action: 'user.lookup', tenant, subject: { userId: 'user|42' } });
  await log.append({ action: 'verification.start', tenant, subject: { userId: 'user|42' }, details: { method: 'email-otp' } });
  await log.append({
    action: 'verification.succeed',
    tenant,
    subject: { userId: 'user|42' },
    verification: { id: 'ver-1', method: 'email-otp', expiresAt: '2026-05-01T10:10:00.000Z' },
  });
  await log.append({
    action: 'authenticator.remove',
    tenant,
    subject: { userId: 'user|42' },
    details: { reason: 'Lost phone — “replaced”', ticket: 'HD-1042', authenticatorId: 'auth-7', method: 'SMS' },
    verification: { id: 'ver-1', method: 'email-otp', expiresAt: '2026-05-01T10:10:00.000Z' },
  });
  await log.append({ action: 'sessions.revoke', tenant, subject: { userId: 'user|42' }, error: { code: 'unavailable', message: 'Authsignal did not answer.' } });
  await log.append({ action: 'coverage.run', tenant, details: { users: 2000, failed: 0 } });
}

const lineStarts = (buf: Buffer) => {
  const starts = [0];
  for (let i = 0; i < buf.length - 1; i++) if (buf[i] === 0x0a) starts.push(i + 1);
  return starts;
};

describe('audit verify over real files', () => {
  it('names the altered line for a change to ANY single byte of a middle line', async () => {
    await writeSample();
    const original = await readFile(log.file);
    const starts = lineStarts(original);
    expect(starts).toHaveLength(7);
    const target = 4; // 1-based: the authenticator.remove line, with non-ASCII text in it
    const from = starts[target - 1];
    const to = starts[target]; // includes the line's own newline
    const misses: number[] = [];
    for (let pos = from; pos < to; pos++) {
      const copy = Buffer.from(original);
      copy[pos] ^= 0x01;
      await writeFile(log.file, copy);
      const result = await verifyFile(log.file);
      if (result.ok || result.broken.line !== target) misses.push(pos - from);
    }
    expect(misses).toEqual([]);
    expect(to - from).toBeGreaterThan(300);
  });

  it('names the line where an entry was deleted, and where two were swapped', async () => {
    await writeSample();
    const lines = (await readFile(log.file, 'utf8')).split('\n').filter(Boolean);
    await writeFile(log.file, [...lines.slice(0, 2), ...lines.slice(3)].map((l) => `${l}\n`).join(''));
    expect(await log.verify()).toMatchObject({ ok: false, entries: 2, broken: { line: 3, seq: 4, reason: 'seq-gap' } });
    await writeFile(log.file, [lines[0], lines[2], lines[1], ...lines.slice(3)].map((l) => `${l}\n`).join(''));
    expect(await log.verify()).toMatchObject({ ok: false, broken: { line: 2, seq: 3, reason: 'seq-gap' } });
    // Dropping the first entry is caught too: the chain must start at seq 1 from the genesis hash.
    await writeFile(log.file, lines.slice(1).map((l) => `${l}\n`).join(''));
    expect(await log.verify()).toMatchObject({ ok: false, broken: { line: 1, seq: 2, reason: 'seq-gap' } });
  });

  it('verifies an exported slice from its first entry and reports its anchor', async () => {
    await writeSample();
    const lines = (await readFile(log.file, 'utf8')).split('\n').filter(Boolean);
    const slicePath = join(home, 'slice.jsonl');
    await writeFile(slicePath, lines.slice(2, 5).map((l) => `${l}\n`).join(''));
    // As a whole log it does not start at the genesis hash.
    expect(await verifyFile(slicePath)).toMatchObject({ ok: false, broken: { line: 1, seq: 3, reason: 'seq-gap' } });
    const second = JSON.parse(lines[1]) as { hash: string };
    const fifth = JSON.parse(lines[4]) as { hash: string };
    expect(await log.verify({ file: slicePath, slice: true })).toMatchObject({
      ok: true,
      entries: 3,
      lastSeq: 5,
      lastHash: fifth.hash,
      slice: { firstSeq: 3, anchorHash: second.hash },
    });
    // The slice's own first entry is still checked, and so is the rest of its chain.
    await writeFile(slicePath, [lines[2].replace('email-otp', 'email-0tp'), lines[3]].map((l) => `${l}\n`).join(''));
    expect(await verifyFile(slicePath, { slice: true })).toMatchObject({ ok: false, broken: { line: 1, reason: 'hash-mismatch' } });
    await writeFile(slicePath, [lines[2], lines[4]].map((l) => `${l}\n`).join(''));
    expect(await verifyFile(slicePath, { slice: true })).toMatchObject({ ok: false, broken: { line: 2, seq: 5, reason: 'seq-gap' } });
  });

  it('catches a re-hashed forgery at the next line (prev mismatch)', async () => {
    await writeSample();
    const { canonicalJson, hashOf } = await import('../../src/main/services/audit/audit-format');
    const lines = (await readFile(log.file, 'utf8')).split('\n').filter(Boolean);
    const forged = JSON.parse(lines[4]) as Record<string, unknown>;
    forged.details = { reason: 'nothing to see', ticket: 'HD-0' };
    forged.hash = hashOf(forged);
    lines[4] = canonicalJson(forged);
    await writeFile(log.file, lines.map((l) => `${l}\n`).join(''));
    expect(await log.verify()).toMatchObject({ ok: false, entries: 5, broken: { line: 6, seq: 6, reason: 'prev-mismatch' } });
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, AUTHDESK_HOME: home, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same CLI in-process (same `main`, same services), for the cases that need no real exit. */
async function cliInProcess(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    stdin: process.stdin,
    env: { ...process.env, AUTHDESK_HOME: home },
    platform: process.platform,
  });
  return { code, stdout, stderr };
}

describe('npx authdesk audit', () => {
  it('verify (the real bin/authdesk process): OK with the count and exit 0, then the broken line and exit 1', async () => {
    await writeSample();
    const ok = await cli(['audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 7 entries, chain intact/);

    const copy = join(home, 'exported.jsonl');
    await copyFile(log.file, copy);
    const raw = await readFile(log.file, 'utf8');
    await writeFile(log.file, raw.replace('HD-1042', 'HD-1043'));
    const broken = await cli(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN at line 5 (seq 5): hash-mismatch');
    expect(broken.stdout).toContain('4 entries before it verify');

    const json = await cliInProcess(['--json', 'audit', 'verify']);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as AuditVerifyResult;
    expect(parsed).toMatchObject({ ok: false, broken: { line: 5, seq: 5, reason: 'hash-mismatch' } });

    const exported = await cliInProcess(['audit', 'verify', '--file', copy]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(copy);
    const part = join(home, 'part.jsonl');
    await writeFile(part, (await readFile(copy, 'utf8')).split('\n').slice(3).join('\n'));
    const slice = await cliInProcess(['audit', 'verify', '--file', part, '--slice']);
    expect(slice.code).toBe(0);
    expect(slice.stdout).toMatch(/^OK: 4 entries, chain intact from seq 4 \(chained from hash [0-9a-f]{64}\) to seq 7/);
    expect((await cliInProcess(['audit', 'verify', '--slice'])).code).toBe(2);
    const missing = await cliInProcess(['audit', 'verify', '--file', join(home, 'nope.jsonl')]);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain('There is no file at');
  });

  it('list filters by user and action, as a table and as JSON', async () => {
    await writeSample();
    const table = await cliInProcess(['audit', 'list', '--user', 'user|42', '--action', 'verification.*']);
    expect(table.code).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^SEQ\s+TIME\s+ACTION\s+OUTCOME\s+AGENT\s+TENANT\s+USER\s+DETAILS$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/)[2])).toEqual(['verification.succeed', 'verification.start']);
    const json = await cliInProcess(['--json', 'audit', 'list', '--outcome', 'error']);
    const page = JSON.parse(json.stdout) as AuditPage;
    expect(page.entries.map((e) => [e.seq, e.action, e.error?.code])).toEqual([[6, 'sessions.revoke', 'unavailable']]);
    const bad = await cliInProcess(['audit', 'list', '--since', 'last tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since must be a date');
  });

  it('status and repair after a torn append', async () => {
    await writeSample();
    await writeFile(log.file, `${await readFile(log.file, 'utf8')}{"action":"user.lo`);
    const status = await cliInProcess(['audit', 'status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/^TORN: .*after seq 7/);
    const verify = await cliInProcess(['audit', 'verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('BROKEN at line 8: torn-tail');
    const repair = await cliInProcess(['audit', 'repair']);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toMatch(/moved to quarantine\/torn-after-seq-7-[0-9a-f]{12}\.fragment/);
    const again = await cliInProcess(['audit', 'verify']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('OK: 8 entries');
    expect(again.stdout).toContain('1 crash repair(s) recorded');
  });
});
