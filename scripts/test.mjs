#!/usr/bin/env node
// `npm test`: everything, on a fresh machine. On Linux it first checks the system packages the
// tests need (printing the exact install line when one is missing), then re-runs itself inside a
// private D-Bus session with a throwaway, unlocked gnome-keyring, so keytar is tested against a
// real Secret Service and never touches the user's own keychain.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { aptLine, keytarLoads, missingBuildPackages, missingTestPackages } from './system-check.mjs';

const root = new URL('..', import.meta.url).pathname;
const linux = process.platform === 'linux';
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick'); // skips lint, typecheck, build and e2e (both profiles): for a fast local loop


function preflight() {
  if (!linux) return;
  const missing = missingTestPackages();
  const keytarOk = keytarLoads();
  if (!keytarOk) missing.push('libsecret-1-dev', ...missingBuildPackages());
  if (missing.length > 0) {
    console.error('\nnpm test needs system packages that are missing. Install them with:\n');
    console.error(`  ${aptLine(missing)}\n`);
    if (!keytarOk) console.error('then rebuild the keychain module:  npm rebuild keytar\n');
    process.exit(1);
  }
}

/** Starts gnome-keyring-daemon unlocked with a throwaway password and returns its env vars. */
function startKeyring(work) {
  // A keyring directory of our own: the user's login keyring (another password) is never opened.
  const dataHome = join(work, 'xdg-data');
  mkdirSync(dataHome, { recursive: true });
  process.env.XDG_DATA_HOME = dataHome;
  const r = spawnSync('gnome-keyring-daemon', ['--unlock', '--components=secrets'], {
    input: 'authdesk-throwaway-test-password\n',
    encoding: 'utf8',
    env: process.env,
  });
  if (r.status !== 0) throw new Error(`gnome-keyring-daemon failed: ${r.stderr}`);
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) process.env[m[1]] = m[2];
  }
}

function run(name, cmd, cmdArgs, env = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n=== ${name}: ${cmd} ${cmdArgs.join(' ')}`);
    const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const ok = code === 0;
      console.log(`=== ${name}: ${ok ? 'ok' : `FAILED (${signal ?? code})`} in ${seconds}s`);
      resolve({ name, ok, seconds });
    });
  });
}

function vitestCounts(file) {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    // Failed tests by name with the head of their message, repeated in the summary: CI keeps only the
    // tail of a run, and a failure reported 5,000 lines earlier is otherwise lost to whoever reads it.
    const failures = [];
    for (const suite of json.testResults ?? []) {
      for (const test of suite.assertionResults ?? []) {
        if (test.status !== 'failed') continue;
        const message = String(test.failureMessages?.[0] ?? '').split('\n').slice(0, 3).join(' | ').slice(0, 400);
        failures.push(`${relative(process.cwd(), suite.name)} > ${test.fullName}\n         ${message}`);
      }
      if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) {
        failures.push(`${relative(process.cwd(), suite.name)} (file failed to run)\n         ${String(suite.message ?? '').slice(0, 400)}`);
      }
    }
    return { passed: json.numPassedTests ?? 0, failed: json.numFailedTests ?? 0, skipped: json.numPendingTests ?? 0, failures };
  } catch {
    return { passed: 0, failed: 1, skipped: 0, failures: [`${file}: no report was written`] };
  }
}

async function main() {
  preflight();
  if (linux && process.env.AUTHDESK_TEST_SESSION !== '1') {
    // Re-run inside a private session bus; the keyring daemon dies with it.
    const r = spawnSync('dbus-run-session', ['--', process.execPath, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, AUTHDESK_TEST_SESSION: '1' },
    });
    process.exit(r.status ?? 1);
  }
  const work = mkdtempSync(join(tmpdir(), 'authdesk-test-'));
  if (linux) startKeyring(work);
  const env = {
    // Tests never touch the user's real entries or data dir.
    AUTHDESK_KEYCHAIN_SERVICE: `authdesk-test-${process.pid}`,
    AUTHDESK_HOME: join(work, 'home'),
    AUTHDESK_TEST_TMP: work,
  };
  const results = [];
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const failures = [];
  const addCounts = (file) => {
    const c = vitestCounts(file);
    failures.push(...c.failures);
    counts.passed += c.passed;
    counts.failed += c.failed;
    counts.skipped += c.skipped;
  };

  if (!quick) {
    results.push(await run('lint', 'npx', ['--no-install', 'eslint', '.', '--max-warnings', '0']));
    results.push(await run('typecheck', process.execPath, ['scripts/typecheck.mjs']));
    results.push(await run('build', 'npx', ['--no-install', 'electron-vite', 'build']));
    // The browser extension (out/extension + the store zip); its e2e loads the unpacked build.
    results.push(await run('build:extension', 'npx', ['--no-install', 'vite', 'build', '-c', 'vite.extension.config.ts']));
  }
  const unitJson = join(work, 'vitest-main.json');
  results.push(
    await run(
      'tests',
      'npx',
      ['--no-install', 'vitest', 'run', '--project', 'unit', '--project', 'renderer', '--project', 'integration', '--project', 'integration-strict', '--project', 'security', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`],
      env,
    ),
  );
  addCounts(unitJson);
  if (!quick) {
    const e2eJson = join(work, 'vitest-e2e.json');
    results.push(
      await run('e2e', 'npx', ['--no-install', 'vitest', 'run', '--project', 'e2e', '--reporter=default', '--reporter=json', `--outputFile.json=${e2eJson}`], env),
    );
    addCounts(e2eJson);
    // The enrollment and verification journeys again under the strict emulator profile (#13).
    const e2eStrictJson = join(work, 'vitest-e2e-strict.json');
    results.push(
      await run('e2e:strict', 'npx', ['--no-install', 'vitest', 'run', '--project', 'e2e-strict', '--reporter=default', '--reporter=json', `--outputFile.json=${e2eStrictJson}`], env),
    );
    addCounts(e2eStrictJson);
    results.push(await run('audit:electron', process.execPath, ['scripts/audit-electron.mjs']));
  }

  console.log('\n=== summary');
  for (const r of results) console.log(`${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(16)} ${r.seconds}s`);
  const failedSteps = results.filter((r) => !r.ok).length;
  if (failures.length > 0) {
    console.log('\n=== failed tests');
    for (const f of failures) console.log(`  ✗ ${f}`);
  }
  rmSync(work, { recursive: true, force: true });
  // The plain closing line CI reads.
  console.log(`${counts.passed} passed, ${counts.failed + (counts.failed === 0 ? failedSteps : 0)} failed, ${counts.skipped} skipped`);
  process.exit(failedSteps === 0 && counts.failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
