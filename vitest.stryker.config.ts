import { defineConfig } from 'vitest/config';
import { aliases } from './aliases.config';
import { FastFirstSequencer } from './scripts/mutation/fast-first-sequencer';
import { reusingForks } from './scripts/mutation/reusing-forks';

/**
 * The tests mutation testing runs (issue #17, stryker.config.mjs): those that exercise the mutated
 * modules in the test process itself (unit, integration over the in-process local tenant, the IPC
 * fuzzer). Left out: tests of other layers (renderer, Electron), tests whose code under test runs
 * in a spawned process (a mutant there is never active, so they can kill nothing and only cost
 * time), the team-mode tests that start PostgreSQL, e2e (built app in Chromium), and the slow
 * security audits.
 *
 * One project, under the default emulator profile: behaviour that only the strict profile shows
 * (issue #13: the tenant's own idempotency key, no Retry-After) is tested by tests that start their
 * emulator with `profile: 'strict'` themselves, so its mutants die here too. (A second, strict
 * project would need a second worker in the same run, which keytar cannot share: see the plugin below.)
 */
/** MUTATE_TESTS=<glob,glob> narrows the tests for a quick run on one module (npm run mutate). */
const narrowed = process.env.MUTATE_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  resolve: { alias: aliases },
  // Stryker's vitest runner forces `pool: 'threads'`, and vitest stops its workers at the end of
  // every run, so each mutant run brought up a fresh worker thread in the same process. keytar (the
  // real keychain the integration tests use) is a native module that loads once per process: in a
  // second thread it deadlocks or aborts in libsecret (GLib's "g_type_from_name (name) == 0"
  // assertion, then SIGABRT). And each new worker imported the whole module graph again, 1.5 to 2 s
  // a run against 0.2 s of tests. This hook runs after the runner's options are applied, so it has
  // the last word: a forks pool that keeps its process from one mutant run to the next
  // (scripts/mutation/reusing-forks.ts says when it starts a fresh one).
  plugins: [
    {
      name: 'authdesk:stryker-reusing-forks',
      configureVitest: ({ project }) => {
        project.config.pool = reusingForks.name;
        project.config.poolRunner = reusingForks;
      },
    },
  ],
  test: {
    include: narrowed ?? ['test/unit/{shared,main,emulator}/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/security/fuzz-ipc.test.ts'],
    exclude: [
      'test/unit/main/electron/**',
      'test/unit/main/native-host.test.ts',
      'test/integration/audit-crash.test.ts',
      'test/integration/cli-tenant.test.ts',
      'test/integration/coverage-cli.test.ts',
      'test/integration/emulator-server-cli.test.ts',
      'test/integration/preinstall.test.ts',
      'test/integration/tenants-cross-process.test.ts',
      'test/integration/team-*.test.ts',
      'test/integration/policy-roles.test.ts',
      'test/integration/tenant-doctor.test.ts',
    ],
    environment: 'node',
    // Clears the previous run's mutant before a test file loads in a kept process.
    setupFiles: ['test/support/stryker-reuse-setup.ts'],
    // The files of one run share one child process (see the plugin above), so keytar loads once in
    // it, and vitest keeps the source modules loaded from one test file to the next: only the test
    // file itself is imported again; the tests clean up what they start. (In one process per file the
    // dry run would pay keytar, the emulator and module loading again for each of ~60 files.)
    isolate: false,
    // A run stops at its first failure: the tests likeliest to kill, and the quick ones, go first.
    sequence: { sequencer: FastFirstSequencer },
    // The fuzzer's property runs per channel: fewer per mutant than in `npm test`.
    env: { AUTHDESK_FUZZ_RUNS: '20', EVIDENCE_FLIPS: '10' },
    // Generous: the dry run must pass on a loaded machine; Stryker times mutants out on its own
    // clock (timeoutMS, timeoutFactor over each test's dry-run time).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
