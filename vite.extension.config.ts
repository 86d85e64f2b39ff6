import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { zipSync } from 'fflate';
import { defineConfig, type Plugin } from 'vite';
import { aliases } from './aliases.config';

const root = import.meta.dirname;
const outDir = resolve(root, 'out/extension');
const zipFile = resolve(root, 'out/authdesk-extension.zip');

/**
 * The manifest goes out with the app's version (one version for desktop and extension), and the
 * finished folder is zipped for a store upload (fflate: no system zip tool needed).
 */
function manifestAndZip(): Plugin {
  return {
    name: 'authdesk-extension-manifest-zip',
    generateBundle() {
      const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };
      const manifest = JSON.parse(readFileSync(resolve(root, 'src/extension/manifest.json'), 'utf8')) as Record<string, unknown>;
      manifest.version = pkg.version.replace(/[^0-9.].*$/, '');
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: `${JSON.stringify(manifest, null, 2)}\n` });
    },
    closeBundle() {
      const files: Record<string, Uint8Array> = {};
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else files[relative(outDir, path).split(sep).join('/')] = readFileSync(path);
        }
      };
      walk(outDir);
      // Fixed timestamps: the same sources give the same zip.
      writeFileSync(zipFile, zipSync(files, { level: 9, mtime: new Date('2020-01-01T00:00:00Z') }));
    },
  };
}

/**
 * The browser extension (issue #8): the side panel (the console's Vue views over the bridge
 * Platform) and the service worker, built to out/extension (load it unpacked) and zipped to
 * out/authdesk-extension.zip. `npm run build` runs it after electron-vite.
 */
export default defineConfig({
  root: resolve(root, 'src/extension'),
  base: './',
  plugins: [vue(), manifestAndZip()],
  resolve: { alias: aliases },
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: true,
    // SECURITY: no inline data: modules or eval; the extension CSP allows only its own files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        sidepanel: resolve(root, 'src/extension/sidepanel.html'),
        'service-worker': resolve(root, 'src/extension/service-worker.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'service-worker' ? 'service-worker.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
