import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { allWindows, app, ipcMain, protocol, resetFakeElectron } from './fake-electron';
import { launch } from '../../../../src/main/electron/native-host-mode';
import { bridgeDir, bridgeSocketPath } from '../../../../src/main/services/browser-bridge/paths';
import { encodeFrame, FrameReader } from '../../../../src/main/services/browser-bridge/framing';
import { APP_NOT_RUNNING } from '../../../../src/main/services/browser-bridge/native-relay';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';

vi.mock('electron', () => import('./fake-electron'));

const EXE = '/opt/Authdesk/authdesk';
const ORIGIN = `chrome-extension://${AUTHDESK_EXTENSION_ID}/`;
let home: string;
let server: Server | undefined;

beforeEach(() => {
  resetFakeElectron();
  app.isPackaged = true;
  home = mkdtempSync(join(tmpdir(), 'authdesk-nh-'));
});
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  rmSync(home, { recursive: true, force: true });
});

/** Collects the frames written to a stream. */
function framesOf(stream: NodeJS.ReadableStream): unknown[] {
  const frames: unknown[] = [];
  const reader = new FrameReader();
  stream.on('data', (chunk: Buffer) => {
    for (const e of reader.push(chunk)) if (e.kind === 'frame') frames.push(JSON.parse(e.body.toString()));
  });
  return frames;
}

/** A stand-in for the running app: the real socket at the data dir's path, answering each frame. */
async function listenAsApp(): Promise<unknown[]> {
  mkdirSync(bridgeDir(home), { recursive: true, mode: 0o700 });
  const received: unknown[] = [];
  server = createServer((socket: Socket) => {
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const e of reader.push(chunk)) {
        if (e.kind !== 'frame') continue;
        const frame = JSON.parse(e.body.toString()) as { t: string };
        received.push(frame);
        if (frame.t !== 'host') socket.write(encodeFrame({ t: 'echo', of: frame }));
      }
    });
  });
  await new Promise<void>((r) => server!.listen(bridgeSocketPath(home), r));
  return received;
}

function io() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  return { stdin, stdout, out: framesOf(stdout), env: { AUTHDESK_HOME: home }, platform: process.platform };
}

/** Nothing of the desktop app happened: no window, lock, ready, sandbox, protocol or IPC. */
function expectNoDesktopApp(): void {
  expect(allWindows()).toHaveLength(0);
  expect(app.requestSingleInstanceLock).not.toHaveBeenCalled();
  expect(app.whenReady).not.toHaveBeenCalled();
  expect(app.enableSandbox).not.toHaveBeenCalled();
  expect(protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled();
  expect(ipcMain.handlers.size).toBe(0);
}

describe('the packaged app as its own native host', () => {
  it('started by the browser for the Authdesk extension, relays to the running app and exits, with no window and no lock', async () => {
    const received = await listenAsApp();
    const host = io();
    const running = launch([EXE, ORIGIN, '--parent-window=0'], { host });
    host.stdin.write(encodeFrame({ t: 'hello', n: 1 }));
    await vi.waitFor(() => expect(host.out).toEqual([{ t: 'echo', of: { t: 'hello', n: 1 } }]));
    expect(received).toEqual([{ t: 'host', v: 1, origin: ORIGIN }, { t: 'hello', n: 1 }]);
    expectNoDesktopApp();
    expect(app.exit).not.toHaveBeenCalled();

    host.stdin.end();
    expect(await running).toBe('native-host');
    expect(app.exit).toHaveBeenCalledWith(0);
    expect(app.disableHardwareAcceleration).toHaveBeenCalledTimes(1);
    // Chromium's files for this process stay apart from the running app's (dataDir/chromium).
    expect(app.setPath).toHaveBeenCalledWith('sessionData', join(home, 'chromium-native-host'));
    expectNoDesktopApp();
  });

  it('answers "open Authdesk" when the app is not running, still without starting it', async () => {
    const host = io();
    const running = launch([EXE, ORIGIN], { host });
    host.stdin.write(encodeFrame({ t: 'hello' }));
    await vi.waitFor(() => expect(host.out).toEqual([APP_NOT_RUNNING]));
    host.stdin.end();
    expect(await running).toBe('native-host');
    expectNoDesktopApp();
  });

  it.each([
    ['no arguments', [EXE]],
    ['another extension', [EXE, `chrome-extension://${'a'.repeat(32)}/`, '--parent-window=0']],
    ['a malformed origin', [EXE, `chrome-extension://${AUTHDESK_EXTENSION_ID}`]],
    ['the origin after another argument', [EXE, '/tmp/some-file', ORIGIN]],
    ['an origin hidden in a switch', [EXE, `--x=${ORIGIN}`]],
  ])('with %s, starts the desktop app instead (single-instance lock first), relaying nothing', async (_, argv) => {
    // A second instance: the desktop path ends right after asking for the lock.
    app.singleInstanceLock = false;
    const host = io();
    expect(await launch(argv, { host })).toBeNull();
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(app.disableHardwareAcceleration).not.toHaveBeenCalled();
    expect(app.exit).not.toHaveBeenCalled();
    host.stdin.write(encodeFrame({ t: 'hello' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(host.out).toEqual([]);
  });
});
