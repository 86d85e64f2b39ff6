import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { afterPack, electronBinaryPath } from '../../build/after-pack.mjs';

const repo = join(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

interface BuilderConfig {
  asar?: boolean;
  files?: { filter?: string[] }[] | string[];
  npmRebuild?: boolean;
  nativeRebuilder?: string;
  afterPack?: string;
  electronFuses?: unknown;
  linux?: { target?: string[] };
  mac?: { target?: string; hardenedRuntime?: boolean };
  win?: { target?: string };
  asarUnpack?: string[];
  directories?: { output?: string };
}

/** The config exactly as electron-builder loads it, validated against electron-builder's schema. */
async function loadConfig(): Promise<BuilderConfig> {
  const loader = require('app-builder-lib/out/util/config/config') as {
    getConfig: (dir: string, path: string, extra: null) => Promise<BuilderConfig>;
    validateConfiguration: (config: BuilderConfig, logger: unknown) => Promise<void>;
  };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  const config = await loader.getConfig(repo, 'electron-builder.yml', null);
  await loader.validateConfiguration(config, new DebugLogger(false));
  return config;
}

describe('release configuration (electron-builder.yml)', () => {
  it('passes electron-builder schema validation and packages every OS', async () => {
    const config = await loadConfig();
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toBe('dmg');
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(config.win?.target).toBe('nsis');
  });

  it('ships an asar of out/ only, with keytar rebuilt for Electron and unpacked', async () => {
    const config = await loadConfig();
    expect(config.asar).toBe(true);
    const patterns = (config.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])));
    const included = patterns.filter((p) => !p.startsWith('!'));
    expect(included.sort()).toEqual(['out/**/*', 'package.json']);
    expect(patterns.some((p) => /src|test|scripts|\.env/.test(p) && !p.startsWith('!'))).toBe(false);
    expect(config.npmRebuild).toBe(true);
    expect(config.nativeRebuilder).not.toBe('legacy');
    expect(config.asarUnpack).toContain('**/node_modules/keytar/**/*.node');

    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    // Packaged (and rebuilt) because it is a production dependency; electron itself must not be one.
    expect(pkg.dependencies).toHaveProperty('keytar');
    expect(pkg.dependencies).not.toHaveProperty('electron');
    expect(pkg.devDependencies).toHaveProperty('electron');
    expect(pkg.main).toMatch(/^out\//);
    expect(pkg.scripts.dist).toMatch(/^electron-vite build && electron-builder .*--config electron-builder\.yml/);
  });

  it('flips the fuses in an afterPack hook only (no second, conflicting fuse config)', async () => {
    const config = await loadConfig();
    expect(config.afterPack).toBe('./build/after-pack.mjs');
    expect(existsSync(join(repo, 'build/after-pack.mjs'))).toBe(true);
    expect(config.electronFuses ?? null).toBeNull();
  });
});

// A stand-in for Electron's binary: some bytes, the fuse sentinel, wire version 1 and the fuse
// wire as a fresh Electron ships it (the insecure defaults), so the real @electron/fuses flips it.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_DEFAULT_WIRE = '10110001'; // RunAsNode on, cookie encryption off, NODE_OPTIONS on, inspect on, …, file:// privileges on
const REQUIRED = {
  RunAsNode: '0',
  EnableCookieEncryption: '1',
  EnableNodeOptionsEnvironmentVariable: '0',
  EnableNodeCliInspectArguments: '0',
  EnableEmbeddedAsarIntegrityValidation: '1',
  OnlyLoadAppFromAsar: '1',
  LoadBrowserProcessSpecificV8Snapshot: '0',
  GrantFileProtocolExtraPrivileges: '0',
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fakeElectron(path: string, wire = ELECTRON_DEFAULT_WIRE, withSentinel = true): void {
  mkdirSync(dirname(path), { recursive: true });
  const body = withSentinel ? Buffer.concat([Buffer.from([1, wire.length]), Buffer.from(wire, 'latin1')]) : Buffer.alloc(0);
  writeFileSync(path, Buffer.concat([Buffer.alloc(4096, 7), Buffer.from(withSentinel ? SENTINEL : ''), body, Buffer.alloc(512, 9)]));
}

function readWire(path: string): string {
  const bytes = readFileSync(path);
  const at = bytes.indexOf(SENTINEL) + SENTINEL.length;
  return bytes.subarray(at + 2, at + 2 + bytes[at + 1]).toString('latin1');
}

const context = (platform: string, appOutDir: string) => ({
  appOutDir,
  electronPlatformName: platform,
  arch: 1, // x64: no ad-hoc re-signing needed
  packager: { appInfo: { productFilename: 'Authdesk' }, executableName: 'authdesk' },
});

describe('afterPack fuse hook (build/after-pack.mjs)', () => {
  it.each([
    ['linux', 'authdesk'],
    ['win32', 'Authdesk.exe'],
    ['darwin', 'Authdesk.app/Contents/Frameworks/Electron Framework.framework/Electron Framework'],
  ])('%s: flips every fuse to the release setting in the packaged binary', async (platform, fuseFile) => {
    const out = mkdtempSync(join(tmpdir(), `authdesk-pack-${platform}-`));
    dirs.push(out);
    fakeElectron(join(out, fuseFile));
    expect(readWire(join(out, fuseFile))).toBe(ELECTRON_DEFAULT_WIRE);
    const log = console.log;
    console.log = () => {};
    try {
      await afterPack(context(platform, out));
    } finally {
      console.log = log;
    }
    expect(readWire(join(out, fuseFile))).toBe(Object.values(REQUIRED).join(''));
    expect(electronBinaryPath(context(platform, out))).toBe(
      join(out, platform === 'linux' ? 'authdesk' : platform === 'win32' ? 'Authdesk.exe' : 'Authdesk.app'),
    );
  });

  it('leaves a newer, longer fuse wire beyond the known fuses untouched', async () => {
    const out = mkdtempSync(join(tmpdir(), 'authdesk-pack-long-'));
    dirs.push(out);
    fakeElectron(join(out, 'authdesk'), `${ELECTRON_DEFAULT_WIRE}1`);
    const log = console.log;
    console.log = () => {};
    await afterPack(context('linux', out)).finally(() => (console.log = log));
    expect(readWire(join(out, 'authdesk'))).toBe(`${Object.values(REQUIRED).join('')}1`);
  });

  it('fails the build when the binary has no fuse wire, rather than shipping unfused', async () => {
    const out = mkdtempSync(join(tmpdir(), 'authdesk-pack-bad-'));
    dirs.push(out);
    fakeElectron(join(out, 'authdesk'), '', false);
    await expect(afterPack(context('linux', out))).rejects.toThrow(/sentinel/);
    await expect(afterPack(context('freebsd', out))).rejects.toThrow(/no fuse support/);
  });
});
