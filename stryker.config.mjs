// Mutation testing (issue #17): `npm run mutate` (scripts/mutation/run.mjs) runs this and writes the
// summary bench/results/mutation.json. Not part of `npm test`: a full run takes tens of minutes.
// Narrow runs while developing: `npm run mutate -- --mutate src/main/ipc/router.ts --concurrency 1`.
import { mutatePatterns } from './scripts/mutation/modules.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: mutatePatterns(),
  testRunner: 'vitest',
  // Only the unit, integration and IPC-fuzz tests that run in-process: see vitest.stryker.config.ts.
  // The dry run runs only the tests that import a mutated module (directly or not).
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  // Each mutant runs only the tests that reached it in the dry run.
  coverageAnalysis: 'perTest',
  // A mutant reached only while no test is running (module load, a file's beforeAll) would run
  // every related test file, a minute or more each, and most are hybrids that a test reaches too:
  // those run with the tests that reach them. The few reached only at load time are reported as
  // "ignored" per module in bench/results/mutation.json, never counted as killed.
  ignoreStatic: true,
  // Mutants that do not compile are dropped before any test runs (cheaper than a test run each).
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.node.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // Re-runs test only the mutants whose code or covering tests changed since the last report.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['html', 'json', 'progress', 'clear-text'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  // Integration tests talk to a real local tenant over HTTP; a mutant that slows a loop down must
  // not be mistaken for a hang, nor a real hang hold the run for long.
  timeoutMS: 15_000,
  timeoutFactor: 2,
  // Stryker splits this between type-checker processes (ceil(n/2)) and test runners (floor(n/2)).
  // With the test process kept between mutant runs (vitest.stryker.config.ts), checking is the
  // bottleneck: at 2 (one of each) the checker used 84 % of a core while the test process idled at
  // 20 %. 3 gives two checkers and one runner on the two cores. Narrow runs on a busy machine pass
  // --concurrency 1.
  concurrency: 3,
  // Nothing the tests need lives in these; copying them into the sandbox only costs time.
  ignorePatterns: ['/out', '/dist', '/release', '/reports', '/bench/results', '/coverage', '/.authdesk-test', '/docs', '/build'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 95, low: 90, break: null },
};
