import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';
import { aliases } from './aliases.config';

/**
 * Test projects by layer. `npm test` (scripts/test.mjs) runs unit, renderer, integration and security
 * together, then e2e on its own after the build, since e2e drives the built renderer in Chromium.
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
    ],
  },
});
