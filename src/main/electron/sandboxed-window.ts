import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BrowserWindow, session, type WebContents } from 'electron';
import { AppError } from '@shared/errors';
import { hardenSession, setNavigationPolicy, type BlockedNavigation } from './guards';
import type { EnrollWindowBinding } from './ipc-transport';
import { APP_ORIGIN, isLoopbackHttp, originOf } from './origin';
import { buildCsp, serveAppProtocol } from './protocol';
import { secureWebPreferences } from './web-preferences';

/** The enroll page's bridge, for a window opened with `preload: 'enroll'`. */
export interface EnrollHandlers {
  /** The data `authdeskEnroll.session()` returns (may hold the short-lived user token). */
  session(): unknown;
  /** The page reports success; `result` is untrusted input. */
  complete(result: unknown): unknown;
  /** The page gave up (or the user closed the flow). */
  cancel(reason: string): unknown;
}

/** What the flow's redirect carried. The token is short-lived and must never be logged or stored. */
export interface InterceptedRedirect {
  token: string | null;
}

/** How to open one sandboxed window (pre-built UI or guided enrollment). */
export interface SandboxedWindowOptions {
  /** First URL: https, the local tenant's loopback http, or `app://authdesk/enroll/…`. */
  url: string;
  /** Origins the window may navigate to; must include the URL's own. */
  allowedOrigins: readonly string[];
  /** `null`/absent: no preload (pre-built UI). `'enroll'`: the tiny enroll bridge. */
  preload?: 'enroll' | null;
  /** Required with `preload: 'enroll'`. */
  enroll?: EnrollHandlers;
  /**
   * The flow's `redirectUrl`: a top-frame navigation to it (same origin, same path or below) is
   * cancelled, its `token` query handed to `onRedirect`, and the window closed.
   */
  interceptRedirectPrefix?: string;
  onRedirect?: (redirect: InterceptedRedirect) => void;
  /** Told (origin only) about every navigation the window's policy blocked; default: a log line. */
  onBlocked?: (blocked: BlockedNavigation) => void;
  /** Called once the window is gone and its partition cleared. */
  onClosed?: () => void;
  title?: string;
  parent?: BrowserWindow | null;
  width?: number;
  height?: number;
}

/** An open sandboxed window. */
export interface SandboxedWindowHandle {
  readonly window: BrowserWindow;
  /** Its in-memory partition (unique per window). */
  readonly partition: string;
  /** Closes it; storage is cleared by the close handler. */
  close(): void;
}

/** Where the shell keeps its build outputs and whether DevTools are allowed; set by app.ts. */
export interface SandboxedWindowEnvironment {
  /** The built renderer (out/renderer). */
  rendererRoot: string;
  /** The built preloads (out/preload). */
  preloadDir: string;
  devTools: boolean;
}

let environment: SandboxedWindowEnvironment | null = null;
const enrollBindings = new Map<WebContents, EnrollWindowBinding>();

/** Configures the host; called once by the app at startup. */
export function configureSandboxedWindows(env: SandboxedWindowEnvironment): void {
  environment = env;
}

/** The enroll binding of a web contents, for the transport's enroll-window channels. */
export function enrollBindingFor(contents: WebContents): EnrollWindowBinding | null {
  return enrollBindings.get(contents) ?? null;
}

function allowedOrigin(origin: string): boolean {
  return origin === APP_ORIGIN || origin.startsWith('https://') || isLoopbackHttp(origin);
}

function parseOrigins(options: SandboxedWindowOptions): Set<string> {
  const origins = new Set<string>();
  for (const raw of options.allowedOrigins) {
    const origin = originOf(raw);
    // SECURITY: only https, the loopback local tenant, or our own app origin; no file:, data:, http.
    if (origin === null || !allowedOrigin(origin)) {
      throw new AppError('validation', 'The enrollment window can only open https pages or the local tenant.');
    }
    origins.add(origin);
  }
  const start = originOf(options.url);
  if (start === null || !origins.has(start)) {
    throw new AppError('validation', "The enrollment window's page is not on an allowed origin.");
  }
  return origins;
}

/** A matcher for the flow's redirect URL: same origin, and the same path or a path below it. */
function redirectMatcher(prefix: string): (url: string) => URL | null {
  const want = new URL(prefix);
  const wantOrigin = originOf(want.href);
  const wantPath = want.pathname.endsWith('/') ? want.pathname : `${want.pathname}/`;
  return (url) => {
    let got: URL;
    try {
      got = new URL(url);
    } catch {
      return null;
    }
    if (originOf(got.href) !== wantOrigin) return null;
    return got.pathname === want.pathname || got.pathname.startsWith(wantPath) ? got : null;
  };
}

