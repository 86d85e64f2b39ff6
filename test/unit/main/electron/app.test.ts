import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  allWindows,
  app,
  dialog,
  fakeEvent,
  invoke,
  ipcMain,
  protocol,
  resetFakeElectron,
  session,
  type FakeBrowserWindow,
} from './fake-electron';
import { startDesktopApp, type DesktopApp } from '../../../../src/main/electron/app';
import { ENROLL_WINDOW_CHANNELS } from '@shared/ipc/channel-names';
import { startEmulator } from '../../../../src/emulator/index';
import { CHANNEL_NAMES } from '@shared/ipc';

vi.mock('electron', () => import('./fake-electron'));

let home: string;
let started: DesktopApp | null = null;
const env = () => ({ AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: `authdesk-unit-${process.pid}` });

beforeEach(() => {
  resetFakeElectron();
  app.appPath = '/opt/authdesk/resources/app.asar';
  app.isPackaged = true;
  home = mkdtempSync(join(tmpdir(), 'authdesk-app-'));
});
afterEach(async () => {
  await started?.shutdown();
  started = null;
  rmSync(home, { recursive: true, force: true });
});

const consoleWindow = (): FakeBrowserWindow => {
  const win = allWindows()[0];
  if (!win) throw new Error('no console window');
  return win;
};

