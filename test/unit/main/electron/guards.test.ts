import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BrowserWindow,
  app,
  fakeEvent,
  navigate,
  resetFakeElectron,
  shell,
  type FakeBrowserWindow,
} from './fake-electron';
import {
  installWebContentsGuard,
  isConsoleExport,
  isExternalUrlAllowed,
  openExternalSafe,
  setNavigationPolicy,
} from '../../../../src/main/electron/guards';
import type { WebContents } from 'electron';

vi.mock('electron', () => import('./fake-electron'));

function windowWithPolicy(origins: string[], partition?: string): FakeBrowserWindow {
  const win = new BrowserWindow({ webPreferences: partition ? { partition } : {} });
  setNavigationPolicy(win.webContents as unknown as WebContents, { allowedOrigins: new Set(origins) });
  return win;
}

beforeEach(() => {
  resetFakeElectron();
  installWebContentsGuard();
});

describe('web-contents-created guard', () => {
  it('is installed once however often it is called', () => {
    installWebContentsGuard();
    installWebContentsGuard();
    expect(app.listenerCount('web-contents-created')).toBe(1);
  });

  it('lets a window navigate within its origins and prevents every other navigation', () => {
    const win = windowWithPolicy(['app://authdesk']);
    const wc = win.webContents;
    for (const kind of ['will-navigate', 'will-redirect', 'will-frame-navigate'] as const) {
      expect(navigate(wc, kind, 'app://authdesk/console/index.html#/users')).toBe(false);
      expect(navigate(wc, kind, 'https://evil.example/')).toBe(true);
      expect(navigate(wc, kind, 'file:///etc/passwd')).toBe(true);
      expect(navigate(wc, kind, 'app://authdesk.evil.example/')).toBe(true);
      // Userinfo trick: the host is evil.example, not authdesk.
      expect(navigate(wc, kind, 'app://authdesk@evil.example/')).toBe(true);
      expect(navigate(wc, kind, 'javascript:alert(1)')).toBe(true);
      expect(navigate(wc, kind, 'not a url')).toBe(true);
    }
    // A subframe is held to the same origins.
    expect(navigate(wc, 'will-frame-navigate', 'https://evil.example/', false)).toBe(true);
  });

  it('prevents every navigation of a web contents that has no policy', () => {
    const win = new BrowserWindow({});
    expect(navigate(win.webContents, 'will-navigate', 'app://authdesk/console/index.html')).toBe(true);
  });

  it('sends a click on an allowlisted docs link to the OS browser instead of navigating', () => {
    const win = windowWithPolicy(['app://authdesk']);
    expect(navigate(win.webContents, 'will-navigate', 'https://docs.authsignal.com/guide')).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledWith('https://docs.authsignal.com/guide');
    // Redirects and frame navigations are refused without opening anything.
    shell.openExternal.mockClear();
    expect(navigate(win.webContents, 'will-redirect', 'https://docs.authsignal.com/guide')).toBe(true);
    expect(shell.openExternal).not.toHaveBeenCalled();
  });

  it('denies window.open and opens only allowlisted https URLs externally', () => {
    const win = windowWithPolicy(['app://authdesk']);
    const open = win.webContents.windowOpenHandler!;
    expect(open({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(open({ url: 'app://authdesk/console/index.html' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).not.toHaveBeenCalled();
    expect(open({ url: 'https://portal.authsignal.com/tenants' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    expect(shell.openExternal).toHaveBeenCalledWith('https://portal.authsignal.com/tenants');
  });

  it('prevents <webview> attachment', () => {
    const win = windowWithPolicy(['app://authdesk']);
    const event = fakeEvent();
    win.webContents.emit('will-attach-webview', event, { nodeIntegration: true }, { src: 'https://evil.example' });
    expect(event.defaultPrevented).toBe(true);
  });

  it('denies every permission request and check, and cancels downloads, on each session', async () => {
    const wins = [windowWithPolicy(['app://authdesk']), windowWithPolicy(['https://x.example'], 'sandbox-1')];
    for (const win of wins) {
      const ses = win.webContents.session;
      const top = { requestingUrl: 'app://authdesk/console/index.html', isMainFrame: true };
      for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal', 'hid', 'fileSystem', 'unknown']) {
        const granted = await new Promise<boolean>((resolve) =>
          (ses.permissionRequestHandler as unknown as (...a: unknown[]) => void)(win.webContents, permission, resolve, top),
        );
        expect(granted).toBe(false);
        expect((ses.permissionCheckHandler as unknown as (...a: unknown[]) => boolean)(win.webContents, permission, 'app://authdesk', top)).toBe(false);
      }
      expect((ses.devicePermissionHandler as unknown as (...a: unknown[]) => boolean)({ deviceType: 'usb' })).toBe(false);
      const download = fakeEvent();
      const item = { getURL: () => 'https://evil.example/payload.exe', getFilename: () => 'payload.exe', setSaveDialogOptions: vi.fn() };
      ses.emit('will-download', download, item, win.webContents);
      expect(download.defaultPrevented).toBe(true);
      expect(item.setSaveDialogOptions).not.toHaveBeenCalled();
      // Hardened once per session, however many windows share it.
      expect(ses.listenerCount('will-download')).toBe(1);
    }
    expect(wins[0].webContents.session).not.toBe(wins[1].webContents.session);
  });
});

describe('downloads', () => {
  const item = (url: string) => ({ getURL: () => url, getFilename: () => 'coverage.csv', setSaveDialogOptions: vi.fn() });
  const contents = (url: string) => ({ getURL: () => url });

  it('lets the console save an export it built as a blob of our origin, through a save dialog', () => {
    const win = windowWithPolicy(['app://authdesk']);
    const event = fakeEvent();
    const export_ = item('blob:app://authdesk/4f1c2b7e-1111-4222-8333-944455556666');
    win.webContents.session.emit('will-download', event, export_, contents('app://authdesk/console/index.html#/admin/coverage'));
    expect(event.defaultPrevented).toBe(false);
    expect(export_.setSaveDialogOptions).toHaveBeenCalledWith({ title: 'Save export', defaultPath: 'coverage.csv' });
  });

  it.each([
    ['a remote file from the console', 'https://evil.example/x.csv', 'app://authdesk/console/index.html'],
    ['a blob of another origin', 'blob:http://localhost:4010/abc', 'app://authdesk/console/index.html'],
    ['our blob from an enrollment page', 'blob:app://authdesk/abc', 'http://localhost:4010/prebuilt/start'],
    ['a data: URL', 'data:text/csv,a', 'app://authdesk/console/index.html'],
  ])('cancels %s', (_name, url, page) => {
    expect(isConsoleExport(url, page)).toBe(false);
    const win = windowWithPolicy(['app://authdesk']);
    const event = fakeEvent();
    win.webContents.session.emit('will-download', event, item(url), contents(page));
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('the one granted permission', () => {
  const request = (win: FakeBrowserWindow, permission: string, details: object) =>
    new Promise<boolean>((resolve) =>
      (win.webContents.session.permissionRequestHandler as unknown as (...a: unknown[]) => void)(win.webContents, permission, resolve, details),
    );
  const check = (win: FakeBrowserWindow, permission: string, origin: string, details: object) =>
    (win.webContents.session.permissionCheckHandler as unknown as (...a: unknown[]) => boolean)(win.webContents, permission, origin, details);

  it("is clipboard writing, for our own page's top frame only", async () => {
    const win = windowWithPolicy(['app://authdesk']);
    const ours = { requestingUrl: 'app://authdesk/console/index.html', isMainFrame: true };
    expect(await request(win, 'clipboard-sanitized-write', ours)).toBe(true);
    expect(check(win, 'clipboard-sanitized-write', 'app://authdesk', ours)).toBe(true);
    expect(check(win, 'clipboard-sanitized-write', 'app://authdesk', { isMainFrame: true })).toBe(true);
    // Reading the clipboard, a subframe, or any other origin: denied.
    expect(await request(win, 'clipboard-read', ours)).toBe(false);
    expect(await request(win, 'clipboard-sanitized-write', { ...ours, isMainFrame: false })).toBe(false);
    expect(await request(win, 'clipboard-sanitized-write', { requestingUrl: 'https://acme.authsignal.com/', isMainFrame: true })).toBe(false);
    expect(check(win, 'clipboard-sanitized-write', 'https://evil.example', { isMainFrame: true })).toBe(false);
    expect(await request(win, 'clipboard-sanitized-write', { requestingUrl: 'app://authdesk.evil/x', isMainFrame: true })).toBe(false);
  });
});

describe('openExternalSafe', () => {
  it.each([
    ['https://docs.authsignal.com/', true],
    ['https://portal.authsignal.com/x?y=1', true],
    ['http://docs.authsignal.com/', false],
    ['https://docs.authsignal.com.evil.example/', false],
    ['https://evil.example/?docs.authsignal.com', false],
    ['https://user:pw@docs.authsignal.com/', false],
    ['https://docs.authsignal.com:8443/', false],
    ['file:///etc/passwd', false],
    ['smb://docs.authsignal.com/share', false],
    ['javascript:alert(1)', false],
    ['', false],
  ])('%s -> %s', async (url, allowed) => {
    expect(isExternalUrlAllowed(url)).toBe(allowed);
    expect(await openExternalSafe(url)).toBe(allowed);
    expect(shell.openExternal).toHaveBeenCalledTimes(allowed ? 1 : 0);
  });
});
