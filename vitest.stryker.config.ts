import { defineConfig } from 'vitest/config';
import { aliases } from './aliases.config';

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
  // Test-only: Stryker's vitest runner forces `pool: 'threads'`, and vitest stops
  // the worker after every run, so each mutant run brought up a fresh worker thread in the same
  // process. keytar (the real keychain the integration tests use) is a native module that loads
  // once per process: in a second thread it deadlocks or aborts in libsecret (GLib's
  // "g_type_from_name (name) == 0" assertion, then SIGABRT), which Stryker reported as runtime
  // errors and crashed runners. In forks each run gets its own child process, so keytar loads once
  // in each; per-test coverage and the hit count travel back in the file's task meta, as with
  // threads. This hook runs after the runner's options are applied, so it has the last word.
  plugins: [{ name: 'authdesk:stryker-forks', configureVitest: ({ project }) => { project.config.pool = 'forks'; } }],
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
    // The files of one run share one child process (see the plugin above), so keytar loads once per
    // run; each file still gets fresh modules from vitest's module runner, and the tests clean up
    // what they start. (In one process per file the dry run would pay keytar, the emulator and
    // module loading again for each of ~60 files.)
    isolate: false,
    // The fuzzer's property runs per channel: fewer per mutant than in `npm test`.
    env: { AUTHDESK_FUZZ_RUNS: '20', EVIDENCE_FLIPS: '10' },
    // Generous: the dry run must pass on a loaded machine; Stryker times mutants out on its own
    // clock (timeoutMS, timeoutFactor over each test's dry-run time).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
