import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  allWindows,
  invoke,
  navigate,
  resetFakeElectron,
  session,
  shell,
  type FakeBrowserWindow,
} from './fake-electron';
import { consoleSource, createConsoleWindow } from '../../../../src/main/electron/console-window';
import { installWebContentsGuard } from '../../../../src/main/electron/guards';
import { registerEnrollWindowChannels } from '../../../../src/main/electron/ipc-transport';
import { buildMenuTemplate } from '../../../../src/main/electron/menu';
import {
  configureSandboxedWindows,
  enrollBindingFor,
  openSandboxedWindow,
  type SandboxedWindowOptions,
} from '../../../../src/main/electron/sandboxed-window';
import { secureWebPreferences } from '../../../../src/main/electron/web-preferences';

vi.mock('electron', () => import('./fake-electron'));

/** The hardening every window must have, whatever else it sets. */
const HARDENED = {
  sandbox: true,
  contextIsolation: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  spellcheck: false,
  navigateOnDragDrop: false,
  disableBlinkFeatures: 'Auxclick',
  safeDialogs: true,
};

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'authdesk-windows-'));
  mkdirSync(join(base, 'renderer', 'enroll'), { recursive: true });
  writeFileSync(join(base, 'renderer', 'enroll', 'index.html'), '<!doctype html><title>enroll</title>');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

beforeEach(() => {
  resetFakeElectron();
  installWebContentsGuard();
  configureSandboxedWindows({ rendererRoot: join(base, 'renderer'), preloadDir: '/app/out/preload', devTools: false });
});

const PREBUILT = 'https://acme.authsignal.com';
const API = 'https://api.authsignal.com';
const prebuiltOptions = (extra: Partial<SandboxedWindowOptions> = {}): SandboxedWindowOptions => ({
  url: `${PREBUILT}/?token=t0k3n`,
  allowedOrigins: [PREBUILT, API],
  interceptRedirectPrefix: 'https://authdesk.invalid/enrolled',
  onRedirect: vi.fn(),
  ...extra,
});

