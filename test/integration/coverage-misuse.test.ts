import { chmod, link, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import type { Services } from '../../src/main/services/container';
import { readCheckpoint } from '../../src/main/services/coverage/checkpoint';
import { readReportRows } from '../../src/main/services/coverage/export';
import { clearKeychains, cliEnv, closeTestHome, openTestHome, runCli, testKeychainService } from '../support/cli-home';

// The coverage CLI and console used the way a careless (or hostile) operator would: resuming
// against another tenant or with other options, two runs on one report, outputs on top of the
// input, hostile values. Real emulators over HTTP, real keychain, the real CLI entry point.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'authdesk');
const service = testKeychainService('coverage-misuse');
let emuA: RunningEmulator;
let emuB: RunningEmulator;
let home: string;
let services: Services;
let idsA: string[];
let tenantA: string;
let tenantB: string;

const cli = (args: string[]) => runCli(args, { home, service });

/** A run of `input` into `out` stopped after its first checkpoint (as a kill leaves it: resumable). */
async function stoppedRun(input: string, out: string, tenantRef: string, options: Record<string, unknown> = {}): Promise<void> {
  const controller = new AbortController();
  const result = await services.coverage.run({
    inputPath: input,
    outPath: out,
    tenantRef,
    options: { concurrencyMax: 2, ...options },
    signal: controller.signal,
    onProgress: (p) => {
      if (p.done >= 5) controller.abort();
    },
  });
  expect(result.state).toBe('cancelled');
  expect((await readCheckpoint(`${out}.checkpoint`))?.ended).toBe(false);
}

beforeAll(async () => {
  emuA = await startEmulator({ seed: 200, secret: 'misuse-secret-a-1234' });
  emuB = await startEmulator({ seed: 200, secret: 'misuse-secret-b-5678' });
  idsA = [...emuA.store.userIds()];
  ({ home, services } = await openTestHome('coverage-misuse', service));
  tenantA = (await services.tenants.add({ name: 'Alpha', apiUrl: emuA.apiUrl, tenantId: 'alpha-tenant', secret: emuA.secret, testFirst: false, makeActive: true })).id;
  tenantB = (await services.tenants.add({ name: 'Bravo', apiUrl: emuB.apiUrl, tenantId: 'bravo-tenant', secret: emuB.secret, testFirst: false, makeActive: false })).id;
});
afterAll(async () => {
  await clearKeychains(service);
  await closeTestHome(home, services);
  await emuA.close();
  await emuB.close();
});

describe('a run is bound to its tenant, input and options', () => {
  it('CLI: a run stopped on tenant A and resumed after switching to tenant B is refused, naming both', async () => {
    const input = join(home, 'switch.txt');
    const out = join(home, 'switch.csv');
    await writeFile(input, `${idsA.join('\n')}\n`);
    emuA.setFaults({ latencyMs: 5 });
    await stoppedRun(input, out, tenantA);
    emuA.setFaults({ latencyMs: 0 });
    await services.tenants.setActive(tenantB);
    try {
      const resumed = await cli(['coverage', '--input', input, '--out', out, '--resume']);
      expect(resumed.code).toBe(7);
      expect(resumed.stderr).toMatch(/This run reads tenant "Alpha" \(.*\), but the tenant now is tenant "Bravo"/);
      // Nothing of tenant B was written: the checkpoint still stands where the stop left it.
      const rows: string[] = [];
      for await (const { row } of readReportRows(out)) rows.push(row.userId);
      expect(rows.every((id) => idsA.includes(id))).toBe(true);
      // Back on tenant A, the same resume finishes the run.
      const ok = await cli(['coverage', '--input', input, '--out', out, '--resume', '--tenant', 'Alpha']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^rows:\s+200$/m);
    } finally {
      await services.tenants.setActive(tenantA);
    }
  });

  it('CLI: a resume with other options or another input is refused, naming both sides', async () => {
    const input = join(home, 'opts.txt');
    const out = join(home, 'opts.csv');
    await writeFile(input, `${idsA.join('\n')}\n`);
    emuA.setFaults({ latencyMs: 5 });
    await stoppedRun(input, out, tenantA, { staleDays: 90 });
    emuA.setFaults({ latencyMs: 0 });
    const other = await cli(['coverage', '--input', input, '--out', out, '--resume', '--stale-days', '30']);
    expect(other.code).toBe(7);
    expect(other.stderr).toMatch(/started with --stale-days 90; this resume asks for --stale-days 30/);
    const by = await cli(['coverage', '--input', input, '--out', out, '--resume', '--by', 'email']);
    expect(by.code).toBe(7);
    expect(by.stderr).toMatch(/started with --by auto; this resume asks for --by email/);
    const changed = join(home, 'opts-other.txt');
    await writeFile(changed, `${idsA.slice(1).join('\n')}\n`);
    const wrongInput = await cli(['coverage', '--input', changed, '--out', out, '--resume']);
    expect(wrongInput.code).toBe(7);
    expect(wrongInput.stderr).toMatch(/the run started over .*opts\.txt \(200 rows, sha256 [0-9a-f]{12}…\), .*opts-other\.txt now has 199 rows/);
    // The same options (or none) continue it.
    const same = await cli(['coverage', '--input', input, '--out', out, '--resume', '--stale-days', '90']);
    expect(same.code).toBe(0);
  });

  it('console: resuming a run of tenant A while tenant B is active is refused, naming both', async () => {
    const text = `userId\n${idsA.join('\n')}\n`;
    const { uploadId } = await services.coverage.upload({ seq: 0, chunk: text, done: true, name: 'a.csv' });
    emuA.setFaults({ latencyMs: 20 });
    const started = await services.coverage.start({ uploadId, options: { staleDays: 180, concurrencyMax: 1, by: 'auto', withProfile: false } });
    await services.coverage.cancel(started.runId);
    emuA.setFaults({ latencyMs: 0 });
    await services.tenants.setActive(tenantB);
    try {
      await expect(services.coverage.start({ resumeRunId: started.runId })).rejects.toThrow(/This run reads tenant "Alpha" .*but the tenant now is tenant "Bravo"/);
    } finally {
      await services.tenants.setActive(tenantA);
    }
    const resumed = await services.coverage.start({ resumeRunId: started.runId });
    await services.coverage.idle();
    expect((await services.coverage.status(resumed.runId)).run?.state).toBe('completed');
  });
});

describe('outputs never destroy the input, each other or an earlier report', () => {
  const run = (args: string[]) => cli(['coverage', ...args]);

  it('refuses --out or --json-out that is the input (also through a symlink or a hard link) or each other', async () => {
    const input = join(home, 'keep.txt');
    const text = `${idsA.slice(0, 5).join('\n')}\n`;
    await writeFile(input, text);
    await symlink(input, join(home, 'keep-link.csv'));
    await link(input, join(home, 'keep-hard.csv'));
    const cases: Array<[string[], RegExp]> = [
      [['--out', input], /--out .*keep\.txt is the input/],
      [['--out', join(home, 'keep-link.csv')], /--out .*keep-link\.csv is the input .*, through .*keep\.txt/],
      [['--out', join(home, 'keep-hard.csv')], /--out .*keep-hard\.csv is the input/],
      [['--out', join(home, 'fresh.csv'), '--json-out', input], /--json-out .*keep\.txt is the input/],
      [['--out', join(home, 'fresh.csv'), '--json-out', join(home, 'fresh.csv')], /--json-out .*fresh\.csv is --out/],
      [['--out', join(home, 'fresh.csv'), '--json-out', join(home, 'fresh.csv.checkpoint')], /--json-out .*is the checkpoint/],
    ];
    for (const [args, message] of cases) {
      const refused = await run(['--input', input, ...args, '--force']);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(message);
      expect(await readFile(input, 'utf8')).toBe(text);
    }
    await expect(stat(join(home, 'fresh.csv'))).rejects.toThrow();
  });

  it('does not replace an existing report without --force, and writes every output owner-only', async () => {
    const input = join(home, 'again.txt');
    await writeFile(input, `${idsA.slice(0, 5).join('\n')}\n`);
    const out = join(home, 'again.csv');
    const json = join(home, 'again.json');
    await writeFile(out, 'somebody else\'s report\n', { mode: 0o644 });
    await chmod(out, 0o644);
    const refused = await run(['--input', input, '--out', out]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/--out .*again\.csv already exists\. Choose another path, or pass --force/);
    expect(await readFile(out, 'utf8')).toBe("somebody else's report\n");
    const forced = await run(['--input', input, '--out', out, '--json-out', json, '--force']);
    expect(forced.code).toBe(0);
    for (const file of [out, `${out}.checkpoint`, join(home, 'again.summary.json'), json]) {
      expect(((await stat(file)).mode & 0o777).toString(8), file).toBe('600');
    }
    // A second run over the finished report is refused again; so is an existing --json-out.
    expect((await run(['--input', input, '--out', out])).code).toBe(7);
    const jsonExists = await run(['--input', input, '--out', join(home, 'again2.csv'), '--json-out', json]);
    expect(jsonExists.code).toBe(7);
    expect(jsonExists.stderr).toMatch(/--json-out .*again\.json already exists/);
  });

  it('names the path and the reason when an output cannot be written', async () => {
    const input = join(home, 'io.txt');
    await writeFile(input, `${idsA.slice(0, 3).join('\n')}\n`);
    const missing = await run(['--input', input, '--out', join(home, 'no-such-folder', 'r.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot write the report .*no-such-folder\/r\.csv: the folder does not exist \(ENOENT\)/);
    await mkdir(join(home, 'a-folder.csv'));
    const folder = await run(['--input', input, '--out', join(home, 'a-folder.csv'), '--force']);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/Cannot write the report .*a-folder\.csv: it is a folder \(EISDIR\)/);
    expect(missing.stderr + folder.stderr).not.toMatch(/Something went wrong/);
  });
});

describe('one run per report, complete only when every input line is in it once', () => {
  function spawned(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(BIN, args, { env: cliEnv({ home, service }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('two resumes started at once in two processes: one runs, the other is refused; the report has each row once', async () => {
    const input = join(home, 'twice.txt');
    const out = join(home, 'twice.csv');
    await writeFile(input, `${idsA.join('\n')}\n`);
    emuA.setFaults({ latencyMs: 5 });
    await stoppedRun(input, out, tenantA);
    try {
      const args = ['coverage', '--input', input, '--out', out, '--resume', '--concurrency-max', '2', '--json'];
      const [a, b] = await Promise.all([spawned(args), spawned(args)]);
      const codes = [a.code, b.code].sort();
      expect(codes, a.stderr + b.stderr).toEqual([0, 7]);
      const loser = a.code === 7 ? a : b;
      expect(loser.stderr, loser.stderr).toMatch(/Another coverage run \(process \d+ on .*\) is writing .*twice\.csv/);
    } finally {
      emuA.setFaults({ latencyMs: 0 });
    }
    const lines: number[] = [];
    for await (const { row } of readReportRows(out)) lines.push(row.line);
    expect(lines).toEqual(idsA.map((_, i) => i + 1));
    expect((await readCheckpoint(`${out}.checkpoint`))?.ended).toBe(true);
  });

  it('takes the lock over from a dead owner at once, never from a live one', async () => {
    const input = join(home, 'owner.txt');
    await writeFile(input, `${idsA.slice(0, 10).join('\n')}\n`);
    const out = join(home, 'owner.csv');
    const lockDir = `${out}.lock`;
    // A live owner (this very process) holds it: refused.
    await mkdir(lockDir);
    await writeFile(`${out}.lock-owner.json`, JSON.stringify({ pid: process.pid, host: hostname(), since: 'earlier' }));
    const refused = await cli(['coverage', '--input', input, '--out', out]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(new RegExp(`Another coverage run \\(process ${process.pid} on `));
    // Its owner died (a process that has exited): taken over, the run completes and lets go.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(`${out}.lock-owner.json`, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), since: 'earlier' }));
    const ok = await cli(['coverage', '--input', input, '--out', out]);
    expect(ok.code).toBe(0);
    await expect(stat(lockDir)).rejects.toThrow();
  });

  it('a report with a row written twice is never reported complete', async () => {
    const input = join(home, 'dup.txt');
    await writeFile(input, `${idsA.slice(0, 20).join('\n')}\n`);
    const out = join(home, 'dup.csv');
    expect((await cli(['coverage', '--input', input, '--out', out])).code).toBe(0);
    const lines = (await readFile(out, 'utf8')).split('\n');
    // What a second writer leaves: a row that is already there, once more.
    await writeFile(out, [...lines.slice(0, 4), lines[3], ...lines.slice(4)].join('\n'));
    const again = await cli(['coverage', '--input', input, '--out', out, '--resume']);
    expect(again.code).toBe(7);
    expect(again.stderr).toMatch(/does not hold exactly one row per input line \(input line 3 appears twice\)/);
  });
});

describe('input that is not a list of users', () => {
  it('refuses a 20 MB binary file before any request, and writes nothing', async () => {
    const input = join(home, 'junk.bin');
    const junk = randomBytes(20 * 1024 * 1024);
    junk[0] = 0x41; // no known signature: caught by what it holds
    await writeFile(input, junk);
    const before = emuA.faults.stats.requests;
    const refused = await cli(['coverage', '--input', input, '--out', join(home, 'junk.csv')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/The input .*junk\.bin is not a text list of users: it holds NUL bytes/);
    expect(emuA.faults.stats.requests).toBe(before);
    await expect(stat(join(home, 'junk.csv'))).rejects.toThrow();
    await expect(stat(join(home, 'junk.csv.checkpoint'))).rejects.toThrow();
  });

  it('looks up values as written: "\\t=1+1" is a malformed line, not the user "=1+1"', async () => {
    const input = join(home, 'formula.txt');
    await writeFile(input, `${idsA[0]}\n\t=1+1\n ${idsA[1]}\n`);
    const before = emuA.faults.stats.requests;
    const done = await cli(['coverage', '--input', input, '--out', join(home, 'formula.csv'), '--json']);
    expect(done.code).toBe(0);
    const rows: Array<[number, string, string]> = [];
    for await (const { row } of readReportRows(join(home, 'formula.csv'))) rows.push([row.line, row.status, row.userId]);
    expect(rows).toEqual([
      [1, 'ok', idsA[0]],
      [2, 'invalid', ''],
      [3, 'invalid', idsA[1]],
    ]);
    // One lookup: the valid id (its authenticators); nothing for the two malformed lines.
    expect(emuA.faults.stats.requests - before).toBeLessThanOrEqual(2);
  });
});
