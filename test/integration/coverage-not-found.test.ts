import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { readReportRows } from '../../src/main/services/coverage/export';
import { runCoverage } from '../../src/main/services/coverage/run';
import { summaryText } from '../../src/main/cli/commands/coverage';

// Ids Authsignal has never seen (typos, deleted users) are their own category, kept out of the
// coverage figures, under both readings of the Server API for an unknown id: the emulator's (200,
// not enrolled, no attributes, no authenticators), and a 404 (through a proxy in front of the
// emulator that answers 404 for every id the emulator's store does not hold).

let emu: RunningEmulator;
let proxy: Server;
let proxyUrl: string;
let dir: string;
let withAuth: string;
let withoutAuth: string;
const TYPO = 'usr-typo-never-seen';

beforeAll(async () => {
  emu = await startEmulator({ seed: 60 });
  const ids = [...emu.store.userIds()];
  withAuth = ids.find((id) => emu.store.listAuthenticators(id).length > 0)!;
  withoutAuth = ids.find((id) => emu.store.listAuthenticators(id).length === 0)!;
  const target = new URL(emu.apiUrl);
  proxy = createServer((req, res) => {
    const m = /\/users\/([^/?]+)/.exec(req.url ?? '');
    if (m && !emu.store.getUser(decodeURIComponent(m[1]))) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not_found', errorDescription: 'User not found' }));
      return;
    }
    const upstream = request({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;
  dir = await mkdtemp(join(tmpdir(), 'authdesk-coverage-nf-'));
});
afterAll(async () => {
  await new Promise((r) => proxy.close(r));
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

describe('users Authsignal has no record of', () => {
  for (const reading of ['200, no record (emulator)', '404 (proxy)'] as const) {
    it(`are reported as not found and kept out of the coverage figures: ${reading}`, async () => {
      const input = join(dir, `nf-${reading.length}.txt`);
      await writeFile(input, `${withAuth}\n${withoutAuth}\n${TYPO}\n`);
      const apiUrl = reading.startsWith('404') ? proxyUrl : emu.apiUrl;
      const result = await runCoverage({ inputPath: input, outPath: join(dir, `nf-${reading.length}.csv`), connection: { apiUrl, secret: emu.secret } });
      const rows: Array<[string, string, number]> = [];
      for await (const { row } of readReportRows(result.outPath)) rows.push([row.userId, row.status, row.count]);
      expect(rows).toEqual([
        [withAuth, 'ok', emu.store.listAuthenticators(withAuth).length],
        [withoutAuth, 'ok', 0],
        [TYPO, 'not-found', 0],
      ]);
      expect(result.summary).toMatchObject({ rows: 3, users: 2, notFound: 1, failed: 0, byCount: { zero: 1 } });
      expect(summaryText(result)).toMatch(/^not found in Authsignal:\s+1$/m);
    });
  }

  it('an email no user has is not found, not a failure', async () => {
    const input = join(dir, 'emails.csv');
    await writeFile(input, 'email\nnobody-has-this@example.invalid\n');
    const result = await runCoverage({ inputPath: input, outPath: join(dir, 'emails-report.csv'), connection: { apiUrl: emu.apiUrl, secret: emu.secret } });
    expect(result.summary).toMatchObject({ rows: 1, users: 0, notFound: 1, failed: 0 });
  });
});
