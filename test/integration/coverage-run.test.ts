import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { readReportRows } from '../../src/main/services/coverage/export';
import { runCoverage, type CoverageRunRequest } from '../../src/main/services/coverage/run';
import type { CoverageRow } from '@shared/domain/coverage';

// The coverage engine over real HTTP against the local tenant, with its faults on: rate limit,
// 5xx, latency with jitter and connection resets. The report must still be complete and correct,
// line for line, compared with the seed itself.

const USERS = 240;
const AS_OF = new Date('2026-06-01T00:00:00.000Z');
let emu: RunningEmulator;
let dir: string;
let ids: string[];

/** Fast retries so the faults cost little wall time; the policy itself is the production one. */
const FAST = { retry: { baseDelayMs: 10, maxDelayMs: 100 }, checkpointEveryMs: 100, progressEveryMs: 50 } satisfies Partial<CoverageRunRequest>;

const run = (input: string, out: string, extra: Partial<CoverageRunRequest> = {}) =>
  runCoverage({ ...FAST, inputPath: input, outPath: out, connection: { apiUrl: emu.apiUrl, secret: emu.secret }, now: () => AS_OF, ...extra });

async function rowsOf(path: string): Promise<CoverageRow[]> {
  const rows: CoverageRow[] = [];
  for await (const { row } of readReportRows(path)) rows.push(row);
  return rows;
}

/** What the report must say about a user, computed straight from the emulator's store. */
function expected(userId: string) {
  const list = emu.store.listAuthenticators(userId);
  const methods = [...new Set(list.map((a) => a.verificationMethod))].sort();
  const uses = list.map((a) => Date.parse(a.lastVerifiedAt ?? a.verifiedAt ?? a.createdAt));
  const threshold = AS_OF.getTime() - 180 * 86_400_000;
  return {
    userId,
    status: 'ok',
    count: list.length,
    methods,
    phishingResistant: methods.includes('PASSKEY') || methods.includes('SECURITY_KEY'),
    newestLastVerifiedAt: uses.length ? new Date(Math.max(...uses)).toISOString() : null,
    oldestLastVerifiedAt: uses.length ? new Date(Math.min(...uses)).toISOString() : null,
    stale: uses.length > 0 && uses.every((u) => u < threshold),
  };
}

