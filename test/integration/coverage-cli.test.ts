import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { main } from '../../src/main/cli';
import type { Services } from '../../src/main/services/container';
import { readCheckpoint } from '../../src/main/services/coverage/checkpoint';
import { readReportRows } from '../../src/main/services/coverage/export';
import { runCoverage } from '../../src/main/services/coverage/run';
import { clearKeychains, cliEnv, closeTestHome, openTestHome, testKeychainService } from '../support/cli-home';

// `bin/authdesk coverage` spawned for real against the emulator over HTTP, with the tenant's secret
// in the real keychain. The run is killed with SIGKILL (no chance to save anything) and stopped
// with SIGINT, then resumed: the final report must be byte-identical to an uninterrupted run.

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'authdesk');
const service = testKeychainService('coverage');
const SECRET = 'coverage-cli-secret-5a4b3c';
const USERS = 300;

let emu: RunningEmulator;
let home: string;
let services: Services;
let ids: string[];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function authdesk(args: string[], onStart?: (child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: cliEnv({ home, service }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      expect(stdout + stderr).not.toContain(SECRET);
      resolve({ code, signal, stdout, stderr });
    });
    onStart?.(child);
  });
}

/** Resolves once the checkpoint says at least `rows` rows are durable. */
async function waitForRows(checkpoint: string, rows: number, child: ChildProcess): Promise<number> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error('the run ended before it could be interrupted');
    const state = await readCheckpoint(checkpoint).catch(() => undefined);
    if (state && state.last.summary.rows >= rows) return state.last.summary.rows;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no progress');
}

beforeAll(async () => {
  emu = await startEmulator({ seed: USERS, secret: SECRET });
  ids = [...emu.store.userIds()];
  ({ home, services } = await openTestHome('coverage-cli', service));
  await services.tenants.add({ name: 'emu', apiUrl: emu.apiUrl, tenantId: 'emu-tenant', secret: SECRET, testFirst: false, makeActive: true });
});
afterAll(async () => {
  await clearKeychains(service);
  await closeTestHome(home, services);
  await emu.close();
});

describe('authdesk coverage (spawned)', () => {
  it('killed with SIGKILL and stopped with SIGINT, resumes to the same report as an uninterrupted run', async () => {
    const input = join(home, 'users.csv');
    const out = join(home, 'report.csv');
    const checkpoint = `${out}.checkpoint`;
    await writeFile(input, `userId\n${ids.join('\n')}\n`);
    // Slow enough (latency, two requests in flight) that the run is still going when it is killed.
    emu.setFaults({ latencyMs: 20 });
    const args = ['coverage', '--input', input, '--out', out, '--concurrency-max', '2'];

    const killed = await authdesk(args, (child) => {
      void waitForRows(checkpoint, 20, child).then(() => child.kill('SIGKILL'));
    });
    expect(killed.signal).toBe('SIGKILL');
    const afterKill = await readCheckpoint(checkpoint);
    expect(afterKill?.ended).toBe(false);
    // The kill may have left rows after the last checkpoint; they must not survive the resume twice.
    expect((await stat(out)).size).toBeGreaterThanOrEqual(afterKill!.last.csvBytes);

    const stopped = await authdesk([...args, '--resume'], (child) => {
      void waitForRows(checkpoint, afterKill!.last.summary.rows + 20, child).then(() => child.kill('SIGINT'));
    });
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/--resume/);
    expect((await readCheckpoint(checkpoint))?.ended).toBe(false);

    emu.setFaults({ latencyMs: 0 });
    const finished = await authdesk([...args, '--resume', '--json']);
    expect(finished.code).toBe(0);
    const printed = JSON.parse(finished.stdout) as { state: string; resumed: boolean; summary: { rows: number; failed: number } };
    expect(printed).toMatchObject({ state: 'completed', resumed: true, summary: { rows: USERS, failed: 0 } });

    // Every line exactly once, in order…
    const lines: number[] = [];
    for await (const { row } of readReportRows(out)) lines.push(row.line);
    expect(lines).toEqual(ids.map((_, i) => i + 2));
    // …and byte for byte what one uninterrupted run writes (same asOf: the run's start).
    const start = (await readCheckpoint(checkpoint))!.start;
    const reference = await runCoverage({
      inputPath: input,
      outPath: join(home, 'reference.csv'),
      connection: { apiUrl: emu.apiUrl, secret: SECRET },
      now: () => new Date(start.startedAt),
    });
    expect(await readFile(out, 'utf8')).toBe(await readFile(reference.outPath, 'utf8'));

    // The runs are in the audit log (the stopped sessions too).
    const page = await services.audit.query({ action: ['coverage.run'], limit: 10 });
    expect(page.entries.length).toBeGreaterThanOrEqual(2);
    expect(page.entries[0]).toMatchObject({ action: 'coverage.run', outcome: 'ok', details: { runId: start.runId, state: 'completed', rows: USERS } });
  });

  it('prints the summary for people and says what went wrong in words', async () => {
    // In-process (same main() the launcher calls), to keep the suite quick.
    const cli = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(args, {
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        stdin: process.stdin,
        env: cliEnv({ home, service }),
        platform: process.platform,
      });
      return { code, stdout, stderr };
    };
    const input = join(home, 'small.txt');
    await writeFile(input, `${ids.slice(0, 10).join('\n')}\nbad\u0001id\n`);
    const done = await cli(['coverage', '--input', input, '--out', join(home, 'small.csv')]);
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^rows:\s+11$/m);
    expect(done.stdout).toMatch(/^malformed lines:\s+1$/m);
    expect(done.stdout).toMatch(/Malformed input lines \(see the report for why\): 11/);

    const missing = await cli(['coverage', '--input', join(home, 'nope.csv'), '--out', join(home, 'nope-report.csv')]);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toMatch(/The input file .*nope\.csv does not exist/);
    const unfinished = await cli(['coverage', '--input', input, '--out', join(home, 'small.csv'), '--resume']);
    expect(unfinished.code).toBe(0);
    expect(unfinished.stdout).toMatch(/\(completed, resumed\)/);
    const usage = await cli(['coverage', '--input', input, '--out', join(home, 'x.csv'), '--stale-days', '0']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--stale-days must be a whole number/);
  });
});
