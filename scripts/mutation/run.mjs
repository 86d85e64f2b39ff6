#!/usr/bin/env node
// `npm run mutate [-- stryker options]`: mutation testing (issue #17) with Stryker, then the summary
// bench/results/mutation.json (scripts/mutation/summary.mjs). Reports (HTML, JSON) and the
// incremental file go to reports/mutation/ (ignored by git); a re-run tests only what changed.
// Options go to Stryker, e.g. `--mutate src/main/ipc/router.ts --concurrency 1` for a narrow run,
// `--force` to ignore the incremental file. On Linux it runs inside a private D-Bus session with a
// throwaway unlocked keyring, as `npm test` does, since some of the tests use the real keychain.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const linux = process.platform === 'linux';

if (linux && process.env.AUTHDESK_TEST_SESSION !== '1') {
  const r = spawnSync('dbus-run-session', ['--', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, AUTHDESK_TEST_SESSION: '1' } });
  process.exit(r.status ?? 1);
}

const work = mkdtempSync(join(tmpdir(), 'authdesk-mutate-'));
try {
  if (linux) {
    // A keyring of our own: the user's login keyring is never opened.
    const dataHome = join(work, 'xdg-data');
    mkdirSync(dataHome, { recursive: true });
    process.env.XDG_DATA_HOME = dataHome;
    const k = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { input: 'authdesk-throwaway-test-password\n', encoding: 'utf8', env: process.env });
    if (k.status !== 0) throw new Error(`gnome-keyring-daemon failed: ${k.stderr}`);
    for (const line of k.stdout.split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) process.env[m[1]] = m[2];
    }
  }
  process.env.AUTHDESK_TEST_TMP = work;
  const concurrency = (() => {
    const i = args.findIndex((a) => a === '--concurrency' || a === '-c');
    return i >= 0 ? args[i + 1] : '3';
  })();
  // Stryker reuses the results of the last run unless told not to (incremental in stryker.config.mjs).
  const mode = existsSync(join(root, 'reports/mutation/stryker-incremental.json')) && !args.includes('--force') ? 'incremental' : 'full';
  const started = Date.now();
  const r = spawnSync('npx', ['--no-install', 'stryker', 'run', 'stryker.config.mjs', ...args], { cwd: root, stdio: 'inherit', env: process.env });
  const wall = Math.round((Date.now() - started) / 1000);
  if (r.status !== 0) {
    console.error(`stryker failed (${r.status ?? r.signal}) after ${wall} s`);
    process.exit(r.status ?? 1);
  }
  const s = spawnSync(process.execPath, ['scripts/mutation/summary.mjs', '--wall-seconds', String(wall), '--concurrency', concurrency, '--mode', mode], { cwd: root, stdio: 'inherit' });
  process.exitCode = s.status ?? 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