beforeAll(async () => {
  emu = await startEmulator({ seed: USERS });
  ids = [...emu.store.userIds()];
  dir = await mkdtemp(join(tmpdir(), 'authdesk-coverage-'));
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('coverage run against the local tenant', () => {
  it('is complete and correct under rate limiting, 5xx, latency and connection resets', async () => {
    const input = join(dir, 'faults.csv');
    // Ids with characters the raw SDK would put in the path unencoded, plus users nobody enrolled.
    const extra = ['never-seen-user', 'a/b?c#d', '../users'];
    await writeFile(input, `userId,department\n${[...ids, ...extra].map((id) => `"${id}",it`).join('\n')}\n`);
    // The limit's bucket starts full (one second's worth), so it must be well under users/second to bite.
    emu.setFaults({ rateLimit: 80, latencyMs: 5, jitterMs: 10, errorRate: 0.08, resetRate: 0.04 });
    const before = { ...emu.faults.stats };
    const progress: number[] = [];
    const result = await run(input, join(dir, 'faults-report.csv'), { onProgress: (p) => progress.push(p.done) });
    emu.setFaults({ rateLimit: 0, latencyMs: 0, jitterMs: 0, errorRate: 0, resetRate: 0 });

    // The faults really happened…
    expect(emu.faults.stats.rateLimited - before.rateLimited).toBeGreaterThan(0);
    expect(emu.faults.stats.serverErrors - before.serverErrors).toBeGreaterThan(0);
    expect(emu.faults.stats.resets - before.resets).toBeGreaterThan(0);
    expect(result.requests.retries).toBeGreaterThan(0);
    // …and every user still has exactly one correct row, in input order.
    expect(result.state).toBe('completed');
    // The extra ids are unknown to the tenant: rows of their own, outside the coverage figures (issue #15).
    expect(result.summary).toMatchObject({ rows: ids.length + extra.length, users: ids.length, notFound: extra.length, failed: 0, invalid: 0 });
    const rows = await rowsOf(result.outPath);
    expect(rows.map((r) => r.line)).toEqual([...ids, ...extra].map((_, i) => i + 2));
    for (const [i, id] of ids.entries()) expect(rows[i]).toMatchObject(expected(id));
    for (const [i, id] of extra.entries()) expect(rows[ids.length + i]).toMatchObject({ userId: id, status: 'not-found', count: 0 });
    // The summary agrees with the rows it counts.
    expect(result.summary.byCount.zero).toBe(rows.filter((r) => r.status === 'ok' && r.count === 0).length);
    expect(result.summary.phishingResistant).toBe(rows.filter((r) => r.phishingResistant).length);
    expect(progress.at(-1)).toBe(rows.length);
  });

  it('regression #17: leaves the tenant alone for the whole Retry-After a 429 asked for', async () => {
    // Planted bug this catches: a 429 retried at once (or after the default wait instead of the
    // one asked). A relay in front of the tenant stamps every request as it arrives and answers the
    // sixth with 429 + Retry-After: 2, whatever the emulator profile; the other rows stay exact.
    const RETRY_AFTER_S = 2;
    const arrivals: { at: number; url: string }[] = [];
    let throttled: { at: number; url: string } | null = null;
    const upstream = new URL(emu.apiUrl);
    const relay = createServer((req, res) => {
      const at = performance.now();
      arrivals.push({ at, url: req.url ?? '' });
      if (arrivals.length === 6) {
        throttled = { at, url: req.url ?? '' };
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(RETRY_AFTER_S) });
        res.end(JSON.stringify({ error: 'too_many_requests', errorDescription: 'Retry after the time given in Retry-After.' }));
        return;
      }
      const out = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => req.socket.destroy());
      req.pipe(out);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    try {
      const input = join(dir, 'retry-after.csv');
      const some = ids.slice(0, 12);
      await writeFile(input, `userId\n${some.join('\n')}\n`);
      const { port } = relay.address() as AddressInfo;
      const result = await run(input, join(dir, 'retry-after-report.csv'), { connection: { apiUrl: `http://127.0.0.1:${port}${upstream.pathname}`, secret: emu.secret } });
      expect(result.state).toBe('completed');
      expect(result.requests.http429).toBe(1);
      const rows = await rowsOf(result.outPath);
      for (const [i, id] of some.entries()) expect(rows[i]).toMatchObject(expected(id));

      const t = throttled!;
      expect(t).not.toBeNull();
      const resumeAt = t.at + RETRY_AFTER_S * 1000 - 20; // timers may fire a few ms early
      // The throttled request is sent again only once the time asked for has passed…
      const retry = arrivals.find((a) => a.at > t.at && a.url === t.url);
      expect(retry, 'the throttled request was sent again').toBeDefined();
      expect(retry!.at - t.at, 'ms between the 429 and its retry').toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 20);
      // …and so is every other request but those already on their way when the 429 left.
      const early = arrivals.filter((a) => a.at > t.at + 250 && a.at < resumeAt);
      expect(early).toEqual([]);
    } finally {
      relay.closeAllConnections();
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });

  it('resolves emails through queryUsers and reports malformed lines with their numbers without stopping', async () => {
    const withEmail = ids.map((id) => ({ id, email: emu.store.getUser(id)?.email })).filter((u) => u.email).slice(0, 5);
    const lines = [
      'Email,notes',
      `${withEmail[0].email},first`,
      'not an email,x',
      '',
      `${withEmail[1].email?.toUpperCase()},case differs`,
      '"unclosed,quote',
      `${withEmail[2].email},too,many`,
      'nobody-has-this@example.invalid,y',
      `${withEmail[3].email},last`,
    ];
    const input = join(dir, 'emails.csv');
    await writeFile(input, lines.join('\r\n'));
    const result = await run(input, join(dir, 'emails-report.csv'));
    const rows = await rowsOf(result.outPath);
    expect(rows.map((r) => [r.line, r.status])).toEqual([
      [2, 'ok'],
      [3, 'invalid'],
      [5, 'ok'],
      [6, 'invalid'],
      [7, 'invalid'],
      [8, 'not-found'],
      [9, 'ok'],
    ]);
    expect(rows[0]).toMatchObject({ ...expected(withEmail[0].id), email: withEmail[0].email });
    expect(rows[2]).toMatchObject(expected(withEmail[1].id));
    expect(rows[6]).toMatchObject(expected(withEmail[3].id));
    expect(rows[1].reason).toBe('malformed: not an email address');
    expect(rows[3].reason).toMatch(/^malformed: not a valid CSV line/);
    expect(rows[4].reason).toBe('malformed: 3 fields where the header has 2');
    expect(rows[5].reason).toBe('not-found: no user has this email');
    expect(result.summary).toMatchObject({ rows: 7, users: 3, notFound: 1, failed: 0, invalid: 3, invalidLines: [3, 6, 7] });
  });

  it('reports users the tenant never answers for with the reason instead of dropping them', async () => {
    const input = join(dir, 'outage.txt');
    await writeFile(input, `${ids.slice(0, 3).join('\n')}\n`);
    emu.setFaults({ errorRate: 1 });
    try {
      const result = await run(input, join(dir, 'outage-report.csv'), { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3, outageStreak: 1000 } });
      const rows = await rowsOf(result.outPath);
      expect(rows.map((r) => [r.userId, r.status])).toEqual(ids.slice(0, 3).map((id) => [id, 'failed']));
      for (const row of rows) expect(row.reason).toMatch(/^unavailable: HTTP 50[03] after 3 attempts$/);
      expect(result.summary).toMatchObject({ failed: 3, failuresByCode: { unavailable: 3 } });
    } finally {
      emu.setFaults({ errorRate: 0 });
    }
  });

  it('stops the whole run (resumable) on a wrong secret instead of failing every row', async () => {
    const input = join(dir, 'denied.txt');
    await writeFile(input, `${ids.slice(0, 20).join('\n')}\n`);
    const out = join(dir, 'denied-report.csv');
    await expect(run(input, out, { connection: { apiUrl: emu.apiUrl, secret: 'wrong-secret' } })).rejects.toMatchObject({ code: 'unauthorized' });
    const resumed = await run(input, out, { resume: true });
    expect(resumed).toMatchObject({ state: 'completed', resumed: true });
    expect((await rowsOf(out)).map((r) => r.userId)).toEqual(ids.slice(0, 20));
  });

  it('cancelled mid-way and resumed, writes the same report as an uninterrupted run', async () => {
    const input = join(dir, 'cancel.txt');
    await writeFile(input, `${ids.join('\n')}\n`);
    const reference = await run(input, join(dir, 'reference.csv'));
    emu.setFaults({ latencyMs: 10 });
    const out = join(dir, 'cancelled.csv');
    const controller = new AbortController();
    const first = await run(input, out, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 60) controller.abort();
      },
    });
    emu.setFaults({ latencyMs: 0 });
    expect(first.state).toBe('cancelled');
    expect(first.summary.rows).toBeGreaterThan(0);
    expect(first.summary.rows).toBeLessThan(ids.length);
    await expect(run(input, out)).rejects.toMatchObject({ code: 'conflict' });
    const second = await run(input, out, { resume: true });
    expect(second).toMatchObject({ state: 'completed', resumed: true });
    expect(await readFile(out, 'utf8')).toBe(await readFile(reference.outPath, 'utf8'));
    expect(second.summary).toEqual(reference.summary);
    // Resuming a finished run changes nothing.
    const again = await run(input, out, { resume: true });
    expect(again.state).toBe('completed');
    expect(await readFile(out, 'utf8')).toBe(await readFile(reference.outPath, 'utf8'));
  });

  it('refuses to resume over a changed input', async () => {
    const input = join(dir, 'changing.txt');
    await writeFile(input, `${ids.slice(0, 30).join('\n')}\n`);
    const out = join(dir, 'changing.csv');
    const controller = new AbortController();
    controller.abort();
    await run(input, out, { signal: controller.signal });
    await writeFile(input, `${ids.slice(0, 31).join('\n')}\n`);
    const refused = run(input, out, { resume: true });
    await expect(refused).rejects.toMatchObject({ code: 'conflict' });
    await expect(refused).rejects.toThrow(/input file changed/);
  });
});
