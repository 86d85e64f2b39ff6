// What the system must have for Authdesk on Debian/Ubuntu, and the one apt line that installs what
// is missing. Shared by `npm install` (scripts/preinstall.mjs: building keytar) and `npm test`
// (scripts/test.mjs: the private keyring and Debian's Chromium), so both print the same line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** True when `cmd` is on PATH. */
export const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** True when the keychain module (keytar's native build) loads in this Node. */
export function keytarLoads() {
  try {
    require('keytar');
    return true;
  } catch {
    return false;
  }
}

/** True when libsecret's development files (what keytar compiles against) are installed. */
export function hasLibsecretHeaders() {
  if (has('pkg-config') && spawnSync('pkg-config', ['--exists', 'libsecret-1'], { stdio: 'ignore' }).status === 0) return true;
  return ['/usr/include/libsecret-1/libsecret/secret.h', '/usr/local/include/libsecret-1/libsecret/secret.h'].some((p) => existsSync(p));
}

/** Debian packages keytar needs to build from source (node-gyp: python3, make, g++, pkg-config, libsecret). */
export function missingBuildPackages() {
  const missing = [];
  if (!hasLibsecretHeaders()) missing.push('libsecret-1-dev');
  if (!has('pkg-config')) missing.push('pkg-config');
  if (!has('python3')) missing.push('python3');
  if (!has('make')) missing.push('make');
  if (!has('g++')) missing.push('g++');
  return missing;
}

/** Debian packages the test suite needs besides keytar (a private Secret Service, Chromium). */
export function missingTestPackages() {
  const missing = [];
  if (!has('dbus-run-session')) missing.push('dbus');
  if (!has('gnome-keyring-daemon')) missing.push('gnome-keyring');
  if (!has('secret-tool')) missing.push('libsecret-tools');
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  // LibreOffice Calc opens the coverage CSV in the spreadsheet-injection test (test/security).
  if (!has('soffice')) missing.push('libreoffice-calc-nogui');
  return missing;
}

/** The exact command that installs `packages` (sudo unless already root). */
export function aptLine(packages) {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get install -y ${[...new Set(packages)].join(' ')}`;
}
