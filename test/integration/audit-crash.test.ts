import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLogService } from '../../src/main/services/audit/audit-log.service';

const CHILD = fileURLToPath(new URL('./audit-append-child.ts', import.meta.url));
const tenant = { id: 'local', name: 'Local tenant' };

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'audit-crash-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * Runs the appending child, lets it write for `runMs` after its first fsync'd entry, then kills it
 * with SIGKILL. Resolves with the highest seq the child reported done (after fsync).
 */
function appendThenKill(runMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastDone = 0;
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^done (\d+)$/.exec(line);
        if (m) lastDone = Number(m[1]);
      }
      timer ??= setTimeout(() => child.kill('SIGKILL'), runMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (${code}): ${stderr}`));
      else resolve(lastDone);
    });
  });
}

describe('audit log under kill -9', () => {
  it('leaves a log that verifies or names exactly its torn last line, loses nothing reported done, and recovers', async () => {
    const log = new AuditLogService({ dataDir, lockStaleMs: 2000 });
    const outcomes: string[] = [];
    for (const runMs of [40, 130, 260]) {
      const reportedDone = await appendThenKill(runMs);
      expect(reportedDone).toBeGreaterThan(0);
      const raw = await readFile(log.file, 'utf8');
      const lineCount = raw.endsWith('\n') ? raw.split('\n').length - 1 : raw.split('\n').length;
      const result = await log.verify();
      if (result.ok) {
        outcomes.push('ok');
        expect(result.entries).toBe(lineCount);
      } else {
        outcomes.push('torn');
        // The only acceptable damage is the very last line, and it is reported, not dropped.
        expect(result.broken.reason).toBe('torn-tail');
        expect(result.broken.line).toBe(lineCount);
        expect(result.entries).toBe(lineCount - 1);
        expect(await log.status()).toMatchObject({ state: 'torn' });
        const repaired = await log.repair();
        expect(repaired.kind).not.toBe('none');
        expect(await log.verify()).toMatchObject({ ok: true });
      }
      // Every append the child saw resolve is on disk: durability before "done".
      const verified = await log.verify();
      expect(verified.ok && verified.lastSeq).toBeGreaterThanOrEqual(reportedDone);
    }
    // The next run (a restart) continues the same chain.
    const after = await log.append({ action: 'user.lookup', tenant });
    expect(await log.verify()).toMatchObject({ ok: true, lastSeq: after.seq, lastHash: after.hash });
    expect(outcomes).toHaveLength(3);
  });

  it('names a last line cut at any byte, and repairs it into quarantine', async () => {
    const log = new AuditLogService({ dataDir, lockStaleMs: 2000 });
    for (let i = 0; i < 4; i++) await log.append({ action: 'user.lookup', tenant, details: { i, reason: 'checking the caller' } });
    const full = await readFile(log.file);
    const lastStart = full.lastIndexOf(0x0a, full.length - 2) + 1;
    const lastLength = full.length - lastStart;
    // Cut the last line at a spread of points (as a power cut mid-write would), one at a time.
    for (const keep of [1, 10, Math.floor(lastLength / 2), lastLength - 2]) {
      await truncate(log.file, lastStart + keep);
      const result = await log.verify();
      expect(result).toMatchObject({ ok: false, entries: 3, broken: { line: 4, reason: 'torn-tail' } });
      await expect(log.append({ action: 'user.lookup', tenant })).rejects.toMatchObject({ code: 'conflict' });
      // Put the original back for the next cut.
      await writeFile(log.file, full, { mode: 0o600 });
    }
    await truncate(log.file, lastStart + 25);
    const fragment = full.subarray(lastStart, lastStart + 25);
    const repaired = await log.repair();
    expect(repaired.kind).toBe('quarantined');
    expect(await readFile(join(log.dir, repaired.quarantineFile ?? 'missing'))).toEqual(fragment);
    expect(await log.verify()).toMatchObject({ ok: true, entries: 4, recoveries: 1 });
    const recovered = (await log.query({ action: ['log.recovered'], limit: 1 })).entries[0];
    expect(recovered.details).toMatchObject({ kind: 'quarantined', afterSeq: 3, fragmentBytes: 25, quarantineFile: repaired.quarantineFile });
  });
});
