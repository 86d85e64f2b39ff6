/**
 * The pool mutation testing runs its tests in (scripts/mutation/reusing-forks.ts, issue #17) keeps
 * one test process from one mutant run to the next. If it kept the wrong one, the mutation score
 * would be wrong without anyone noticing: a run that filters the wrong tests, a mutant left active
 * while the next run loads, a statically activated mutant in a process whose modules were loaded
 * without it. This drives a real vitest with that pool through the runs Stryker makes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVitest, type Vitest } from 'vitest/node';
import { reusingForks } from '../../scripts/mutation/reusing-forks';

const fixtureRoot = resolve(__dirname, 'fixtures/mutation-pool');
const setupFile = resolve(__dirname, '../support/stryker-reuse-setup.ts');

interface Probe { test: string; pid: number; atImport: unknown; run: number }

describe('the mutation pool', () => {
  let vitest: Vitest;
  let dir: string;
  let out: string;
  let runId = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'mutation-pool-'));
    out = join(dir, 'probes.jsonl');
    vitest = await createVitest(
      'test',
      {
        root: fixtureRoot,
        config: false,
        include: ['probe.fixture.ts'],
        pool: reusingForks,
        isolate: false,
        maxWorkers: 1,
        setupFiles: [setupFile],
        watch: false,
        reporters: [],
        onConsoleLog: () => false,
      },
      { logLevel: 'silent' },
    );
    vitest.provide('globalNamespace' as never, '__stryker__' as never);
    vitest.provide('probeOut' as never, out as never);
  }, 60_000);

  afterAll(async () => {
    await vitest?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One run as Stryker's vitest runner makes it: provided context, then a name filter, then start. */
  async function run(context: { mode: 'dry-run' | 'mutant'; activation?: 'runtime' | 'static'; only?: RegExp; strayError?: boolean }): Promise<{ probes: Probe[]; errors: number }> {
    runId += 1;
    writeFileSync(out, '');
    vitest.provide('mode' as never, context.mode as never);
    vitest.provide('mutantActivation' as never, (context.activation ?? 'runtime') as never);
    vitest.provide('runId' as never, runId as never);
    vitest.provide('strayError' as never, (context.strayError ?? false) as never);
    vitest.state.filesMap.clear();
    vitest.state.errorsSet.clear();
    for (const project of vitest.projects) project.config.testNamePattern = context.only;
    await vitest.start();
    const probes = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Probe);
    return { probes, errors: vitest.state.errorsSet.size };
  }

  it('keeps one process across mutant runs, each with its own test filter and no mutant left over while loading', async () => {
    const dry = await run({ mode: 'dry-run' });
    expect(dry.probes.map((p) => p.test)).toEqual(['first', 'second']);

    const a = await run({ mode: 'mutant', only: /first probe/ });
    expect(a.probes.map((p) => p.test)).toEqual(['first']);
    // The dry run records coverage into its process: no mutant run may inherit it.
    expect(a.probes[0].pid).not.toBe(dry.probes[0].pid);

    const b = await run({ mode: 'mutant', only: /second probe/ });
    // The filter of this run, not of the run that started the process.
    expect(b.probes.map((p) => p.test)).toEqual(['second']);
    expect(b.probes[0].pid).toBe(a.probes[0].pid);
    // Run a left 'left-over' active; the test file loaded again without it.
    expect(b.probes[0].atImport).toBeNull();

    const c = await run({ mode: 'mutant' });
    expect(c.probes.map((p) => p.test)).toEqual(['first', 'second']);
    expect(new Set(c.probes.map((p) => p.pid))).toEqual(new Set([a.probes[0].pid]));
  }, 120_000);

  it('gives a statically activated mutant a process of its own, and retires it after', async () => {
    const before = await run({ mode: 'mutant' });
    const staticRun = await run({ mode: 'mutant', activation: 'static' });
    expect(staticRun.probes[0].pid).not.toBe(before.probes[0].pid);
    const after = await run({ mode: 'mutant' });
    expect(after.probes[0].pid).not.toBe(staticRun.probes[0].pid);
    expect(after.probes[0].pid).not.toBe(before.probes[0].pid);
  }, 120_000);

  it('starts afresh after a run that reported an error outside the tests', async () => {
    const first = await run({ mode: 'mutant' });
    const stray = await run({ mode: 'mutant', strayError: true });
    expect(stray.errors).toBeGreaterThan(0);
    expect(stray.probes[0].pid).toBe(first.probes[0].pid);
    const next = await run({ mode: 'mutant' });
    expect(next.errors).toBe(0);
    expect(next.probes[0].pid).not.toBe(stray.probes[0].pid);
  }, 120_000);

  it('leaves no process behind when vitest closes', async () => {
    const last = await run({ mode: 'mutant' });
    const pid = last.probes[0].pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await vitest.close();
    await expect.poll(() => {
      try {
        process.kill(pid, 0);
        return 'alive';
      } catch {
        return 'gone';
      }
    }, { timeout: 10_000 }).toBe('gone');
  }, 60_000);
});
