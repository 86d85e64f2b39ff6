#!/usr/bin/env node
// `npm start`: run Authdesk the way it ships. It makes sure Electron's binary is there (npm install
// skips Electron's download script through `allowScripts`, so offline build machines install
// fine), builds out/ when a source is newer than the build, and starts the built app: app://
// protocol, CSP and all, exactly as packaged (`npm run dev` is the hot-reloading variant).
// Where no Electron binary can be had it says so and points at `npm run dev:browser`.
//
// Options: --check (verify and build, but do not launch), --no-build. Other arguments go to the app.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const checkOnly = argv.includes('--check');
const skipBuild = argv.includes('--no-build');
const appArgs = argv.filter((a) => a !== '--check' && a !== '--no-build');
const electronDir = join(root, 'node_modules', 'electron');

const say = (line) => console.log(`authdesk: ${line}`);
function fail(lines, code = 1) {
  for (const line of lines) console.error(`authdesk: ${line}`);
  process.exit(code);
}

const BROWSER_HINT = 'You can still use Authdesk in your browser against the local tenant:  npm run dev:browser';

/** The Electron executable if it is installed for this version, else null (same test as electron/install.js). */
function electronBinary() {
  try {
    const version = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
    const installed = readFileSync(join(electronDir, 'dist', 'version'), 'utf8').trim().replace(/^v/, '');
    const relative = readFileSync(join(electronDir, 'path.txt'), 'utf8').trim();
    const binary = join(process.env.ELECTRON_OVERRIDE_DIST_PATH || join(electronDir, 'dist'), relative);
    return installed === version && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function ensureElectron() {
  if (!existsSync(join(electronDir, 'package.json'))) {
    fail(['Electron is not installed. Run:  npm install', BROWSER_HINT]);
  }
  const found = electronBinary();
  if (found) return found;
  say("Electron's binary is not installed yet; downloading it once (about 100 MB)...");
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    cwd: electronDir,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  const binary = electronBinary();
  if (r.status === 0 && binary) return binary;
  const reason = (r.stderr ?? '').split('\n').find((l) => /Error|ENOTFOUND|EAI_AGAIN|ECONN|ETIMEDOUT|404|HTTPError/.test(l))?.trim();
  fail([
    "Electron's binary could not be downloaded, so the desktop app cannot start on this machine.",
    ...(reason ? [`  (${reason})`] : []),
    'If you are offline or behind a proxy, connect (or set ELECTRON_MIRROR / HTTPS_PROXY) and run npm start again.',
    BROWSER_HINT,
  ]);
}

/** Newest modification time under `path` (files only). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

const OUTPUTS = ['out/main/index.js', 'out/preload/console.cjs', 'out/preload/enroll.cjs', 'out/renderer/console/index.html'];
const INPUTS = ['src', 'electron.vite.config.ts', 'package.json', 'tsconfig.json'];

function ensureBuilt() {
  const outputs = OUTPUTS.map((p) => join(root, p));
  const oldestOutput = outputs.every(existsSync) ? Math.min(...outputs.map((p) => statSync(p).mtimeMs)) : 0;
  const newestInput = Math.max(...INPUTS.map((p) => newest(join(root, p))));
  if (oldestOutput > newestInput) return;
  say(oldestOutput === 0 ? 'building the app (first run)...' : 'sources changed since the last build; rebuilding...');
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) fail(['the build failed (see above). Fix it, or run  npm run build  for the full output.']);
}

function preflight() {
  if (process.platform !== 'linux') return;
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    fail(['there is no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set), so no window can open.', BROWSER_HINT]);
  }
  if (process.getuid?.() === 0) {
    // SECURITY: Chromium's sandbox refuses to run as root, and Authdesk never turns it off.
    fail(['Electron will not run as root with its sandbox, and Authdesk never disables the sandbox. Run npm start as your own user.', BROWSER_HINT]);
  }
}

const binary = ensureElectron();
if (!skipBuild) ensureBuilt();
if (checkOnly) {
  say(`ready: ${binary}`);
  process.exit(0);
}
preflight();
const env = { ...process.env };
// SECURITY: an inherited ELECTRON_RUN_AS_NODE would turn the app into a plain Node interpreter.
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(binary, [root, ...appArgs], { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
