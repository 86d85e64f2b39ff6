import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { buildPageCsp } from '../platform/page-csp';
import { readServedFile, resolveServedPath } from '../platform/served-files';

/**
 * Serves the built guided-enrollment page (out/renderer/enroll and its assets) on a loopback port,
 * reached as `http://localhost:<port>`, for the local tenant.
 *
 * Why not `app://authdesk` as for hosted tenants: WebAuthn only runs on https origins and on
 * `http://localhost`, and only for a relying party id that is the page's host or a parent of it.
 * The local tenant's rpID is `localhost`, so a page on `http://localhost:<port>` may register
 * passkeys and security keys for it, once the tenant lists the page's origin among its allowed
 * origins (the emulator's `allowedOrigins`, which the app passes at start).
 *
 * SECURITY: static files only, never a token (the page reads its session through the window's
 * bridge); loopback only; requests must name `localhost:<port>` as their host (DNS rebinding);
 * every response carries a CSP that lets the page call only the local tenant's API.
 */

/** Top-level folders of the build the page needs; nothing else is served. */
const SERVED_DIRS = ['enroll', 'assets'];

/** Options of {@link startEnrollPageServer}. */
export interface EnrollPageServerOptions {
  /** The built renderer (out/renderer). */
  root: string;
  /** Origins the page may call (the local tenant's API origin); read per request, as it may start later. */
  connectSrc: () => readonly string[];
  /** Default 0: any free port. */
  port?: number;
}

/** A running enroll page server. */
export interface EnrollPageServer {
  /** `http://localhost:<port>`: what the tenant must trust for WebAuthn. */
  readonly origin: string;
  /** The page: `<origin>/enroll/index.html`. */
  readonly url: string;
  close(): Promise<void>;
}

/** The Content-Security-Policy of the page: its own files, plus calls to the tenant's API only. */
export function enrollPageCsp(connectSrc: readonly string[]): string {
  return buildPageCsp(connectSrc);
}

/**
 * Maps a request path to a file of the build, or null when it is not one of the page's files or
 * would climb out of the build (decoded once; `..`, backslashes and NUL refuse outright).
 */
export function resolveEnrollPath(root: string, pathname: string): string | null {
  return resolveServedPath(root, SERVED_DIRS, pathname);
}

/** Starts the server on 127.0.0.1 (port 0 by default). */
export async function startEnrollPageServer(options: EnrollPageServerOptions): Promise<EnrollPageServer> {
  const root = resolve(options.root);
  let host = '';

  const send = (res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-security-policy': enrollPageCsp(options.connectSrc()),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      ...headers,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // SECURITY: only requests addressed to localhost:<port>; a rebinding DNS name gets nothing.
    if (req.headers.host !== host) return send(res, 421, 'Wrong host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed', { allow: 'GET, HEAD' });
    const file = resolveEnrollPath(root, new URL(req.url ?? '/', 'http://localhost').pathname);
    if (file === null) return send(res, 404, 'Not found');
    const served = await readServedFile(root, file, req.method === 'HEAD');
    if (served === null) return send(res, 404, 'Not found');
    return send(res, 200, served.body ?? '', { 'content-type': served.contentType });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'Error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    // SECURITY: loopback only.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  // It serves a page only while the app runs; it must never be what keeps a process alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  host = `localhost:${port}`;
  const origin = `http://${host}`;
  return {
    origin,
    url: `${origin}/enroll/index.html`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
