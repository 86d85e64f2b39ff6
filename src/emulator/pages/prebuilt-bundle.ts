import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The pre-built UI app's entry, next to this file. From the string form of `import.meta.url`, not
 * `new URL(…)`: under happy-dom (renderer tests host the emulator) the global URL is the DOM's,
 * which `fileURLToPath` refuses.
 */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'prebuilt-app', 'main.ts');

let cached: Promise<string> | undefined;

/**
 * The pre-built UI stand-in's script (`/prebuilt/app.js`). From source (tsx, vitest) it is
 * bundled with esbuild at the first request and kept; the electron-vite build replaces this whole
 * module with the script bundled at build time (see electron.vite.config.ts), so the built and
 * packaged app neither imports esbuild nor reads the TypeScript source.
 */
export function prebuiltScript(): Promise<string> {
  cached ??= import('./prebuilt-build')
    .then(({ bundlePrebuiltApp }) => bundlePrebuiltApp(ENTRY))
    .catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
  return cached;
}
