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
 * project would need a second worker thread, which keytar cannot have: see `isolate` below.)
 */
/** MUTATE_TESTS=<glob,glob> narrows the tests for a quick run on one module (npm run mutate). */
const narrowed = process.env.MUTATE_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  resolve: { alias: aliases },
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
    // Stryker's vitest runner runs the test files in a worker thread of its own process. keytar
    // (the real keychain, which the integration tests use) is a native module that can load only
    // once per process: a second worker thread that loads it deadlocks or aborts in libsecret
    // (GLib's "g_type_from_name (name) == 0" assertion, then SIGABRT). Stryker reported that as a
    // hang in the first test run, or as crashed mutants. One reused worker loads it once; each file
    // still gets fresh modules from vitest's module runner, and the tests clean up what they start.
    isolate: false,
    // The fuzzer's property runs per channel: fewer per mutant than in `npm test`.
    env: { AUTHDESK_FUZZ_RUNS: '20', EVIDENCE_FLIPS: '10' },
    // Generous: the dry run must pass on a loaded machine; Stryker times mutants out on its own
    // clock (timeoutMS, timeoutFactor over each test's dry-run time).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
