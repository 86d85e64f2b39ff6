import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BrowserWindow, FakeFrame, invoke, ipcMain, resetFakeElectron, type FakeBrowserWindow } from './fake-electron';
import {
  registerEnrollWindowChannels,
  registerIpcTransport,
  type EnrollWindowBinding,
} from '../../../../src/main/electron/ipc-transport';
import { createRouter, type Handlers } from '../../../../src/main/ipc/router';
import { CHANNEL_NAMES } from '@shared/ipc';
import type { BrowserWindow as ElectronWindow, WebContents } from 'electron';

vi.mock('electron', () => import('./fake-electron'));

const CONSOLE_URL = 'app://authdesk/console/index.html';

/** A handler table whose every handler records that it was reached. */
function spyRouter() {
  const reached = vi.fn();
  const handlers = Object.fromEntries(
    CHANNEL_NAMES.map((name) => [
      name,
      (input: unknown) => {
        reached(name, input);
        return { version: '1', platform: 'test', localTenant: true };
      },
    ]),
  ) as unknown as Handlers;
  const router = createRouter(handlers);
  const handle = vi.spyOn(router, 'handle');
  return { router, reached, handle };
}

let consoleWin: FakeBrowserWindow;
let spy: ReturnType<typeof spyRouter>;
let refused: string[];

beforeEach(async () => {
  resetFakeElectron();
  consoleWin = new BrowserWindow({});
  await consoleWin.loadURL(CONSOLE_URL);
  spy = spyRouter();
  refused = [];
  registerIpcTransport(
    spy.router,
    { window: () => consoleWin as unknown as ElectronWindow, origins: new Set(['app://authdesk']) },
    (c) => refused.push(c),
  );
});

describe('ipcMain transport', () => {
  it('registers exactly one handler per channel of the schema table', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it("serves the console's top frame on app://authdesk through the router", async () => {
    const wc = consoleWin.webContents;
    const result = await invoke('app:info', wc, wc.mainFrame, {});
    expect(result).toEqual({ ok: true, value: { version: '1', platform: 'test', localTenant: true } });
    expect(spy.handle).toHaveBeenCalledWith('app:info', {}, { transport: 'electron' });
  });

  it('still parses input: a bad input from the console never reaches a handler', async () => {
    const wc = consoleWin.webContents;
    const result = (await invoke('tenants:rename', wc, wc.mainFrame, { id: 'p1', name: 42, extra: 'x' })) as { ok: boolean };
    expect(result.ok).toBe(false);
    expect(spy.reached).not.toHaveBeenCalled();
  });

  const forbidden = { ok: false, error: { code: 'forbidden', message: expect.stringContaining('console') as string } };

  it('refuses a subframe of the console, even a same-origin one, before the router', async () => {
    const wc = consoleWin.webContents;
    const sameOriginChild = new FakeFrame(CONSOLE_URL, wc.processId, wc.mainFrame);
    const foreignChild = new FakeFrame('https://evil.example/', wc.processId + 1000, wc.mainFrame);
    for (const frame of [sameOriginChild, foreignChild]) {
      expect(await invoke('tenants:list', wc, frame, {})).toEqual(forbidden);
    }
    expect(spy.handle).not.toHaveBeenCalled();
    expect(refused).toEqual(['tenants:list', 'tenants:list']);
  });

  it('refuses the console window once it shows another origin', async () => {
    const wc = consoleWin.webContents;
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'app://authdesk.evil/', 'app://evil/console/index.html']) {
      wc.mainFrame.url = url;
      expect(await invoke('app:info', wc, wc.mainFrame, {})).toEqual(forbidden);
    }
    expect(spy.handle).not.toHaveBeenCalled();
  });

  it('refuses a frame that looks like the top frame but is not (wrong routing id) and a vanished frame', async () => {
    const wc = consoleWin.webContents;
    const impostor = new FakeFrame(CONSOLE_URL, wc.processId, null);
    expect(await invoke('app:info', wc, impostor, {})).toEqual(forbidden);
    expect(await invoke('app:info', wc, null, {})).toEqual(forbidden);
    expect(spy.handle).not.toHaveBeenCalled();
  });

  it('refuses every other window, including one showing app://authdesk, and a closed console', async () => {
    const other = new BrowserWindow({ webPreferences: { partition: 'authdesk-sandbox-x' } });
    await other.loadURL('app://authdesk/enroll/index.html');
    for (const name of CHANNEL_NAMES) {
      expect(await invoke(name, other.webContents, other.webContents.mainFrame, {})).toEqual(forbidden);
    }
    consoleWin.close();
    expect(await invoke('app:info', consoleWin.webContents, consoleWin.webContents.mainFrame, {})).toEqual(forbidden);
    expect(spy.handle).not.toHaveBeenCalled();
  });
});

describe('events', () => {
  it('are shaped by their schema and sent to the console window only', () => {
    const other = new BrowserWindow({});
    const transport = (() => {
      ipcMain.handlers.clear();
      return registerIpcTransport(spy.router, {
        window: () => consoleWin as unknown as ElectronWindow,
        origins: new Set(['app://authdesk']),
      });
    })();
    const payload = { tenants: [], activeId: null, secret: 'sk_should_be_stripped' };
    transport.sendEvent('tenants:list-changed', payload);
    expect(consoleWin.webContents.send).toHaveBeenCalledWith('tenants:list-changed', { tenants: [], activeId: null });
    expect(other.webContents.send).not.toHaveBeenCalled();
  });

  it('drops a payload that does not match its schema', () => {
    ipcMain.handlers.clear();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const transport = registerIpcTransport(spy.router, {
      window: () => consoleWin as unknown as ElectronWindow,
      origins: new Set(['app://authdesk']),
    });
    transport.sendEvent('tenants:list-changed', { tenants: 'nope' });
    expect(consoleWin.webContents.send).not.toHaveBeenCalled();
    expect(errors).toHaveBeenCalledTimes(1);
    errors.mockRestore();
  });
});

describe('enrollment window channels', () => {
  it("answer only the bound window's top frame; the console and subframes are refused", async () => {
    const enrollWin = new BrowserWindow({ webPreferences: { partition: 'authdesk-sandbox-e' } });
    await enrollWin.loadURL('app://authdesk/enroll/index.html');
    const session = vi.fn(() => ({ userId: 'u1', token: 'short-lived' }));
    const complete = vi.fn();
    const cancel = vi.fn();
    const binding: EnrollWindowBinding = {
      contents: enrollWin.webContents as unknown as WebContents,
      origins: new Set(['app://authdesk']),
      session,
      complete,
      cancel,
    };
    registerEnrollWindowChannels((contents) => (contents === binding.contents ? binding : null));
    const wc = enrollWin.webContents;

    expect(await invoke('enroll-window:session', wc, wc.mainFrame)).toEqual({ ok: true, value: { userId: 'u1', token: 'short-lived' } });
    expect(await invoke('enroll-window:complete', wc, wc.mainFrame, { authenticatorId: 'a1' })).toEqual({ ok: true, value: null });
    expect(complete).toHaveBeenCalledWith({ authenticatorId: 'a1' });
    await invoke('enroll-window:cancel', wc, wc.mainFrame, 'x'.repeat(1000));
    expect(cancel).toHaveBeenCalledWith('x'.repeat(200));

    session.mockClear();
    const cw = consoleWin.webContents;
    expect(await invoke('enroll-window:session', cw, cw.mainFrame)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const child = new FakeFrame('app://authdesk/enroll/index.html', wc.processId, wc.mainFrame);
    expect(await invoke('enroll-window:session', wc, child)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(session).not.toHaveBeenCalled();
  });
});
