import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { allWindows, FakeFrame, invoke, navigate, resetFakeElectron, session, shell, type FakeBrowserWindow } from './fake-electron';
import { createConsoleWindow } from '../../../../src/main/electron/console-window';
import { createElectronEnrollmentHost, HOSTED_WEBAUTHN_REASON } from '../../../../src/main/electron/enrollment-windows';
import { installWebContentsGuard } from '../../../../src/main/electron/guards';
import { registerEnrollWindowChannels, registerIpcTransport } from '../../../../src/main/electron/ipc-transport';
import { configureSandboxedWindows, enrollBindingFor } from '../../../../src/main/electron/sandboxed-window';
import type { Router } from '../../../../src/main/ipc/router';
import type { EnrollmentWindowRequest, GuidedBridge } from '../../../../src/main/services/enrollment/enrollment-host';
import type { TenantInfo } from '../../../../src/main/services/tenants/tenants.service';
import { CHANNEL_NAMES } from '@shared/ipc';

vi.mock('electron', () => import('./fake-electron'));

// The enrollment windows of issue #5 as the Electron host opens them (createElectronEnrollmentHost
// over H2's openSandboxedWindow), over the fake `electron`: their options, that they cannot
// navigate away, open windows, get permissions or reach the console's API, and that the guided
// window's bridge answers that window only. windows.test.ts covers openSandboxedWindow itself.

const LOCAL: TenantInfo = { id: 'local', name: 'Local', kind: 'local', apiUrl: 'http://127.0.0.1:4010/v1', tenantId: 'local-tenant' };
const HOSTED: TenantInfo = { id: 'prod', name: 'Prod', kind: 'remote', region: 'us', apiUrl: 'https://api.authsignal.com/v1', tenantId: 't1' };
const GUIDED_PAGE = { url: 'http://localhost:4020/enroll/index.html', origin: 'http://localhost:4020' };
const UI = 'http://localhost:4010';
const API = 'http://127.0.0.1:4010';
const REDIRECT = 'https://authdesk.invalid/enrollment/done/enr_abcdefgh';

/** What every enrollment window must have, whatever else it sets. */
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
  navigateOnDragDrop: false,
};

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'authdesk-enrollment-windows-'));
  mkdirSync(join(base, 'renderer', 'enroll'), { recursive: true });
  writeFileSync(join(base, 'renderer', 'enroll', 'index.html'), '<!doctype html><title>enroll</title>');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

let consoleWin: FakeBrowserWindow;
beforeEach(() => {
  resetFakeElectron();
  installWebContentsGuard();
  configureSandboxedWindows({ rendererRoot: join(base, 'renderer'), preloadDir: '/app/out/preload', devTools: false });
  consoleWin = createConsoleWindow({
    preloadDir: '/app/out/preload',
    source: { url: 'app://authdesk/console/index.html', origins: new Set(['app://authdesk']) },
    devTools: false,
  }) as unknown as FakeBrowserWindow;
});

const host = () => createElectronEnrollmentHost({ localGuidedPage: GUIDED_PAGE, parent: () => consoleWin as never });

function prebuilt(extra: Partial<EnrollmentWindowRequest> = {}): EnrollmentWindowRequest {
  return {
    kind: 'prebuilt',
    url: `${UI}/prebuilt/start?token=user.jwt.token`,
    allowedOrigins: [UI, API],
    redirectUrl: REDIRECT,
    onRedirect: vi.fn(),
    onClosed: vi.fn(),
    title: 'Enroll an authenticator (pre-built UI)',
    ...extra,
  };
}

function guided(bridge: GuidedBridge, extra: Partial<EnrollmentWindowRequest> = {}): EnrollmentWindowRequest {
  return {
    kind: 'guided',
    url: GUIDED_PAGE.url,
    allowedOrigins: [GUIDED_PAGE.origin, API],
    bridge,
    onClosed: vi.fn(),
    title: 'Enroll an authenticator (guided)',
    ...extra,
  };
}

