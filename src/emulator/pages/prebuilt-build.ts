import { build } from 'esbuild';

/**
 * Bundles the pre-built UI stand-in (prebuilt-app/, typed TypeScript) into the one classic
 * script the page loads: an IIFE with no imports left, so it runs under the page's
 * `script-src 'self'` CSP. Used at first request when running from source, and at build time by
 * electron.vite.config.ts, so the packaged app never needs esbuild.
 */
export async function bundlePrebuiltApp(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}
