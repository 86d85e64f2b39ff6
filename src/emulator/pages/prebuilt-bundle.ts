import { fileURLToPath } from 'node:url';

/**
 * The pre-built UI app's entry, next to this file. Resolved at the first request, not at import:
 * under happy-dom (the renderer tests that host the emulator) the global URL is not Node's, and an
 * import-time throw took every such test file down.
 */
const entry = () => fileURLToPath(new globalThis.URL('./prebuilt-app/main.ts', import.meta.url).href);

let cached: Promise<string> | undefined;

/**
 * The pre-built UI stand-in's script (`/prebuilt/app.js`). From source (tsx, vitest) it is
 * bundled with esbuild at the first request and kept; the electron-vite build replaces this whole
 * module with the script bundled at build time (see electron.vite.config.ts), so the built and
 * packaged app neither imports esbuild nor reads the TypeScript source.
 */
export function prebuiltScript(): Promise<string> {
  cached ??= import('./prebuilt-build')
    .then(({ bundlePrebuiltApp }) => bundlePrebuiltApp(entry()))
    .catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
  return cached;
}