/** The window opened last. */
const lastWindow = () => allWindows().at(-1)!;

describe('where the guided page runs', () => {
  it('is the loopback page for the local tenant, where WebAuthn works; the app:// page for a hosted one, where it cannot', () => {
    expect(host().guidedPage(LOCAL)).toEqual({ ...GUIDED_PAGE, webauthn: { available: true } });
    expect(host().guidedPage(HOSTED)).toEqual({
      url: 'app://authdesk/enroll/index.html',
      origin: 'app://authdesk',
      webauthn: { available: false, reason: HOSTED_WEBAUTHN_REASON },
    });
    const noServer = createElectronEnrollmentHost({ localGuidedPage: null, parent: () => null });
    expect(noServer.guidedPage(LOCAL)).toMatchObject({ origin: 'app://authdesk', webauthn: { available: false } });
  });
});

describe('the pre-built UI window', () => {
  it('is hardened, has no preload, its own in-memory partition and the console as parent', () => {
    host().open(prebuilt());
    host().open(prebuilt());
    const [a, b] = allWindows().slice(1);
    for (const win of [a, b]) {
      const prefs = win.options.webPreferences as Record<string, unknown>;
      expect(prefs).toMatchObject({ ...HARDENED, devTools: false });
      expect(prefs.preload).toBeUndefined();
      expect(prefs.partition).toMatch(/^authdesk-sandbox-[0-9a-f-]{36}$/);
      expect(win.webContents.session.persistent).toBe(false);
      expect(win.webContents.session.options.cache).toBe(false);
      expect(win.options.parent).toBe(consoleWin);
    }
    expect(a.options.webPreferences!.partition).not.toBe(b.options.webPreferences!.partition);
    expect(a.webContents.loadURL).toHaveBeenCalledWith(`${UI}/prebuilt/start?token=user.jwt.token`);
  });

  it('logs every navigation it blocks with the origin only, never the URL (a real pre-built UI may need more origins)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      host().open(prebuilt());
      const wc = lastWindow().webContents;
      expect(navigate(wc, 'will-frame-navigate', 'https://cdn.example.net/widget?token=user.jwt.token', false)).toBe(true);
      expect(navigate(wc, 'will-redirect', 'https://sso.example.org/login?token=user.jwt.token')).toBe(true);
      expect(navigate(wc, 'will-navigate', `${UI}/prebuilt/start`)).toBe(false);
      const lines = warn.mock.calls.map((c) => c.map(String).join(' '));
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/blocked a frame navigation to https:\/\/cdn\.example\.net: it is not among the window's allowed origins/);
      expect(lines[1]).toMatch(/blocked a redirect navigation to https:\/\/sso\.example\.org/);
      // SECURITY: neither the path nor the token reaches the log.
      for (const line of lines) {
        expect(line).not.toContain('user.jwt.token');
        expect(line).not.toContain('/widget');
      }
    } finally {
      warn.mockRestore();
    }
  });

  it('loads an origin the policy granted (allowedEnrollmentOrigins), still blocks the rest, and says in the log how to allow one', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      host().open(prebuilt({ grantedOrigins: ['https://cdn.example.net', 'http://plain.example.com', 'file:///etc'] }));
      const wc = lastWindow().webContents;
      expect(navigate(wc, 'will-frame-navigate', 'https://cdn.example.net/widget', false)).toBe(false);
      expect(navigate(wc, 'will-frame-navigate', 'http://plain.example.com/x', false)).toBe(true);
      expect(navigate(wc, 'will-navigate', 'file:///etc/passwd')).toBe(true);
      expect(navigate(wc, 'will-frame-navigate', 'https://sso.example.org/login', false)).toBe(true);
      const lines = warn.mock.calls.map((c) => c.map(String).join(' '));
      expect(lines).toHaveLength(3);
      expect(lines[2]).toMatch(/add it to allowedEnrollmentOrigins in the managed or team policy/);
    } finally {
      warn.mockRestore();
    }
  });

  it('cannot navigate off the pre-built UI and API origins, open windows, or get a permission', async () => {
    host().open(prebuilt());
    const wc = lastWindow().webContents;
    expect(navigate(wc, 'will-navigate', `${UI}/prebuilt/start`)).toBe(false);
    expect(navigate(wc, 'will-redirect', `${API}/v1/client/user-authenticators`)).toBe(false);
    for (const url of ['https://evil.example/', 'app://authdesk/console/index.html', 'http://localhost:9999/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(navigate(wc, 'will-navigate', url), url).toBe(true);
      expect(navigate(wc, 'will-frame-navigate', url, false), url).toBe(true);
    }
    expect(navigate(wc, 'will-navigate', 'mailto:someone@example.com')).toBe(true);
    expect(wc.windowOpenHandler!({ url: `${UI}/prebuilt/popup` })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler!({ url: 'https://docs.authsignal.com/' })).toEqual({ action: 'deny' });
    await new Promise((r) => setImmediate(r));
    // A page of the tenant cannot make the OS open anything but the docs allowlist (and here not even mailto:).
    expect(shell.openExternal.mock.calls.flat().filter((u) => !String(u).startsWith('https://docs.authsignal.com'))).toEqual([]);
    expect(allWindows()).toHaveLength(2);
    const ses = wc.session;
    for (const permission of ['media', 'notifications', 'clipboard-sanitized-write', 'clipboard-read', 'hid', 'geolocation']) {
      const granted = await new Promise<boolean>((resolve) =>
        (ses.permissionRequestHandler as unknown as (...a: unknown[]) => void)(wc, permission, resolve, { requestingUrl: `${UI}/prebuilt/start`, isMainFrame: true }),
      );
      expect(granted, permission).toBe(false);
    }
    expect(ses.listenerCount('will-download')).toBe(1);
  });

  it('hands the redirect token to main once, never navigates to it, and closes with its partition cleared', async () => {
    const request = prebuilt();
    host().open(request);
    const win = lastWindow();
    const error = vi.spyOn(console, 'error');
    expect(navigate(win.webContents, 'will-navigate', `${REDIRECT}?token=returned.jwt`)).toBe(true);
    expect(navigate(win.webContents, 'will-redirect', `${REDIRECT}?token=second.jwt`)).toBe(true);
    expect(request.onRedirect).toHaveBeenCalledTimes(1);
    expect(request.onRedirect).toHaveBeenCalledWith('returned.jwt');
    await vi.waitFor(() => expect(request.onClosed).toHaveBeenCalledTimes(1));
    expect(win.isDestroyed()).toBe(true);
    expect(win.webContents.session.clearStorageData).toHaveBeenCalled();
    expect(error.mock.calls.flat().join(' ')).not.toContain('jwt');
    error.mockRestore();
  });

  it('refuses a page that is not https or loopback, as H2 host does', () => {
    expect(() => host().open(prebuilt({ url: 'http://mfa.example.com/?token=x', allowedOrigins: ['http://mfa.example.com'] }))).toThrow(/https/);
    expect(allWindows()).toHaveLength(1);
  });
});

