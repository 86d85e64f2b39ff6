// The browser harness's enrollment windows: the EnrollmentHost main uses (src/main/services/
// enrollment/enrollment-host.ts), implemented with real Chromium the way the Electron shell implements it with
// openSandboxedWindow: each window is a fresh browser context (nothing shared, nothing on disk),
// top-level navigation only to its allowed origins, the flow's redirect intercepted (token to main,
// window closed), no new windows, no permissions, and for the guided page the same three-call
// bridge the enroll preload exposes. Never shipped.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { EnrollmentHost, EnrollmentWindowHandle, EnrollmentWindowRequest, GuidedPageLocation } from '../../src/main/services/enrollment/enrollment-host';
import type { TenantInfo } from '../../src/main/services/tenants/tenants.service';
import { AppError, isAppError } from '@shared/errors';
import type { Result } from '@shared/ipc/result';

/** One enrollment window, as a test sees it. */
export interface HarnessWindow {
  readonly request: EnrollmentWindowRequest;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console messages and page errors of the window (for leak checks and failure messages). */
  readonly logs: string[];
  /** Top-level navigations refused because they left the allowed origins. */
  readonly refusedNavigations: string[];
  /** Resolves once the window is gone and `onClosed` was called. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link HarnessEnrollmentHost}. */
export interface HarnessEnrollmentHostOptions {
  /** The Chromium the windows open in (one per test file). */
  browser: () => Browser;
  /** The guided page's loopback server for the local tenant (see enroll-page-server.ts). */
  guidedPage: { url: string; origin: string } | null;
  /** Runs on each window's page before it loads (e.g. a CDP virtual authenticator). */
  prepare?: (page: Page, request: EnrollmentWindowRequest) => Promise<void>;
}

const BRIDGE_BINDING = '__authdeskEnrollBridge';

/** The Result the enroll bridge answers, as src/main/electron/ipc-transport.ts builds it. */
async function answer(work: () => unknown): Promise<Result<unknown>> {
  try {
    return { ok: true, value: (await work()) ?? null };
  } catch (error) {
    if (isAppError(error)) return { ok: false, error: AppError.prototype.toInfo.call(error) };
    return { ok: false, error: { code: 'internal', message: 'The enrollment window hit a problem. Close it and start again.' } };
  }
}

/** The enrollment host of the browser harness. */
export class HarnessEnrollmentHost implements EnrollmentHost {
  /** Every window opened so far. */
  readonly windows: HarnessWindow[] = [];
  private readonly waiting: ((win: HarnessWindow) => void)[] = [];
  private seen = 0;

  constructor(private readonly options: HarnessEnrollmentHostOptions) {}

  guidedPage(tenant: TenantInfo): GuidedPageLocation {
    if (tenant.kind === 'local' && this.options.guidedPage) return { ...this.options.guidedPage, webauthn: { available: true } };
    return {
      url: 'app://authdesk/enroll/index.html',
      origin: 'app://authdesk',
      webauthn: { available: false, reason: "Passkeys are bound to the tenant's own domain, which this page is not on. Use the pre-built UI." },
    };
  }

  open(request: EnrollmentWindowRequest): EnrollmentWindowHandle {
    const opening = this.openWindow(request);
    opening.then(
      (win) => {
        this.windows.push(win);
        const next = this.waiting.shift();
        if (next) {
          this.seen++;
          next(win);
        }
      },
      () => request.onClosed(),
    );
    return { close: () => void opening.then((win) => win.close()).catch(() => undefined) };
  }

  /** The next window main opens (or the oldest one not yet handed out). */
  nextWindow(timeoutMs = 10_000): Promise<HarnessWindow> {
    if (this.seen < this.windows.length) return Promise.resolve(this.windows[this.seen++]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('No enrollment window opened')), timeoutMs);
      this.waiting.push((win) => {
        clearTimeout(timer);
        resolve(win);
      });
    });
  }

  private async openWindow(request: EnrollmentWindowRequest): Promise<HarnessWindow> {
    const allowed = new Set(request.allowedOrigins.map((o) => new URL(o).origin));
    // A fresh context per window: the analogue of the in-memory partition, cleared on close.
    const context = await this.options.browser().newContext({ permissions: [] });
    const logs: string[] = [];
    const refusedNavigations: string[] = [];
    let closedResolve!: () => void;
    const closed = new Promise<void>((r) => (closedResolve = r));
    let closing = false;
    const close = async () => {
      if (closing) return closed;
      closing = true;
      await context.close().catch(() => undefined);
      request.onClosed();
      closedResolve();
      return closed;
    };

    await context.route('**/*', async (route) => {
      const req = route.request();
      const url = req.url();
      if (req.isNavigationRequest() && req.frame() === req.frame().page().mainFrame()) {
        if (request.redirectUrl && isRedirect(request.redirectUrl, url)) {
          // SECURITY (as in the Electron host): the token goes to main only; the navigation never happens.
          request.onRedirect?.(new URL(url).searchParams.get('token'));
          await route.fulfill({ status: 204 });
          setImmediate(() => void close());
          return;
        }
        if (!allowed.has(new URL(url).origin)) {
          refusedNavigations.push(new URL(url).origin);
          // A 204 answer cancels a navigation and keeps the page, as will-navigate's preventDefault does.
          return route.fulfill({ status: 204 });
        }
      }
      return route.continue();
    });

    if (request.kind === 'guided' && request.bridge) {
      const bridge = request.bridge;
      await context.exposeBinding(BRIDGE_BINDING, (source, op: string, arg: unknown) => {
        // SECURITY (as the Electron transport): only the window's top frame, on an allowed origin.
        if (source.frame !== source.page.mainFrame() || !allowed.has(new URL(source.frame.url()).origin)) {
          return { ok: false, error: { code: 'forbidden', message: 'This window may not use the Authdesk console.' } };
        }
        if (op === 'session') return answer(() => bridge.session());
        if (op === 'complete') return answer(() => bridge.complete(arg));
        return answer(() => bridge.cancel(typeof arg === 'string' ? arg.slice(0, 200) : 'cancelled'));
      });
      await context.addInitScript((binding: string) => {
        const call = (window as unknown as Record<string, (op: string, arg?: unknown) => Promise<unknown>>)[binding];
        Object.defineProperty(window, 'authdeskEnroll', {
          value: Object.freeze({
            session: () => call('session'),
            complete: (result: unknown) => call('complete', result),
            cancel: (reason?: string) => call('cancel', reason ?? 'cancelled'),
          }),
        });
      }, BRIDGE_BINDING);
    }

    const page = await context.newPage();
    // No new windows: anything the page opens is closed at once.
    context.on('page', (other) => {
      if (other !== page) void other.close();
    });
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    page.on('close', () => void close());
    await this.options.prepare?.(page, request);
    void page.goto(request.url).catch(() => undefined);
    return { request, context, page, logs, refusedNavigations, closed, close };
  }
}

/** Same origin as the redirect URL, and its path or below (as the Electron host matches it). */
function isRedirect(redirectUrl: string, url: string): boolean {
  const want = new URL(redirectUrl);
  const got = new URL(url);
  const base = want.pathname.endsWith('/') ? want.pathname : `${want.pathname}/`;
  return got.origin === want.origin && (got.pathname === want.pathname || got.pathname.startsWith(base));
}