/**
 * Opens a sandboxed window for a flow that handles a user's token: the pre-built UI (no preload)
 * or Authdesk's guided enrollment page (the enroll preload). Each window gets a fresh in-memory
 * partition with every permission denied and downloads cancelled, may navigate only within
 * `allowedOrigins`, cannot open windows, and has its storage cleared when it closes.
 */
export function openSandboxedWindow(options: SandboxedWindowOptions): SandboxedWindowHandle {
  if (!environment) throw new Error('configureSandboxedWindows() must run before openSandboxedWindow()');
  const env = environment;
  const origins = parseOrigins(options);
  if (options.preload === 'enroll' && !options.enroll) throw new Error("preload 'enroll' needs enroll handlers");

  // SECURITY: a fresh in-memory partition per window: nothing (cookies, storage, WebAuthn state)
  // carries over from one user's enrollment to the next, and nothing is written to disk.
  const partition = `authdesk-sandbox-${randomUUID()}`;
  const ses = session.fromPartition(partition, { cache: false });
  hardenSession(ses);
  if (originOf(options.url) === APP_ORIGIN) {
    // SECURITY: this partition serves only the enroll page and its assets, with a CSP that lets it
    // call nothing but the tenant origins it was opened for.
    const apiOrigins = [...origins].filter((o) => o !== APP_ORIGIN);
    serveAppProtocol(ses, { root: env.rendererRoot, allowedDirs: ['enroll', 'assets'], csp: buildCsp(apiOrigins) });
  }

  // electronegativity-ignore: CONTEXT_ISOLATION_JS_CHECK, SANDBOX_JS_CHECK, AUXCLICK_JS_CHECK -- the tool cannot follow secureWebPreferences(), which sets sandbox, contextIsolation and disables Auxclick; windows.test.ts pins the whole object
  const win = new BrowserWindow({
    title: options.title ?? 'Authdesk enrollment',
    width: options.width ?? 520,
    height: options.height ?? 720,
    parent: options.parent ?? undefined,
    show: false,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences({
      partition,
      devTools: env.devTools,
      // SECURITY: the pre-built UI gets no preload at all; the guided page only the 3-function bridge.
      // electronegativity-ignore: PRELOAD_JS_CHECK -- a sandboxed, context-isolated bridge of three functions (session, complete, cancel) answered only for this window
      preload: options.preload === 'enroll' ? join(env.preloadDir, 'enroll.cjs') : undefined,
    }),
  });
  const contents = win.webContents;

  let redirected = false;
  const matchRedirect = options.interceptRedirectPrefix ? redirectMatcher(options.interceptRedirectPrefix) : null;
  const title = options.title ?? 'Authdesk enrollment';
  setNavigationPolicy(contents, {
    allowedOrigins: origins,
    // A real pre-built UI may load frames or assets from origins the emulator's stand-in never
    // used; without this line the window would just stay blank. Origin only: URLs carry tokens.
    onBlocked:
      options.onBlocked ??
      ((blocked) =>
        console.warn(
          `[enrollment window] "${title}" blocked a ${blocked.kind} navigation to ${blocked.origin}: it is not among the window's allowed origins (${[...origins].join(', ')}). If the tenant's pre-built UI needs it, a security admin can allow it: add it to allowedEnrollmentOrigins in the managed or team policy.`,
        )),
    intercept: matchRedirect
      ? (url) => {
          const hit = matchRedirect(url);
          if (!hit) return false;
          if (!redirected) {
            redirected = true;
            // SECURITY: the token goes to the callback only: not logged, not in an error, not stored.
            options.onRedirect?.({ token: hit.searchParams.get('token') });
            setImmediate(() => {
              if (!win.isDestroyed()) win.close();
            });
          }
          return true;
        }
      : undefined,
  });

  if (options.preload === 'enroll' && options.enroll) {
    const handlers = options.enroll;
    enrollBindings.set(contents, {
      contents,
      origins,
      session: () => handlers.session(),
      complete: (result) => handlers.complete(result),
      cancel: (reason) => handlers.cancel(reason),
    });
  }

  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    enrollBindings.delete(contents);
    // SECURITY: the partition is in memory already; clearing it also drops it before the process
    // exits, so a long-running console never accumulates past users' sessions.
    void Promise.all([ses.clearStorageData(), ses.clearCache()])
      .catch(() => console.error('Could not clear an enrollment window partition'))
      .finally(() => options.onClosed?.());
  });

  void win.loadURL(options.url).catch(() => {
    // The page could not load (offline tenant, wrong URL): say so without the URL, which holds a token.
    console.error('The enrollment window could not load its page');
  });

  return {
    window: win,
    partition,
    close: () => {
      if (!win.isDestroyed()) win.close();
    },
  };
}
