import { join, resolve } from 'node:path';
import { protocol, type Session } from 'electron';
import { buildPageCsp } from '../services/platform/page-csp';
import { readServedFile, resolveServedPath } from '../services/platform/served-files';
import { APP_HOST, APP_SCHEME } from './origin';

/**
 * Registers `app:` as a privileged scheme. Must run before `app` is ready.
 * SECURITY: `standard` gives pages a real origin (`app://authdesk`) instead of `file://`'s shared
 * opaque one, so same-origin policy, CSP 'self' and our origin checks mean something; `secure`
 * makes it a secure context (WebAuthn, crypto.subtle). No bypassCSP, no corsEnabled, no service workers.
 */
export function registerAppSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** The Content-Security-Policy for a page we serve; `connectSrc` adds origins the page may call. */
export function buildCsp(connectSrc: readonly string[] = []): string {
  // One policy for every page Authdesk serves, here and from the local enroll page server.
  return buildPageCsp(connectSrc);
}

/** Options of one app:// handler (the console's, or one enrollment window's). */
export interface AppProtocolOptions {
  /** The built renderer directory (out/renderer). */
  root: string;
  /** Top-level path segments this handler may serve, e.g. ['console', 'assets']. */
  allowedDirs: readonly string[];
  /** The CSP header sent with every response. */
  csp: string;
}

/**
 * Maps an `app://authdesk/...` URL to a file under `root`, or null when it is not ours or would
 * leave `root`. Decoding happens once, and any `..`, backslash or NUL left after decoding refuses
 * the request outright instead of being normalised into something that happens to resolve.
 */
export function resolveAppPath(root: string, allowedDirs: readonly string[], requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username || url.password) return null;
  return resolveServedPath(root, allowedDirs, url.pathname);
}

function refuse(status: number, csp: string): Response {
  return new Response(null, { status, headers: { 'Content-Security-Policy': csp } });
}

/**
 * The request handler for `app://authdesk/` over the built renderer: GET/HEAD of files inside the
 * allowed directories, each response with the CSP header and nosniff.
 */
export function createAppRequestHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  const root = resolve(options.root);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, options.csp);
    const file = resolveAppPath(root, options.allowedDirs, request.url);
    if (file === null) return refuse(404, options.csp);
    const served = await readServedFile(root, file, request.method === 'HEAD');
    if (served === null) return refuse(404, options.csp);
    return new Response(served.body, {
      status: 200,
      headers: {
        'Content-Type': served.contentType,
        // SECURITY: the header CSP applies even if a page's meta CSP were removed or weakened.
        'Content-Security-Policy': options.csp,
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Opener-Policy': 'same-origin',
      },
    });
  };
}

/** Serves `app://authdesk/` on `ses` (each partition has its own protocol table). */
export function serveAppProtocol(ses: Session, options: AppProtocolOptions): void {
  ses.protocol.handle(APP_SCHEME, createAppRequestHandler(options));
}

/** out/renderer inside the app (the asar root when packaged, the project root in development). */
export function rendererRoot(appPath: string): string {
  return join(appPath, 'out', 'renderer');
}
