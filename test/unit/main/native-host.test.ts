import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from '../../../src/main/services/browser-bridge/framing';
import { hostManifestTargets, installNativeHost, launcherScript, packagedHostProgram, registryAddArgs, registryDeleteArgs, uninstallNativeHost } from '../../../src/main/services/browser-bridge/native-host-manifest';
import { MAX_FRAME_BYTES, NATIVE_HOST_NAME } from '@shared/bridge/protocol';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('native messaging framing', () => {
  it('reassembles frames split anywhere and several per chunk', () => {
    const bytes = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame({ b: 'é' }), encodeFrame([3])]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new FrameReader();
      const events = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      expect(events.map((e) => (e.kind === 'frame' ? (JSON.parse(e.body.toString()) as unknown) : e))).toEqual([{ a: 1 }, { b: 'é' }, [3]]);
    }
  });

  it('reports and skips an oversized frame without buffering it, then reads the next', () => {
    const reader = new FrameReader(16);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(40, 0);
    expect(reader.push(Buffer.concat([head, Buffer.alloc(10)]))).toEqual([{ kind: 'oversized', length: 40 }]);
    expect(reader.pending).toBe(0);
    const events = reader.push(Buffer.concat([Buffer.alloc(30), encodeFrame({ ok: true })]));
    expect(events).toHaveLength(1);
    expect(events[0].kind === 'frame' && JSON.parse(events[0].body.toString())).toEqual({ ok: true });
    expect(() => encodeFrame('x'.repeat(MAX_FRAME_BYTES))).toThrow(RangeError);
  });
});