describe('the guided window', () => {
  const bridge = (): GuidedBridge => ({
    session: () => ({ sessionId: 'enr_x', token: 'user.jwt.token' }),
    complete: () => ({ added: [] }),
    cancel: () => null,
  });

  it('gets only the enroll preload, in a hardened in-memory partition', () => {
    host().open(guided(bridge()));
    const prefs = lastWindow().options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ ...HARDENED, preload: '/app/out/preload/enroll.cjs' });
    expect(prefs.partition).toMatch(/^authdesk-sandbox-/);
    expect(lastWindow().webContents.loadURL).toHaveBeenCalledWith(GUIDED_PAGE.url);
    expect(session.fromPartition).toHaveBeenCalledWith(prefs.partition, { cache: false });
  });

  it("cannot reach the console's API; its bridge answers its own top frame only; the console cannot read its session", async () => {
    const handle = vi.fn();
    const router: Router = { channels: CHANNEL_NAMES, handle: (...args) => (handle(...args), Promise.resolve({ ok: true, value: null })) };
    registerIpcTransport(router, { window: () => consoleWin as never, origins: new Set(['app://authdesk']) });
    registerEnrollWindowChannels(enrollBindingFor);
    const sessionCalls = vi.fn(() => ({ sessionId: 'enr_x', token: 'user.jwt.token' }));
    const completeCalls = vi.fn(() => ({ added: [] }));
    host().open(guided({ session: sessionCalls, complete: completeCalls, cancel: () => null }));
    const win = lastWindow();
    const wc = win.webContents;
    const top = wc.mainFrame;

    // Every console channel refuses the enrollment window, before the router sees anything.
    for (const channel of ['users:get', 'verification:start', 'enrollment:start', 'tenants:list', 'audit:list']) {
      expect(await invoke(channel, wc, top, {}), channel).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(handle).not.toHaveBeenCalled();

    // Its bridge works for its top frame on its own origin...
    expect(await invoke('enroll-window:session', wc, top)).toEqual({ ok: true, value: { sessionId: 'enr_x', token: 'user.jwt.token' } });
    // ...not for a frame inside it, not once it navigated elsewhere, and not for the console.
    const child = new FakeFrame(GUIDED_PAGE.url, wc.processId, top);
    expect(await invoke('enroll-window:session', wc, child)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await invoke('enroll-window:session', consoleWin.webContents, consoleWin.webContents.mainFrame)).toMatchObject({ ok: false });
    expect(await invoke('enroll-window:complete', consoleWin.webContents, consoleWin.webContents.mainFrame, { token: 'x' })).toMatchObject({ ok: false });
    top.url = 'https://evil.example/';
    expect(await invoke('enroll-window:session', wc, top)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(sessionCalls).toHaveBeenCalledTimes(1);
    expect(completeCalls).not.toHaveBeenCalled();
  });

  it('cannot navigate off its page and the tenant API, nor open windows', () => {
    host().open(guided(bridge()));
    const wc = lastWindow().webContents;
    expect(navigate(wc, 'will-navigate', `${GUIDED_PAGE.origin}/enroll/index.html#step`)).toBe(false);
    expect(navigate(wc, 'will-navigate', 'app://authdesk/console/index.html')).toBe(true);
    expect(navigate(wc, 'will-navigate', `${UI}/prebuilt/start`)).toBe(true);
    expect(navigate(wc, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(wc.windowOpenHandler!({ url: `${GUIDED_PAGE.origin}/x` })).toEqual({ action: 'deny' });
  });

  it('for a hosted tenant, runs on app://authdesk with its own protocol handler and a CSP naming the tenant API', async () => {
    const page = host().guidedPage(HOSTED);
    host().open(guided(bridge(), { url: page.url, allowedOrigins: [page.origin, 'https://api.authsignal.com'] }));
    const ses = lastWindow().webContents.session;
    const handler = ses.protocol.handlers.get('app')!;
    const res = await handler(new Request('app://authdesk/enroll/index.html'));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("connect-src 'self' https://api.authsignal.com");
    expect(csp).toContain("default-src 'none'");
    expect((await handler(new Request('app://authdesk/console/index.html'))).status).toBe(404);
  });
});

describe('the console', () => {
  it("hands an enrollment link's mailto: to the OS mail client, and nothing else outside the allowlist", async () => {
    const wc = consoleWin.webContents;
    expect(navigate(wc, 'will-navigate', 'mailto:ben%40example.com?subject=Your%20link&body=x')).toBe(true);
    expect(navigate(wc, 'will-navigate', 'smb://evil.example/share')).toBe(true);
    expect(navigate(wc, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(shell.openExternal.mock.calls).toEqual([['mailto:ben%40example.com?subject=Your%20link&body=x']]);
    // An iframe in the console cannot do it either.
    expect(navigate(wc, 'will-frame-navigate', 'mailto:x@example.com', false)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
  });
});
