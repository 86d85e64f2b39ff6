import { join } from 'node:path';

/**
 * The pre-built UI app's entry, next to this file. `import.meta.dirname`, not `new URL(…,
 * import.meta.url)`: under happy-dom (the renderer tests' host) the global URL is the DOM's, and
 * fileURLToPath refused it, so every renderer suite that starts the emulator failed to load.
 */
const ENTRY = join(import.meta.dirname, 'prebuilt-app', 'main.ts');

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
