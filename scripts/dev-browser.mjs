#!/usr/bin/env node
// `npm run dev:browser`: the console in your own browser against the local tenant, for when
// Electron cannot run. Builds the renderer and the extension when missing or older than their
// sources, then runs the browser harness (test/harness/cli.ts) with the embedded emulator and the
// browser bridge, and prints the console URL, the local tenant's URL and secret, and the data dir.
// Extra arguments go to the harness, e.g. `npm run dev:browser -- --port 5174`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const built = join(root, 'out/renderer/console/index.html');

/** Newest modification time under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return latest;
}

const sources = Math.max(newest(join(root, 'src/renderer')), newest(join(root, 'src/shared')));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  console.log('Building the console (out/renderer is missing or older than its sources)…');
  const r = spawnSync('npx', ['--no-install', 'electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// The extension too, so it can be loaded unpacked (out/extension) and tried against this console's
// bridge without the desktop app (issue #18).
const extension = join(root, 'out/extension/manifest.json');
if (!existsSync(extension) || statSync(extension).mtimeMs < Math.max(newest(join(root, 'src/extension')), sources)) {
  console.log('Building the browser extension (out/extension is missing or older than its sources)…');
  const r = spawnSync('npx', ['--no-install', 'vite', 'build', '-c', 'vite.extension.config.ts'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// stdin stays a pipe so the harness notices when this process dies and stops with it.
const child = spawn(process.execPath, ['--import', 'tsx', 'test/harness/cli.ts', '--local-tenant', ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['pipe', 'inherit', 'inherit'],
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
