import { fileURLToPath } from 'node:url';

/** The pre-built UI app's entry, next to this file. */
const ENTRY = fileURLToPath(new URL('./prebuilt-app/main.ts', import.meta.url));

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
