import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue #14: on a Debian machine that cannot build the keychain module, `npm install` (the
// README's first command) stops with the one apt line that fixes it, not a node-gyp stack trace.
// The real script runs in a copy of the scripts folder with no node_modules (so keytar cannot
// load, as after its optional build failed) and a PATH without the build tools.

const scripts = join(import.meta.dirname, '../../scripts');
let dir: string;
let bin: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authdesk-preinstall-'));
  await mkdir(join(dir, 'scripts'));
  for (const f of ['preinstall.mjs', 'system-check.mjs']) await copyFile(join(scripts, f), join(dir, 'scripts', f));
  // A PATH with only node and a shell: no pkg-config, python3, make or g++.
  bin = join(dir, 'bin');
  await mkdir(bin);
  await symlink(process.execPath, join(bin, 'node'));
  await symlink('/bin/sh', join(bin, 'sh'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = (path: string) =>
  spawnSync(process.execPath, [join(dir, 'scripts/preinstall.mjs')], { cwd: dir, env: { PATH: path, HOME: dir }, encoding: 'utf8' });

describe.runIf(process.platform === 'linux')('npm install preinstall check', () => {
  it('prints the exact apt line for what is missing and stops, with no stack trace', () => {
    const r = run(bin);
    expect(r.status).toBe(1);
    const line = r.stderr.split('\n').find((l) => l.includes('apt-get install -y'))?.trim() ?? '';
    expect(line).toMatch(/^(sudo )?apt-get install -y /);
    expect(line.split(' ')).toEqual(expect.arrayContaining(['pkg-config', 'python3', 'make', 'g++']));
    expect(r.stderr).not.toMatch(/gyp|at .+:\d+:\d+|Error:/);
  });

  it('lets the install go on where everything keytar needs is installed', () => {
    const r = run(process.env.PATH ?? '');
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('apt-get');
  });
});
