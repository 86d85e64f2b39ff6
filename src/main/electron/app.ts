import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { app, dialog, session, type BrowserWindow } from 'electron';
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { subscribeAll } from '../ipc/events';
import { createHandlers } from '../ipc/handlers/index';
import { createRouter } from '../ipc/router';
import { createServices, type Services } from '../services/container';
import { startEnrollPageServer, type EnrollPageServer } from '../services/enrollment/enroll-page-server';
import { packagedHostProgram } from '../services/browser-bridge/native-host-manifest';
import { resolveDataDir, resolveKeychainService } from '../services/platform/paths';
import { consoleSource, createConsoleWindow } from './console-window';
import { installWebContentsGuard } from './guards';
import { registerEnrollWindowChannels, registerIpcTransport, type IpcTransport } from './ipc-transport';
import { installAppMenu } from './menu';
import { buildCsp, registerAppSchemePrivileges, rendererRoot, serveAppProtocol } from './protocol';
import { createElectronEnrollmentHost } from './enrollment-windows';
import { configureSandboxedWindows, enrollBindingFor } from './sandboxed-window';

/** How long the embedded local tenant may take to start before the app opens without it. */
const LOCAL_TENANT_TIMEOUT_MS = 10_000;

/** Seams the tests replace; production uses the defaults. */
export interface DesktopAppDeps {
  startEmulator: typeof startEmulator;
  env: Readonly<Record<string, string | undefined>>;
}

/** The running desktop app (returned for tests and for orderly shutdown). */
export interface DesktopApp {
  readonly services: Services;
  readonly transport: IpcTransport;
  /** The embedded local tenant, or null when it could not start. */
  readonly localTenant: RunningEmulator | null;
  consoleWindow(): BrowserWindow | null;
  /** Closes services and the local tenant; idempotent. */
  shutdown(): Promise<void>;
}

type LocalTenantStart = { tenant: RunningEmulator } | { error: unknown };

