/**
 * Setup file of mutation runs only (vitest.stryker.config.ts; issue #17). Runs in the test process
 * before each test file is imported, after Stryker's own setup file.
 *
 * The pool keeps its process from one mutant run to the next (scripts/mutation/reusing-forks.ts).
 * Stryker activates a runtime mutant in a beforeAll, so while a test file is imported a fresh
 * process has no active mutant; a kept one would still have the previous run's. Clearing it here
 * gives a kept process the state a fresh one starts with. (A statically activated mutant is set by
 * Stryker's setup at import time on purpose, and always runs in a fresh process: left alone.)
 */
import { inject } from 'vitest';

// Keys Stryker's runner provides (not in vitest's ProvidedContext type).
const provided = inject as unknown as (key: string) => unknown;
const namespace = provided('globalNamespace');
if (typeof namespace === 'string' && provided('mode') === 'mutant' && provided('mutantActivation') === 'runtime') {
  const state = (globalThis as unknown as Record<string, { activeMutant?: unknown } | undefined>)[namespace];
  if (state) state.activeMutant = undefined;
}

// A kept process is idle between runs; if the mutation run ends without stopping it (Stryker kills
// a runner that timed out), it must not outlive its parent.
const flag = Symbol.for('authdesk.stryker.exitOnDisconnect');
const g = globalThis as unknown as Record<symbol, boolean | undefined>;
if (!g[flag] && typeof process.send === 'function') {
  g[flag] = true;
  // (vitest replaces process.exit in its workers with a throw, so a signal to itself instead.)
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