describe('webPreferences', () => {
  it('console window: hardened, console preload, DevTools off in production', () => {
    const win = createConsoleWindow({
      preloadDir: '/app/out/preload',
      source: consoleSource(true, 'http://localhost:5173'),
      devTools: false,
    }) as unknown as FakeBrowserWindow;
    expect(win.options.webPreferences).toStrictEqual({ ...HARDENED, devTools: false, preload: '/app/out/preload/console.cjs' });
    expect(win.webContents.loadURL).toHaveBeenCalledWith('app://authdesk/console/index.html');
  });

  it('pre-built UI window: hardened, no preload, a unique in-memory partition', () => {
    const a = openSandboxedWindow(prebuiltOptions());
    const b = openSandboxedWindow(prebuiltOptions());
    const prefs = (a.window as unknown as FakeBrowserWindow).options.webPreferences;
    expect(prefs).toStrictEqual({ ...HARDENED, devTools: false, partition: a.partition });
    expect(prefs).not.toHaveProperty('preload');
    expect(a.partition).toMatch(/^authdesk-sandbox-[0-9a-f-]{36}$/);
    expect(a.partition).not.toBe(b.partition);
    for (const handle of [a, b]) {
      const ses = (handle.window as unknown as FakeBrowserWindow).webContents.session;
      expect(ses.persistent).toBe(false);
      expect(ses.options).toEqual({ cache: false });
      expect(ses).not.toBe(session.defaultSession);
    }
  });

  it('guided enrollment window: hardened, only the enroll preload, its own app:// handler', async () => {
    const handle = openSandboxedWindow({
      url: 'app://authdesk/enroll/index.html',
      allowedOrigins: ['app://authdesk', API],
      preload: 'enroll',
      enroll: { session: () => ({}), complete: vi.fn(), cancel: vi.fn() },
    });
    const win = handle.window as unknown as FakeBrowserWindow;
    expect(win.options.webPreferences).toStrictEqual({
      ...HARDENED,
      devTools: false,
      partition: handle.partition,
      preload: '/app/out/preload/enroll.cjs',
    });
    // Its partition serves the enroll page (not the console) with a CSP that allows only the API origin.
    const handler = (win.webContents.session).protocol.handlers.get('app')!;
    const page = await handler(new Request('app://authdesk/enroll/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${API};`);
    expect((await handler(new Request('app://authdesk/console/index.html'))).status).toBe(404);
    expect(session.defaultSession.protocol.handlers.size).toBe(0);
  });

  it('DevTools follow the build: on in development only', () => {
    expect(secureWebPreferences({ devTools: true })).toStrictEqual({ ...HARDENED, devTools: true });
    expect(() => secureWebPreferences({ devTools: false, partition: 'persist:x' })).toThrow(/in-memory/);
  });
});

describe('console window', () => {
  it('loads the dev server only when unpackaged and on loopback', () => {
    expect(consoleSource(false, 'http://localhost:5173').url).toBe('http://localhost:5173/console/index.html');
    expect(consoleSource(false, 'https://evil.example').url).toBe('app://authdesk/console/index.html');
    expect(consoleSource(false, 'http://192.168.1.5:5173').url).toBe('app://authdesk/console/index.html');
    expect(consoleSource(true, 'http://localhost:5173').origins).toEqual(new Set(['app://authdesk']));
    expect(consoleSource(false, undefined).url).toBe('app://authdesk/console/index.html');
  });

  it('cannot navigate away from app://authdesk', () => {
    const win = createConsoleWindow({ preloadDir: '/p', source: consoleSource(true, undefined), devTools: false }) as unknown as FakeBrowserWindow;
    expect(navigate(win.webContents, 'will-navigate', 'app://authdesk/console/index.html')).toBe(false);
    expect(navigate(win.webContents, 'will-navigate', `${PREBUILT}/`)).toBe(true);
    expect(navigate(win.webContents, 'will-navigate', 'http://localhost:5173/console/index.html')).toBe(true);
  });

  it('menu: standard roles, no DevTools or reload in production', () => {
    const roles = (template: unknown): string[] => JSON.stringify(template).match(/"role":"[a-zA-Z]+"/g) ?? [];
    const prod = roles(buildMenuTemplate({ isMac: false, devTools: false }));
    expect(prod).not.toContain('"role":"toggleDevTools"');
    expect(prod).not.toContain('"role":"reload"');
    expect(prod).not.toContain('"role":"viewMenu"');
    expect(prod).toEqual(expect.arrayContaining(['"role":"editMenu"', '"role":"fileMenu"', '"role":"windowMenu"']));
    expect(roles(buildMenuTemplate({ isMac: false, devTools: true }))).toContain('"role":"toggleDevTools"');
    expect(roles(buildMenuTemplate({ isMac: true, devTools: false }))).toContain('"role":"appMenu"');
  });
});

describe('sandboxed windows', () => {
  it('navigate only within their allowed origins and open no windows', () => {
    const handle = openSandboxedWindow(prebuiltOptions());
    const wc = (handle.window as unknown as FakeBrowserWindow).webContents;
    expect(wc.loadURL).toHaveBeenCalledWith(`${PREBUILT}/?token=t0k3n`);
    expect(navigate(wc, 'will-navigate', `${PREBUILT}/enroll/passkey`)).toBe(false);
    expect(navigate(wc, 'will-redirect', `${API}/v1/client/x`)).toBe(false);
    expect(navigate(wc, 'will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(navigate(wc, 'will-redirect', 'https://evil.example/phish')).toBe(true);
    expect(navigate(wc, 'will-frame-navigate', 'https://evil.example/frame', false)).toBe(true);
    expect(navigate(wc, 'will-navigate', 'app://authdesk/console/index.html')).toBe(true);
    expect(wc.windowOpenHandler!({ url: `${PREBUILT}/popup` })).toEqual({ action: 'deny' });
    expect(shell.openExternal).not.toHaveBeenCalled();
    expect(allWindows()).toHaveLength(1);
  });

  it('refuse URLs and origins that are not https, loopback or app://authdesk', () => {
    expect(() => openSandboxedWindow(prebuiltOptions({ url: 'http://acme.example/', allowedOrigins: ['http://acme.example'] }))).toThrow(/https/);
    expect(() => openSandboxedWindow(prebuiltOptions({ url: 'file:///etc/passwd', allowedOrigins: [PREBUILT] }))).toThrow();
    expect(() => openSandboxedWindow(prebuiltOptions({ url: 'https://other.example/', allowedOrigins: [PREBUILT] }))).toThrow(/allowed origin/);
    expect(() => openSandboxedWindow(prebuiltOptions({ preload: 'enroll' }))).toThrow(/enroll handlers/);
    // The local tenant's pre-built UI stand-in runs on loopback http.
    expect(() => openSandboxedWindow(prebuiltOptions({ url: 'http://127.0.0.1:4010/prebuilt', allowedOrigins: ['http://127.0.0.1:4010'] }))).not.toThrow();
    expect(allWindows()).toHaveLength(1);
  });

  it('intercept the redirect: cancelled, token handed over once, window closed', async () => {
    const onRedirect = vi.fn();
    const handle = openSandboxedWindow(prebuiltOptions({ onRedirect }));
    const win = handle.window as unknown as FakeBrowserWindow;
    const log = vi.spyOn(console, 'log');
    const error = vi.spyOn(console, 'error');
    // Look-alikes are not the redirect (and are off-origin, so simply refused).
    expect(navigate(win.webContents, 'will-navigate', 'https://authdesk.invalid.evil.example/enrolled?token=fake')).toBe(true);
    expect(navigate(win.webContents, 'will-navigate', 'https://authdesk.invalid/enrolledX?token=fake')).toBe(true);
    // A subframe navigating to the redirect URL is not the flow's redirect.
    expect(navigate(win.webContents, 'will-frame-navigate', 'https://authdesk.invalid/enrolled?token=fake', false)).toBe(true);
    expect(onRedirect).not.toHaveBeenCalled();

    expect(navigate(win.webContents, 'will-redirect', 'https://authdesk.invalid/enrolled?token=real.jwt')).toBe(true);
    expect(navigate(win.webContents, 'will-frame-navigate', 'https://authdesk.invalid/enrolled?token=real.jwt')).toBe(true);
    expect(onRedirect).toHaveBeenCalledTimes(1);
    expect(onRedirect).toHaveBeenCalledWith({ token: 'real.jwt' });
    await new Promise((r) => setImmediate(r));
    expect(win.isDestroyed()).toBe(true);
    const logged = [...log.mock.calls, ...error.mock.calls].flat().join(' ');
    expect(logged).not.toContain('real.jwt');
    log.mockRestore();
    error.mockRestore();
  });

  it('clear their partition on close, then report closed', async () => {
    const onClosed = vi.fn();
    const handle = openSandboxedWindow(prebuiltOptions({ onClosed }));
    const ses = (handle.window as unknown as FakeBrowserWindow).webContents.session;
    expect(ses.clearStorageData).not.toHaveBeenCalled();
    handle.close();
    await vi.waitFor(() => expect(onClosed).toHaveBeenCalledTimes(1));
    expect(ses.clearStorageData).toHaveBeenCalledTimes(1);
    expect(ses.clearCache).toHaveBeenCalledTimes(1);
    expect(ses.clearCache.mock.invocationCallOrder[0]).toBeLessThan(onClosed.mock.invocationCallOrder[0]);
  });

  it('deny permissions and downloads in their partition', async () => {
    const handle = openSandboxedWindow(prebuiltOptions());
    const ses = (handle.window as unknown as FakeBrowserWindow).webContents.session;
    const granted = await new Promise<boolean>((resolve) =>
      (ses.permissionRequestHandler as unknown as (...a: unknown[]) => void)(null, 'media', resolve, {}),
    );
    expect(granted).toBe(false);
    expect((ses.permissionCheckHandler as unknown as (...a: unknown[]) => boolean)(null, 'hid', PREBUILT, {})).toBe(false);
    expect(ses.listenerCount('will-download')).toBe(1);
  });

  it("enroll bridge answers its own window only and is gone once it closes", async () => {
    registerEnrollWindowChannels(enrollBindingFor);
    const sessionData = { userId: 'u1', token: 'tok' };
    const handle = openSandboxedWindow({
      url: 'app://authdesk/enroll/index.html',
      allowedOrigins: ['app://authdesk', API],
      preload: 'enroll',
      enroll: { session: () => sessionData, complete: vi.fn(), cancel: vi.fn() },
    });
    const other = openSandboxedWindow(prebuiltOptions());
    const wc = (handle.window as unknown as FakeBrowserWindow).webContents;
    const owc = (other.window as unknown as FakeBrowserWindow).webContents;
    expect(await invoke('enroll-window:session', wc, wc.mainFrame)).toEqual({ ok: true, value: sessionData });
    expect(await invoke('enroll-window:session', owc, owc.mainFrame)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    handle.close();
    expect(await invoke('enroll-window:session', wc, wc.mainFrame)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
