import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { posix, win32 } from 'node:path';
import { promisify } from 'node:util';
import { NATIVE_HOST_NAME } from '@shared/bridge/protocol';
import { AppError } from '@shared/errors';
import { writeFileAtomic } from '../platform/atomic-file';
import { bridgeDir } from './paths';

/** Browsers whose native messaging host manifests Authdesk writes. */
export const HOST_BROWSERS = ['chrome', 'chromium', 'edge', 'brave'] as const;
/** A browser Authdesk integrates with. */
export type HostBrowser = (typeof HOST_BROWSERS)[number];

/** Where one browser looks for our host manifest. */
export interface HostManifestTarget {
  browser: HostBrowser | 'custom';
  /** The manifest file (on Windows: the file the registry value points at). */
  manifestPath: string;
  /** Windows only: the HKCU key whose default value must name `manifestPath`. */
  registryKey?: string;
}

/** What the target list depends on. */
export interface TargetContext {
  platform: NodeJS.Platform;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Authdesk's data dir: on Windows the manifests live there (the registry points at them). */
  dataDir: string;
}

const file = `${NATIVE_HOST_NAME}.json`;

/**
 * Per browser and OS, where the user-level host manifest goes (Chromium's documented locations):
 * Linux `~/.config/<browser>/NativeMessagingHosts`, macOS `~/Library/Application Support/<browser>/
 * NativeMessagingHosts`, Windows a manifest anywhere plus `HKCU\Software\<browser>\NativeMessagingHosts\<name>`.
 */
export function hostManifestTargets(ctx: TargetContext): HostManifestTarget[] {
  if (ctx.platform === 'win32') {
    const keys: Record<HostBrowser, string> = {
      chrome: 'Software\\Google\\Chrome',
      chromium: 'Software\\Chromium',
      edge: 'Software\\Microsoft\\Edge',
      brave: 'Software\\BraveSoftware\\Brave-Browser',
    };
    return HOST_BROWSERS.map((browser) => ({
      browser,
      manifestPath: win32.join(bridgeDir(ctx.dataDir), 'native-host', browser, file),
      registryKey: `HKCU\\${keys[browser]}\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`,
    }));
  }
  const dirs: Record<HostBrowser, string> =
    ctx.platform === 'darwin'
      ? {
          chrome: 'Google/Chrome',
          chromium: 'Chromium',
          edge: 'Microsoft Edge',
          brave: 'BraveSoftware/Brave-Browser',
        }
      : { chrome: 'google-chrome', chromium: 'chromium', edge: 'microsoft-edge', brave: 'BraveSoftware/Brave-Browser' };
  const base =
    ctx.platform === 'darwin'
      ? posix.join(ctx.home, 'Library', 'Application Support')
      : ctx.env.XDG_CONFIG_HOME?.trim() || posix.join(ctx.home, '.config');
  return HOST_BROWSERS.map((browser) => ({ browser, manifestPath: posix.join(base, dirs[browser], 'NativeMessagingHosts', file) }));
}

/** The target for a browser profile started with `--user-data-dir` (Chromium looks there too). */
export function userDataDirTarget(userDataDir: string, platform: NodeJS.Platform = process.platform): HostManifestTarget {
  const path = platform === 'win32' ? win32 : posix;
  return { browser: 'custom', manifestPath: path.join(userDataDir, 'NativeMessagingHosts', file) };
}

/**
 * The manifest Chromium reads. SECURITY: `allowed_origins` pins the extension ids (from the
 * extension's stable manifest `key`), so no other extension can start the host.
 */
export function hostManifest(hostPath: string, extensionIds: readonly string[]): Record<string, unknown> {
  return {
    name: NATIVE_HOST_NAME,
    description: 'Authdesk browser bridge (relays the Authdesk extension to the desktop app)',
    path: hostPath,
    type: 'stdio',
    allowed_origins: extensionIds.map((id) => `chrome-extension://${id}/`),
  };
}

/** How to start `authdesk native-host`: an executable and its leading arguments. */
export interface HostCommand {
  command: string;
  args: readonly string[];
}

/** The packaged app as its own native host: the manifest's `path` names this program directly. */
export interface AppExecutableHost {
  executable: string;
}

/** What the manifest starts: a dev launcher around `authdesk native-host`, or the packaged app. */
export type NativeHostProgram = HostCommand | AppExecutableHost;

