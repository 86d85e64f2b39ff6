import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aliases } from './aliases.config';

/**
 * Integration files that never start or reach an emulator (the team store, the audit log, the
 * keychain, file locks): the strict profile cannot change what they do, so integration-strict does
 * not run them a second time. Found by reading the files, so a test that starts using the
 * emulator joins the strict run by itself.
 */
function emulatorFreeIntegrationFiles(): string[] {
  const dir = 'test/integration';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .filter((f) => !/emulator/i.test(readFileSync(f, 'utf8')));
}

/**
 * Test projects by layer. `npm test` (scripts/test.mjs) runs unit, renderer, integration,
 * integration-strict and security together, then e2e and e2e-strict on their own after the build,
 * since e2e drives the built renderer in Chromium. The `-strict` projects rerun the integration
 * suite and the enrollment/verification journeys against the strict emulator profile.
 */
export default defineConfig({
  // Projects extend this root config, so they all share the import aliases.
  resolve: { alias: aliases },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/{shared,main,emulator,cli,architecture}/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        plugins: [vue()],
        test: {
          name: 'renderer',
          include: ['test/unit/renderer/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The integration suite again under the strict emulator profile (issue #13): every emulator
        // a test starts takes the least favourable reading of Authsignal's undocumented behaviours.
        extends: true,
        test: {
          name: 'integration-strict',
          include: ['test/integration/**/*.test.ts'],
          exclude: emulatorFreeIntegrationFiles(),
          environment: 'node',
          env: { AUTHDESK_EMULATOR_PROFILE: 'strict' },
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
      {
        // The enrollment and verification journeys under the strict profile (issue #13).
        extends: true,
        test: {
          name: 'e2e-strict',
          include: ['test/e2e/enrollment-*.test.ts'],
          environment: 'node',
          env: { AUTHDESK_EMULATOR_PROFILE: 'strict' },
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
