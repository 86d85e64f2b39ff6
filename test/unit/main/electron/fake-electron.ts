/**
 * A small stand-in for the `electron` module (whose binary cannot run here), faithful in the parts
 * the shell relies on: `web-contents-created` fires when a window is built, sessions are cached per
 * partition with their own protocol table, `ipcMain.handle` refuses a second handler for a channel,
 * and navigation events carry `preventDefault()`. Tests drive it through the helpers at the bottom.
 *
 * Use: `vi.mock('electron', () => import('./fake-electron'))`, then `resetFakeElectron()` in beforeEach.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

type Handler = (...args: never[]) => unknown;

/** An Electron-style event: `preventDefault()` marks it. */
export interface FakeEvent {
  url?: string;
  isMainFrame?: boolean;
  defaultPrevented: boolean;
  preventDefault(): void;
}

/** Makes an event, optionally with navigation details. */
export function fakeEvent(details: { url?: string; isMainFrame?: boolean } = {}): FakeEvent {
  return {
    ...details,
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

let nextId = 1;

/** A frame: the console's top frame, or a subframe a test creates. */
export class FakeFrame {
  readonly routingId = nextId++;
  constructor(
    public url: string,
    readonly processId: number,
    readonly parent: FakeFrame | null = null,
  ) {}
}

/** One partition's protocol table. */
export class FakeProtocol {
  readonly handlers = new Map<string, (request: Request) => Promise<Response> | Response>();
  handle = vi.fn((scheme: string, handler: (request: Request) => Promise<Response> | Response) => {
    if (this.handlers.has(scheme)) throw new Error(`scheme ${scheme} already handled`);
    this.handlers.set(scheme, handler);
  });
  unhandle = vi.fn((scheme: string) => void this.handlers.delete(scheme));
  isProtocolHandled = vi.fn((scheme: string) => this.handlers.has(scheme));
}

/** A session (default or a partition). */
export class FakeSession extends EventEmitter {
  readonly protocol = new FakeProtocol();
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;
  devicePermissionHandler: Handler | null = null;
  setPermissionRequestHandler = vi.fn((h: Handler | null) => void (this.permissionRequestHandler = h));
  setPermissionCheckHandler = vi.fn((h: Handler | null) => void (this.permissionCheckHandler = h));
  setDevicePermissionHandler = vi.fn((h: Handler | null) => void (this.devicePermissionHandler = h));
  clearStorageData = vi.fn(() => Promise.resolve());
  clearCache = vi.fn(() => Promise.resolve());
  constructor(
    readonly partition: string,
    readonly options: { cache?: boolean } = {},
  ) {
    super();
  }
  /** Electron's rule: only `persist:` partitions reach disk. */
  get persistent(): boolean {
    return this.partition.startsWith('persist:');
  }
}

const partitions = new Map<string, FakeSession>();
let defaultSession = new FakeSession('');

/** `session` module. */
export const session = {
  get defaultSession() {
    return defaultSession;
  },
  fromPartition: vi.fn((partition: string, options?: { cache?: boolean }) => {
    let ses = partitions.get(partition);
    if (!ses) partitions.set(partition, (ses = new FakeSession(partition, options)));
    return ses;
  }),
};

/** A window's web contents. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly processId = nextId++;
  readonly mainFrame: FakeFrame;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  send = vi.fn();
  loadURL = vi.fn((url: string) => {
    this.mainFrame.url = url;
    return Promise.resolve();
  });
  constructor(readonly session: FakeSession) {
    super();
    this.mainFrame = new FakeFrame('about:blank', this.processId);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
  /** The top frame's URL, as Electron's `webContents.getURL()`. */
  getURL() {
    return this.mainFrame.url;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

const windows: FakeBrowserWindow[] = [];

/** `BrowserWindow`: records its options and builds web contents on the right session. */
export class FakeBrowserWindow extends EventEmitter {
  readonly webContents: FakeWebContents;
  destroyed = false;
  minimized = false;
  show = vi.fn();
  focus = vi.fn();
  restore = vi.fn(() => void (this.minimized = false));
  constructor(readonly options: { webPreferences?: { partition?: string; session?: FakeSession } } & Record<string, unknown>) {
    super();
    const prefs = options.webPreferences ?? {};
    const ses = prefs.session ?? (prefs.partition ? session.fromPartition(prefs.partition) : defaultSession);
    this.webContents = new FakeWebContents(ses);
    windows.push(this);
    // As in Electron: the guard sees the contents before anyone can load anything into it.
    app.emit('web-contents-created', fakeEvent(), this.webContents);
  }
  static getAllWindows() {
    return windows.filter((w) => !w.destroyed);
  }
  loadURL(url: string) {
    return this.webContents.loadURL(url);
  }
  isDestroyed() {
    return this.destroyed;
  }
  isMinimized() {
    return this.minimized;
  }
  close() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}
export { FakeBrowserWindow as BrowserWindow };

/** `app`: an EventEmitter with the lifecycle methods the shell calls. */
class FakeApp extends EventEmitter {
  isPackaged = false;
  singleInstanceLock = true;
  appPath = '/nonexistent-app-path';
  readonly paths = new Map<string, string>();
  enableSandbox = vi.fn();
  disableHardwareAcceleration = vi.fn();
  setPath = vi.fn((name: string, value: string) => void this.paths.set(name, value));
  getPath = vi.fn((name: string) => this.paths.get(name) ?? `/fake/${name}`);
  getAppPath = vi.fn(() => this.appPath);
  getVersion = vi.fn(() => '0.1.0-test');
  requestSingleInstanceLock = vi.fn(() => this.singleInstanceLock);
  whenReady = vi.fn(() => Promise.resolve());
  quit = vi.fn();
  exit = vi.fn();
}
export const app = new FakeApp();

/** `ipcMain`: one handler per channel, like Electron. */
class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  handle = vi.fn((channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  });
  removeHandler = vi.fn((channel: string) => void this.handlers.delete(channel));
  on = vi.fn();
}
export const ipcMain = new FakeIpcMain();

/** `protocol`: privileges plus the default session's table. */
export const protocol = {
  registerSchemesAsPrivileged: vi.fn(),
  handle: (scheme: string, handler: (request: Request) => Promise<Response>) => defaultSession.protocol.handle(scheme, handler),
};

export const shell = { openExternal: vi.fn(() => Promise.resolve()) };
export const Menu = {
  buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
  setApplicationMenu: vi.fn(),
};
export const dialog = {
  showMessageBox: vi.fn(() => Promise.resolve({ response: 0, checkboxChecked: false })),
  showErrorBox: vi.fn(),
};

export default { app, BrowserWindow: FakeBrowserWindow, session, ipcMain, protocol, shell, Menu, dialog };

// ---- test helpers ---------------------------------------------------------------------------

/** Forgets every window, session, handler and listener; call in beforeEach. */
export function resetFakeElectron(): void {
  app.removeAllListeners();
  app.isPackaged = false;
  app.singleInstanceLock = true;
  app.appPath = '/nonexistent-app-path';
  app.paths.clear();
  ipcMain.handlers.clear();
  partitions.clear();
  defaultSession = new FakeSession('');
  windows.length = 0;
  // Back to each fake's own implementation (a test may have replaced one).
  vi.resetAllMocks();
}

/** Emits a navigation event on `contents` and says whether the shell prevented it. */
export function navigate(
  contents: FakeWebContents,
  kind: 'will-navigate' | 'will-redirect' | 'will-frame-navigate',
  url: string,
  isMainFrame = true,
): boolean {
  const event = fakeEvent({ url, isMainFrame });
  contents.emit(kind, event, url);
  return event.defaultPrevented;
}

/** Calls an ipcMain handler the way Electron would for a frame of `contents`. */
export function invoke(channel: string, contents: FakeWebContents, frame: FakeFrame | null, ...args: unknown[]): Promise<unknown> {
  const handler = ipcMain.handlers.get(channel);
  if (!handler) throw new Error(`no handler for ${channel}`);
  return Promise.resolve(handler({ sender: contents, senderFrame: frame, processId: contents.processId }, ...args));
}

/** The windows created so far (closed ones included). */
export function allWindows(): readonly FakeBrowserWindow[] {
  return windows;
}
