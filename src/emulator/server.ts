import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Emu } from './context';
import { requireSecret } from './auth';
import { ApiError, errorBody, readBody, type Router, sendHtml, sendJson } from './http';

/** Paths under these prefixes are the Authsignal API: faults apply, answers are always JSON. */
const API_PREFIX = '/v1/';
const CLIENT_PREFIX = '/v1/client/';

function isApi(pathname: string): boolean {
  return pathname.startsWith(API_PREFIX);
}

// SECURITY: only the Client API answers cross-origin requests (browsers call it from the app's own
// pages); the Server API, which takes the secret, sends no CORS headers, so no page can call it.
function corsHeaders(req: IncomingMessage): Record<string, string> {
  return {
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type, x-authsignal-version',
    'access-control-max-age': '600',
    vary: 'origin',
  };
}

/** Creates the emulator's HTTP server over a router. */
export function createEmulatorServer(emu: Emu, router: Router): Server {
  const server = createServer((req, res) => {
    void dispatch(emu, router, req, res);
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function dispatch(emu: Emu, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const pathname = url.pathname;
  const method = req.method ?? 'GET';
  const api = isApi(pathname);
  const client = pathname.startsWith(CLIENT_PREFIX);
  const extraHeaders = client ? corsHeaders(req) : {};
  if (client && method === 'OPTIONS') {
    res.writeHead(204, extraHeaders);
    res.end();
    return;
  }
  try {
    if (api && (await emu.faults.apply(req, res))) return;
    const found = router.match(method, pathname);
    if (found === undefined || found === 'method') {
      // The live Server API checks the secret before the path (the Go SDK's live test expects 401
      // for Get Action with an empty idempotency key), so an unknown route asks for it first.
      if (api && !client) requireSecret(req, emu.secret);
      const status = found === 'method' ? 405 : 404;
      if (api) sendJson(res, status, errorBody('not_found', `No route for ${method} ${pathname}.`), extraHeaders);
      else sendHtml(res, status, `<!doctype html><title>Not found</title><p>Not found.</p>`);
      return;
    }
    const body = method === 'GET' || method === 'HEAD' ? {} : await readBody(req);
    const value = await found.route.handler({
      req,
      res,
      params: found.params,
      query: url.searchParams,
      body,
      origin: emu.origin,
    });
    if (!res.headersSent && !res.writableEnded) sendJson(res, 200, value ?? {}, extraHeaders);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ApiError) {
      sendJson(res, error.status, errorBody(error.error, error.description), { ...extraHeaders, ...error.headers });
      return;
    }
    // SECURITY: embedded in the desktop app, the emulator's logs are the app's logs; an unexpected
    // error's message can quote request data (a token, a code), so only its type and route are
    // logged unless AUTHDESK_DEBUG=1 asks for the whole error.
    const kind = error instanceof Error ? error.name : typeof error;
    console.error(`[emulator] unexpected ${kind} on ${method} ${pathname}`, ...(process.env.AUTHDESK_DEBUG === '1' ? [error] : []));
    sendJson(res, 500, errorBody('internal_error', 'The emulator hit an unexpected error.'), extraHeaders);
  }
}
