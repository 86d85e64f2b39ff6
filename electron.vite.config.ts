import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { aliases } from './aliases.config';
import { bundlePrebuiltApp } from './src/emulator/pages/prebuilt-build';

const root = import.meta.dirname;

/**
 * The emulator's pre-built UI app (typed TypeScript in src/emulator/pages/prebuilt-app) is bundled
 * here, at build time, and its runtime loader (prebuilt-bundle.ts, which bundles with esbuild at
 * first request when running from source) is replaced by the bundled text: the built main process
 * neither imports esbuild nor needs the TypeScript source.
 */
function prebuiltApp(): Plugin {
  const loader = resolve(root, 'src/emulator/pages/prebuilt-bundle.ts');
  return {
    name: 'authdesk:prebuilt-app',
    async load(id) {
      if (resolve(id.split('?')[0]) !== loader) return null;
      const script = await bundlePrebuiltApp(resolve(root, 'src/emulator/pages/prebuilt-app/main.ts'));
      return `export function prebuiltScript() { return Promise.resolve(${JSON.stringify(script)}); }\n`;
    },
  };
}

/**
 * Three builds: main (Node, Electron main + CLI + embedded emulator), preload (sandboxed: one
 * self-contained CommonJS file per window, since sandboxed preloads cannot `require` or be ESM),
 * and the renderer entries (console, guided enrollment).
 */
export default defineConfig({
  main: {
    plugins: [prebuiltApp()],
    resolve: { alias: aliases },
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(root, 'src/main/index.ts'),
          cli: resolve(root, 'src/main/cli/index.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias: aliases },
    build: {
      outDir: 'out/preload',
      // SECURITY: sandboxed preloads get no `require` for node_modules; bundle everything they use.
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: {
          console: resolve(root, 'src/preload/console.ts'),
          enroll: resolve(root, 'src/preload/enroll.ts'),
        },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src/renderer'),
    plugins: [vue()],
    resolve: { alias: aliases },
    build: {
      outDir: resolve(root, 'out/renderer'),
      // Smaller first load for the console (start-to-interactive budget) and the enroll page.
      minify: true,
      rollupOptions: {
        input: {
          console: resolve(root, 'src/renderer/console/index.html'),
          enroll: resolve(root, 'src/renderer/enroll/index.html'),
        },
      },
    },
  },
});