describe('startDesktopApp', () => {
  it('hardens before ready, then opens the console on the local tenant', async () => {
    let ready!: () => void;
    app.whenReady.mockImplementation(() => new Promise<void>((r) => (ready = r)));
    const starting = startDesktopApp({ env: env() });
    // Before ready: sandbox everywhere, app:// privileged, userData = the CLI's data dir, the lock.
    await Promise.resolve();
    expect(app.enableSandbox).toHaveBeenCalledTimes(1);
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(app.setPath).toHaveBeenCalledWith('userData', home);
    expect(app.setPath).toHaveBeenCalledWith('sessionData', join(home, 'chromium'));
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(app.listenerCount('web-contents-created')).toBe(1);
    expect(allWindows()).toHaveLength(0);
    ready();
    started = await starting;

    expect(started).not.toBeNull();
    const win = consoleWindow();
    expect(allWindows()).toHaveLength(1);
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      devTools: false,
      preload: '/opt/authdesk/resources/app.asar/out/preload/console.cjs',
    });
    expect(win.webContents.loadURL).toHaveBeenCalledWith('app://authdesk/console/index.html');
    expect(session.defaultSession.protocol.handlers.has('app')).toBe(true);
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CHANNEL_NAMES, ...ENROLL_WINDOW_CHANNELS].sort());
    expect(dialog.showMessageBox).not.toHaveBeenCalled();

    // The embedded tenant is real, listens on loopback with a fresh random secret, and the
    // console reaches it through the whole chain: transport -> router -> services.
    const tenant = started!.localTenant!;
    expect(tenant.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(tenant.secret.length).toBeGreaterThanOrEqual(40);
    const info = (await invoke('app:info', win.webContents, win.webContents.mainFrame, {})) as {
      ok: boolean;
      value: { localTenantUrl?: string; version: string };
    };
    expect(info).toMatchObject({ ok: true, value: { version: '0.1.0-test', localTenantUrl: tenant.origin } });
    const probe = await fetch(`${tenant.apiUrl}/users/nobody`, {
      headers: { authorization: `Basic ${Buffer.from(`${tenant.secret}:`).toString('base64')}` },
    });
    expect(probe.status).not.toBe(401);
    const wrong = await fetch(`${tenant.apiUrl}/users/nobody`, {
      headers: { authorization: `Basic ${Buffer.from('guessed-secret:').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);

    // Quitting waits for the services and the local tenant to close.
    const quitEvent = fakeEvent();
    app.emit('will-quit', quitEvent);
    expect(quitEvent.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(1));
    await expect(fetch(`${tenant.origin}/`)).rejects.toThrow();
  });

  it('uses a different local tenant secret each run', async () => {
    const first = await startDesktopApp({ env: env() });
    const secretA = first!.localTenant!.secret;
    await first!.shutdown();
    resetFakeElectron();
    started = await startDesktopApp({ env: env() });
    expect(started!.localTenant!.secret).not.toBe(secretA);
  });

  it('still opens, and says so, when the local tenant cannot start', async () => {
    const failing = vi.fn(() => Promise.reject(new Error('EADDRINUSE')));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    started = await startDesktopApp({ env: env(), startEmulator: failing });
    errors.mockRestore();
    expect(failing).toHaveBeenCalledWith(expect.objectContaining({ port: 0, seed: 'demo', host: '127.0.0.1' }));
    expect(started!.localTenant).toBeNull();
    expect(allWindows()).toHaveLength(1);
    expect(dialog.showMessageBox).toHaveBeenCalledWith(
      consoleWindow(),
      expect.objectContaining({ type: 'warning', message: expect.stringMatching(/local tenant could not start/) as string }),
    );
    const win = consoleWindow();
    const info = await invoke('app:info', win.webContents, win.webContents.mainFrame, {});
    expect(info).toMatchObject({ ok: true, value: { localTenant: false } });
    expect(info).not.toHaveProperty('value.localTenantUrl');
  });

  it('a second instance hands over to the first and quits without opening anything', async () => {
    app.singleInstanceLock = false;
    const start = vi.fn(startEmulator);
    expect(await startDesktopApp({ env: env(), startEmulator: start })).toBeNull();
    expect(app.quit).toHaveBeenCalledTimes(1);
    expect(allWindows()).toHaveLength(0);
    expect(ipcMain.handlers.size).toBe(0);
    expect(start).not.toHaveBeenCalled();
  });

  it('the first instance focuses its console when a second one starts', async () => {
    started = await startDesktopApp({ env: env() });
    const win = consoleWindow();
    win.minimized = true;
    app.emit('second-instance', fakeEvent(), [], '/');
    expect(win.restore).toHaveBeenCalledTimes(1);
    expect(win.focus).toHaveBeenCalledTimes(1);
  });

  it("pushes the services' change events to the console window only, and stops on shutdown", async () => {
    started = await startDesktopApp({ env: env() });
    const win = consoleWindow();
    const result = await invoke('tenants:set-active', win.webContents, win.webContents.mainFrame, { id: 'local' });
    expect(result).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(win.webContents.send).toHaveBeenCalledTimes(1));
    const [name, payload] = win.webContents.send.mock.calls[0] as [string, { activeId: unknown; tenants: { id: string; kind: string }[] }];
    expect(name).toBe('tenants:list-changed');
    expect(payload.tenants.map((t) => [t.id, t.kind])).toEqual([['local', 'local']]);
    expect(JSON.stringify(payload)).not.toContain(started!.localTenant!.secret);

    await started!.shutdown();
    win.webContents.send.mockClear();
    await started!.services.tenants.setActive('local');
    await new Promise((r) => setTimeout(r, 20));
    expect(win.webContents.send).not.toHaveBeenCalled();
  });

  it('reopens the console on activate after it was closed, and IPC follows the new window', async () => {
    started = await startDesktopApp({ env: env() });
    const first = consoleWindow();
    first.close();
    expect(started!.consoleWindow()).toBeNull();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    app.emit('activate');
    const second = allWindows()[1];
    expect(started!.consoleWindow()).toBe(second);
    expect(await invoke('app:info', first.webContents, first.webContents.mainFrame, {})).toMatchObject({ ok: false });
    expect(await invoke('app:info', second.webContents, second.webContents.mainFrame, {})).toMatchObject({ ok: true });
    expect(warn).toHaveBeenCalledWith('Refused app:info from a window that is not the console');
    warn.mockRestore();
  });
});