/** What the choice of host program depends on (from Electron's `app` and `process`). */
export interface PackagedAppInfo {
  isPackaged: boolean;
  /** `process.execPath`: the app's own executable when packaged. */
  execPath: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * The program a packaged app names in its host manifests, or undefined in a dev checkout (which
 * keeps the launcher around this Node and bin/authdesk). The packaged Electron binary cannot run
 * bin/authdesk (its RunAsNode fuse is off), so it is the host itself: started with an extension
 * origin as its argument it relays and quits (src/main/electron/native-host-mode.ts).
 * - Linux AppImage: `process.execPath` is inside a mount that exists only while that run lasts, so
 *   the manifest names the AppImage file itself ($APPIMAGE).
 * - Windows: Chromium starts hosts through `cmd.exe /d /c "<path>" ...` with the pipes redirected,
 *   so the path may be an .exe: it is Authdesk.exe itself, no .bat wrapper (which would be one more
 *   file, in a user-writable folder, between the browser and the app).
 * - macOS: the binary inside the bundle (Contents/MacOS/Authdesk), which is `process.execPath`.
 * The host finds the app's socket through the data dir the platform default (or AUTHDESK_HOME in
 * the browser's environment) names, like the app.
 */
export function packagedHostProgram(info: PackagedAppInfo): AppExecutableHost | undefined {
  if (!info.isPackaged) return undefined;
  const appImage = info.env.APPIMAGE?.trim();
  return { executable: appImage || info.execPath };
}

/** Writes registry values (Windows); injectable so the plan is testable anywhere. */
export type RegistryRunner = (args: readonly string[]) => Promise<void>;

const runReg: RegistryRunner = async (args) => {
  await promisify(execFile)('reg', [...args], { windowsHide: true });
};

/** Quotes for POSIX sh: the only special character inside single quotes is the quote itself. */
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The launcher Chromium runs (a manifest's `path` takes no arguments): a sh script, or a .cmd on
 * Windows, that starts `authdesk native-host` with AUTHDESK_HOME pinned to this data dir, so the
 * host finds the socket of the app that wrote it whatever environment the browser has.
 */
export function launcherScript(platform: NodeJS.Platform, dataDir: string, host: HostCommand): { name: string; text: string } {
  if (platform === 'win32') {
    const q = (s: string) => `"${s.replace(/"/g, '')}"`;
    return {
      name: 'authdesk-native-host.cmd',
      text: ['@echo off', `set "AUTHDESK_HOME=${dataDir.replace(/"/g, '')}"`, `${[host.command, ...host.args].map(q).join(' ')} native-host %*`, ''].join('\r\n'),
    };
  }
  return {
    name: 'authdesk-native-host',
    text: [
      '#!/bin/sh',
      '# Written by Authdesk when browser integration was switched on; removed when it is switched off.',
      `AUTHDESK_HOME=${shQuote(dataDir)} exec ${[host.command, ...host.args].map(shQuote).join(' ')} native-host "$@"`,
      '',
    ].join('\n'),
  };
}

/** `reg` arguments that point a browser's HKCU key at our manifest (Windows). */
export function registryAddArgs(target: HostManifestTarget): string[] {
  return ['add', target.registryKey ?? '', '/ve', '/t', 'REG_SZ', '/d', target.manifestPath, '/f'];
}

/** `reg` arguments that remove that key again. */
export function registryDeleteArgs(target: HostManifestTarget): string[] {
  return ['delete', target.registryKey ?? '', '/f'];
}

/** What installing wrote. */
export interface InstalledHost {
  /** The manifests' `path`: the launcher written, or the packaged app's executable. */
  launcherPath: string;
  manifests: HostManifestTarget[];
}

/** How to install or remove the host. */
export interface InstallOptions extends TargetContext {
  host: NativeHostProgram;
  extensionIds: readonly string[];
  /** Extra targets (e.g. a test browser's `--user-data-dir`). */
  extraTargets?: readonly HostManifestTarget[];
  registry?: RegistryRunner;
}

/**
 * Writes the host manifest for every supported browser (plus extra targets), and in a dev checkout
 * the launcher it names. Browsers that are not installed simply never read theirs. On Windows each
 * manifest is registered under HKCU.
 */
export async function installNativeHost(options: InstallOptions): Promise<InstalledHost> {
  // Paths are built for the target OS; writing them only makes sense on that OS.
  if (options.platform !== process.platform) throw new AppError('validation', `Browser integration for ${options.platform} is installed on that system.`);
  const path = options.platform === 'win32' ? win32 : posix;
  let launcherPath: string;
  if ('executable' in options.host) {
    // SECURITY: the installed app itself, where the installer put it: no script of ours in a
    // user-writable folder stands between the browser and the signed binary.
    launcherPath = options.host.executable;
  } else {
    const launcher = launcherScript(options.platform, options.dataDir, options.host);
    launcherPath = path.join(bridgeDir(options.dataDir), 'native-host', launcher.name);
    // SECURITY: owner-only, in the 0700 bridge folder: nobody else can swap the program the browser runs.
    await writeFileAtomic(launcherPath, launcher.text, { mode: 0o700 });
  }
  const manifest = `${JSON.stringify(hostManifest(launcherPath, options.extensionIds), null, 2)}\n`;
  const targets = [...hostManifestTargets(options), ...(options.extraTargets ?? [])];
  for (const target of targets) {
    await mkdir(path.dirname(target.manifestPath), { recursive: true });
    // Browsers read the manifest as the user; 0644 like any config file (it holds no secret).
    await writeFile(target.manifestPath, manifest, { mode: 0o644 });
    if (target.registryKey) await (options.registry ?? runReg)(registryAddArgs(target));
  }
  return { launcherPath, manifests: targets };
}

/** Removes every manifest (and registry value) and the launcher installNativeHost wrote. */
export async function uninstallNativeHost(options: Omit<InstallOptions, 'host' | 'extensionIds'>): Promise<void> {
  if (options.platform !== process.platform) return;
  const path = options.platform === 'win32' ? win32 : posix;
  for (const target of [...hostManifestTargets(options), ...(options.extraTargets ?? [])]) {
    await rm(target.manifestPath, { force: true });
    if (target.registryKey) await (options.registry ?? runReg)(registryDeleteArgs(target)).catch(() => undefined);
  }
  await rm(path.join(bridgeDir(options.dataDir), 'native-host'), { recursive: true, force: true });
}