describe('host manifests', () => {
  const ctx = (platform: NodeJS.Platform) => ({ platform, home: platform === 'win32' ? 'C:\\Users\\ada' : '/home/ada', env: {}, dataDir: platform === 'win32' ? 'C:\\Users\\ada\\AppData\\Roaming\\authdesk' : '/home/ada/.config/authdesk' });

  it('knows where Chrome, Chromium, Edge and Brave look on Linux, macOS and Windows', () => {
    expect(hostManifestTargets(ctx('linux')).map((t) => t.manifestPath)).toEqual([
      `/home/ada/.config/google-chrome/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
      `/home/ada/.config/chromium/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
      `/home/ada/.config/microsoft-edge/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
      `/home/ada/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
    ]);
    expect(hostManifestTargets(ctx('darwin')).map((t) => t.manifestPath)).toEqual([
      `/home/ada/Library/Application Support/Google/Chrome/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
      `/home/ada/Library/Application Support/Chromium/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
      `/home/ada/Library/Application Support/Microsoft Edge/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
      `/home/ada/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts/${NATIVE_HOST_NAME}.json`,
    ]);
    expect(hostManifestTargets(ctx('win32')).map((t) => t.registryKey)).toEqual([
      `HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`,
      `HKCU\\Software\\Chromium\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`,
      `HKCU\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`,
      `HKCU\\Software\\BraveSoftware\\Brave-Browser\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`,
    ]);
  });

  it('writes a launcher that survives quotes and spaces in paths (run by sh for real)', async () => {
    const dir = await mkdtemp(join(tmpdir(), "authdesk it's here "));
    dirs.push(dir);
    const fakeNode = join(dir, 'fake node');
    await writeFile(fakeNode, '#!/bin/sh\nprintf "%s|" "$AUTHDESK_HOME" "$@"\n');
    await chmod(fakeNode, 0o755);
    const script = launcherScript('linux', join(dir, "data 'dir'"), { command: fakeNode, args: ['/opt/a b/cli.js'] });
    const launcher = join(dir, script.name);
    await writeFile(launcher, script.text, { mode: 0o700 });
    const out = execFileSync(launcher, ['chrome-extension://x/', '--parent-window=0']).toString();
    expect(out).toBe(`${join(dir, "data 'dir'")}|/opt/a b/cli.js|native-host|chrome-extension://x/|--parent-window=0|`);
    expect(launcherScript('win32', 'C:\\data', { command: 'C:\\node.exe', args: ['C:\\cli.js'] }).text).toContain('"C:\\node.exe" "C:\\cli.js" native-host %*');
  });

  it('installs for every browser (0700 launcher) and removes them all again; plans the HKCU registry values on Windows', async () => {
    const home = await mkdtemp(join(tmpdir(), 'authdesk-home-'));
    dirs.push(home);
    const dataDir = join(home, 'data');
    const installed = await installNativeHost({ platform: 'linux', home, env: {}, dataDir, host: { command: '/usr/bin/node', args: [] }, extensionIds: ['a'.repeat(32)] });
    expect((await stat(installed.launcherPath)).mode & 0o777).toBe(0o700);
    for (const t of installed.manifests) {
      const m = JSON.parse(await readFile(t.manifestPath, 'utf8')) as { allowed_origins: string[]; path: string; type: string };
      expect(m).toMatchObject({ path: installed.launcherPath, type: 'stdio', allowed_origins: [`chrome-extension://${'a'.repeat(32)}/`] });
    }
    await uninstallNativeHost({ platform: 'linux', home, env: {}, dataDir });
    for (const t of installed.manifests) await expect(stat(t.manifestPath)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(installed.launcherPath)).rejects.toMatchObject({ code: 'ENOENT' });

    // Windows paths and registry values are planned, never written here (they are not paths on this OS).
    await expect(installNativeHost({ platform: 'win32', home, env: {}, dataDir, host: { command: 'node.exe', args: [] }, extensionIds: [] })).rejects.toMatchObject({ code: 'validation' });
    const [chrome] = hostManifestTargets(ctx('win32'));
    expect(registryAddArgs(chrome)).toEqual(['add', `HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`, '/ve', '/t', 'REG_SZ', '/d', `C:\\Users\\ada\\AppData\\Roaming\\authdesk\\browser-bridge\\native-host\\chrome\\${NATIVE_HOST_NAME}.json`, '/f']);
    expect(registryDeleteArgs(chrome)).toEqual(['delete', `HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\${NATIVE_HOST_NAME}`, '/f']);
  });
});

describe('which program the manifests start', () => {
  it('packaged: the app executable itself (the AppImage file on Linux when run from one); dev: the launcher', () => {
    expect(packagedHostProgram({ isPackaged: false, execPath: '/usr/bin/electron', env: { APPIMAGE: '/x.AppImage' } })).toBeUndefined();
    expect(packagedHostProgram({ isPackaged: true, execPath: '/opt/Authdesk/authdesk', env: {} })).toEqual({ executable: '/opt/Authdesk/authdesk' });
    // The AppImage's mount (/tmp/.mount_*) is gone once that run ends; the AppImage file stays.
    expect(packagedHostProgram({ isPackaged: true, execPath: '/tmp/.mount_AuthXy/authdesk', env: { APPIMAGE: '/home/ada/Apps/Authdesk.AppImage' } })).toEqual({
      executable: '/home/ada/Apps/Authdesk.AppImage',
    });
    expect(packagedHostProgram({ isPackaged: true, execPath: 'C:\\Program Files\\Authdesk\\Authdesk.exe', env: { APPIMAGE: ' ' } })).toEqual({
      executable: 'C:\\Program Files\\Authdesk\\Authdesk.exe',
    });
  });

  it('packaged: the manifests name the executable and no launcher script is written', async () => {
    const home = await mkdtemp(join(tmpdir(), 'authdesk-home-'));
    dirs.push(home);
    const dataDir = join(home, 'data');
    const host = packagedHostProgram({ isPackaged: true, execPath: '/opt/Authdesk/authdesk', env: {} })!;
    const installed = await installNativeHost({ platform: 'linux', home, env: {}, dataDir, host, extensionIds: ['a'.repeat(32)] });
    expect(installed.launcherPath).toBe('/opt/Authdesk/authdesk');
    for (const t of installed.manifests) {
      expect(JSON.parse(await readFile(t.manifestPath, 'utf8'))).toMatchObject({ path: '/opt/Authdesk/authdesk', type: 'stdio' });
    }
    await expect(readdir(join(dataDir, 'browser-bridge', 'native-host'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
