/**
 * A vitest pool for mutation testing (issue #17, vitest.stryker.config.ts) that keeps its test
 * process from one mutant run to the next.
 *
 * Why: Stryker's vitest runner runs each mutant as a new vitest run, and vitest ends a run by
 * stopping its workers. So every mutant paid for a new process that imports the whole module graph
 * again (the service container, the emulator, @simplewebauthn, the SDK, zod): measured 1.5 to 2 s
 * per run, against 0.15 to 0.3 s for the covering tests themselves. Stryker switches mutants at
 * run time (mutant schemata: every mutant is compiled in, `globalThis.__stryker__.activeMutant`
 * picks one), so a process whose modules are already loaded can run the next mutant as it is.
 * With `isolate: false` vitest itself already keeps a worker's source modules from one test file
 * to the next and re-evaluates only the test file; this pool extends that from one run to the next.
 *
 * When a run gets a fresh process instead (and the process is stopped after it):
 * - the dry run (it records per-test coverage into process state);
 * - a mutant Stryker activates statically (reached while modules load): its modules must load with
 *   it active, in a process of its own;
 * - after a run that reported an error outside the tests, or a worker error or exit;
 * - every MAX_RUNS runs, and when the heap passes MAX_HEAP, to bound what leaks from run to run.
 * `AUTHDESK_MUTATE_REUSE=0` turns reuse off (one process per run, as vitest's own forks pool) to
 * confirm a result.
 *
 * What keeps a reused process equivalent to a fresh one:
 * - vitest sends the config (test name filter, bail) with "start" only; a reused process never
 *   starts again, so each "run" request carries the current config, which the worker prefers.
 * - test/support/stryker-reuse-setup.ts clears the previous run's active mutant before a test file
 *   is imported, as a fresh process would have it (Stryker activates runtime mutants in beforeAll).
 */
import { ForksPoolWorker, type PoolOptions, type PoolRunnerInitializer, type PoolWorker, type WorkerRequest } from 'vitest/node';

const NAME = 'authdesk-reusing-forks';
const MAX_RUNS = 200;
const MAX_HEAP = 1.5 * 1024 ** 3;
const reuseEnabled = process.env.AUTHDESK_MUTATE_REUSE !== '0';

type Listener = (arg: unknown) => void;
interface WorkerResponse { __vitest_worker_response__?: boolean; type?: string; usedMemory?: number }

/** The process kept between runs, with what decides whether it may serve another. */
interface Kept {
  worker: ForksPoolWorker;
  runs: number;
  poisoned: boolean;
  heap: number;
}

let kept: Kept | undefined;
let exitHookInstalled = false;
/** The vitest instances told to stop the kept process when they close (their own pool does not know it). */
const closing = new WeakSet<object>();

/** Stops a kept process for good (awaits its exit). */
async function retire(k: Kept): Promise<void> {
  if (kept === k) kept = undefined;
  await k.worker.stop().catch(() => undefined);
}

/** Whether this run may use (and leave behind) a kept process: only mutant runs activated at run time. */
function reusableRun(options: PoolOptions): boolean {
  if (!reuseEnabled) return false;
  const provided = options.project.getProvidedContext() as Record<string, unknown>;
  return provided.mode === 'mutant' && provided.mutantActivation === 'runtime';
}

class ReusingForksWorker implements PoolWorker {
  readonly name = NAME;
  readonly cacheFs = true;
  // Asks the worker to report its heap with every finished file, for MAX_HEAP.
  readonly reportMemory = true;
  private readonly keep: boolean;
  private readonly slot: Kept;
  private readonly reused: boolean;
  private readonly listeners: Array<[string, Listener]> = [];

  constructor(private readonly options: PoolOptions) {
    this.keep = reusableRun(options);
    if (this.keep && kept && !kept.poisoned && kept.runs < MAX_RUNS && kept.heap < MAX_HEAP) {
      this.slot = kept;
      this.reused = true;
    } else {
      if (kept) void retire(kept);
      this.slot = { worker: new ForksPoolWorker(options), runs: 0, poisoned: false, heap: 0 };
      this.reused = false;
      if (this.keep) kept = this.slot;
    }
    const vitest = options.project.vitest;
    if (!closing.has(vitest)) {
      closing.add(vitest);
      vitest.onClose(closeKeptProcess);
    }
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // A kept process outlives vitest's own pool, which does not know it: never leave it behind.
      process.once('exit', () => {
        try {
          (kept?.worker as unknown as { _fork?: { kill(): void } })?._fork?.kill();
        } catch {
          /* already gone */
        }
      });
    }
  }

  on(event: string, callback: Listener): void {
    this.slot.worker.on(event, callback);
    this.listeners.push([event, callback]);
  }

  off(event: string, callback: Listener): void {
    this.slot.worker.off(event, callback);
    const i = this.listeners.findIndex(([e, cb]) => e === event && cb === callback);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** Delivers a response as if the process had sent it (for the start and stop a kept process skips). */
  private answer(type: 'started' | 'stopped'): void {
    const message: WorkerResponse = { __vitest_worker_response__: true, type };
    setImmediate(() => {
      for (const [event, cb] of [...this.listeners]) if (event === 'message') cb(message);
    });
  }

  send(message: WorkerRequest): void {
    if (message.type === 'start' && this.reused) return this.answer('started');
    if (message.type === 'stop' && this.keep && !this.slot.poisoned && kept === this.slot) return this.answer('stopped');
    if (message.type === 'run' || message.type === 'collect') {
      // The worker merges the run's context over the one it started with: a reused process gets
      // this run's config (test name filter, bail), not the one of the run that started it.
      (message.context as { config?: unknown }).config = this.options.project.serializedConfig;
      this.slot.runs += 1;
    }
    this.slot.worker.send(message);
  }

  deserialize(data: unknown): unknown {
    const message = data as WorkerResponse | undefined;
    // (An error the worker reports with it reaches vitest's errorsSet, which stop() reads.)
    if (message?.__vitest_worker_response__ && message.type === 'testfileFinished' && typeof message.usedMemory === 'number') {
      this.slot.heap = message.usedMemory;
    }
    return data;
  }

  async start(): Promise<void> {
    if (this.reused) return;
    await this.slot.worker.start();
    // Anything that goes wrong with the process itself rules it out for the next run.
    this.slot.worker.on('error', () => (this.slot.poisoned = true));
    this.slot.worker.on('exit', () => (this.slot.poisoned = true));
  }

  async stop(): Promise<void> {
    // The run's listeners go with the run; a kept process keeps running for the next one.
    for (const [event, cb] of this.listeners.splice(0)) this.slot.worker.off(event, cb);
    if (this.options.project.vitest.state.errorsSet.size > 0) this.slot.poisoned = true;
    if (this.keep && !this.slot.poisoned && kept === this.slot) return;
    await retire(this.slot);
  }
}

/** Stops the kept process (when vitest closes). */
async function closeKeptProcess(): Promise<void> {
  if (kept) await retire(kept);
}

/** The pool, for `test.pool` / `project.config.poolRunner`. */
export const reusingForks: PoolRunnerInitializer = {
  name: NAME,
  createPoolWorker: (options) => new ReusingForksWorker(options),
};