/** Starts the embedded local tenant with a per-run secret; never rejects. */
async function startLocalTenant(start: typeof startEmulator, allowedOrigins: string[]): Promise<LocalTenantStart> {
  // SECURITY: a fresh random secret each run: the loopback tenant is reachable by any local process,
  // so its Server API must not answer to a predictable or stored key.
  const secret = randomBytes(32).toString('base64url');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('The local tenant did not start in time')), LOCAL_TENANT_TIMEOUT_MS);
  });
  try {
    // The guided enroll page's origin is trusted for WebAuthn, so passkeys can be enrolled there.
    return { tenant: await Promise.race([start({ port: 0, host: '127.0.0.1', secret, seed: 'demo', allowedOrigins }), timeout]) };
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

function focus(win: BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * Boots the desktop app: hardening that must precede `ready`, the single-instance lock, the
 * services and router, the embedded local tenant, the app:// protocol, the IPC transport and the
 * console window. Returns null in a second instance (which hands over to the first and quits).
 */
export async function startDesktopApp(deps: Partial<DesktopAppDeps> = {}): Promise<DesktopApp | null> {
  const env = deps.env ?? process.env;
  // SECURITY: every renderer sandboxed, including any a future change forgets to configure.
  app.enableSandbox();
  registerAppSchemePrivileges();
  // The app and the CLI share one data dir (profiles, audit log): AUTHDESK_HOME or the platform's.
  const dataDir = resolveDataDir(env);
  app.setPath('userData', dataDir);
  // Chromium's own files (caches, Local Storage, GPU cache) go to a subfolder, apart from
  // the profiles and audit log the CLI shares.
  app.setPath('sessionData', join(dataDir, 'chromium'));

  // One Authdesk per user: a second launch focuses the first (Signal-Desktop's pattern), so two
  // processes never write the same profile file and audit log.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  let consoleWindow: BrowserWindow | null = null;
  app.on('second-instance', () => focus(consoleWindow));
  installWebContentsGuard();

  const appPath = app.getAppPath();
  // The guided enroll page for the local tenant, on http://localhost:<port> (see enroll-page-server.ts),
  // then the local tenant, which must trust that page's origin for WebAuthn: both while Electron gets ready.
  let localApiOrigin: string | null = null;
  const enrollPagesStarting: Promise<EnrollPageServer | null> = startEnrollPageServer({
    root: rendererRoot(appPath),
    connectSrc: () => (localApiOrigin ? [localApiOrigin] : []),
  }).catch(() => null);
  const localTenantStarting = enrollPagesStarting.then((pages) =>
    startLocalTenant(deps.startEmulator ?? startEmulator, pages ? [pages.origin] : []),
  );
  await app.whenReady();

  const devTools = !app.isPackaged;
  const preloadDir = join(appPath, 'out', 'preload');
  const root = rendererRoot(appPath);
  // SECURITY: the console's partition serves only the console page and shared assets.
  serveAppProtocol(session.defaultSession, { root, allowedDirs: ['console', 'assets'], csp: buildCsp() });
  configureSandboxedWindows({ rendererRoot: root, preloadDir, devTools });
  installAppMenu({ isMac: process.platform === 'darwin', devTools });

  const enrollPages = await enrollPagesStarting;
  const started = await localTenantStarting;
  const localTenant = 'tenant' in started ? started.tenant : null;
  localApiOrigin = localTenant?.origin ?? null;
  const services = createServices({
    dataDir,
    keychainService: resolveKeychainService(env),
    appVersion: app.getVersion(),
    ...(localTenant
      ? { localTenant: { apiUrl: localTenant.apiUrl, tenantId: localTenant.tenantId, secret: localTenant.secret } }
      : {}),
    // Packaged, the app is its own native host (see native-host-mode.ts); a dev checkout keeps the
    // launcher around Node and bin/authdesk.
    bridge: { hostCommand: packagedHostProgram({ isPackaged: app.isPackaged, execPath: process.execPath, env }) },
    enrollmentHost: createElectronEnrollmentHost({
      localGuidedPage: enrollPages ? { url: enrollPages.url, origin: enrollPages.origin } : null,
      parent: () => consoleWindow,
    }),
  });
  const router = createRouter(createHandlers(services), (channel, error) => {
    // Only the error's kind: its message could quote upstream data.
    console.error(`Unexpected error in ${channel}: ${error instanceof Error ? error.name : typeof error}`);
  });

  const source = consoleSource(app.isPackaged, env.ELECTRON_RENDERER_URL);
  const transport = registerIpcTransport(router, { window: () => consoleWindow, origins: source.origins }, (channel) =>
    console.warn(`Refused ${channel} from a window that is not the console`),
  );
  registerEnrollWindowChannels(enrollBindingFor);
  const stopEvents = subscribeAll(services, (name, payload) => transport.sendEvent(name, payload));

  const openConsole = (): BrowserWindow => {
    const win = createConsoleWindow({ preloadDir, source, devTools });
    win.on('closed', () => {
      if (consoleWindow === win) consoleWindow = null;
    });
    return win;
  };
  consoleWindow = openConsole();

  // Browser integration (#8): the extension's lookups reach the same router, marked as coming from
  // the extension; "Open in Authdesk" brings this window up on the user. The route is built from an
  // encoded id on our own console URL, so the request can only pick which user is shown.
  void services.bridge
    .attach((channel, input) => router.handle(channel, input, { transport: 'extension' }))
    .catch((error: unknown) => console.error(`Browser bridge did not start: ${error instanceof Error ? error.message : typeof error}`));
  services.bridge.onOpen((request) => {
    if (!consoleWindow || consoleWindow.isDestroyed()) consoleWindow = openConsole();
    const route = request.userId ? `#/users/${encodeURIComponent(request.userId)}` : '#/search';
    void consoleWindow.loadURL(`${source.url}${route}`);
    focus(consoleWindow);
  });

  if (!localTenant) {
    const reason = 'error' in started && started.error instanceof Error ? started.error.message : 'unknown error';
    console.error(`Local tenant failed to start: ${reason}`);
    void dialog.showMessageBox(consoleWindow, {
      type: 'warning',
      title: 'Local tenant unavailable',
      message: 'The built-in local tenant could not start.',
      detail: `Authdesk works normally with your own Authsignal tenants; add one in Settings. (${reason})`,
    });
  }

  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> =>
    (closing ??= (stopEvents(), Promise.allSettled([services.close(), localTenant?.close(), enrollPages?.close()]).then(() => undefined)));

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!consoleWindow || consoleWindow.isDestroyed()) consoleWindow = openConsole();
  });
  let cleanedUp = false;
  app.on('will-quit', (event) => {
    if (cleanedUp) return;
    event.preventDefault();
    void shutdown().finally(() => {
      cleanedUp = true;
      app.quit();
    });
  });

  return { services, transport, localTenant, consoleWindow: () => consoleWindow, shutdown };
}
