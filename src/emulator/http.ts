import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error the emulator answers with, in Authsignal's body shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** The exact 401 body the live API returns (asserted by Authsignal's own SDK integration tests). */
export const UNAUTHORIZED_DESCRIPTION =
  'The request is unauthorized. Check that your API key and region base URL are correctly configured.';

/** Authsignal's error body: the node SDK reads `error`, the browser SDK reads `errorCode`. */
export function errorBody(error: string, description: string) {
  return { error, errorCode: error, errorDescription: description };
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Writes an HTML page. */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(html);
}

const MAX_BODY = 1024 * 1024;

/** Reads and parses a JSON (or form-encoded) body; empty body -> {}. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ApiError(413, 'invalid_request', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_request', 'The request body is not valid JSON.');
  }
}

/** What a route handler receives. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters, percent-decoded (raw and encoded forms both work). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed body (lazily read by the router before the handler runs, for non-GET). */
  body: unknown;
  /** Origin the request was addressed to, e.g. http://127.0.0.1:4010 */
  origin: string;
}

/** A handler returns a JSON body (sent with 200), or writes the response itself and returns undefined. */
export type RouteHandler = (ctx: RouteContext) => unknown;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/**
 * A small router: `/v1/users/:userId/authenticators/:id`. Paths are split on `/` BEFORE each
 * segment is percent-decoded, so ids like `auth0|5f…`, `a+b@x.io` or `%2F`-encoded ones work raw or
 * encoded (the node SDK interpolates path params without encoding them).
 */
export class Router {
  private readonly routes: Route[] = [];

  /** Registers a route. */
  on(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** Finds the route for a request path; `undefined` when none matches, `'method'` when only the method differs. */
  match(method: string, pathname: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    const raw = pathname.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const route of this.routes) {
      if (route.segments.length !== raw.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < raw.length; i++) {
        const seg = route.segments[i];
        if (seg.startsWith(':')) {
          try {
            params[seg.slice(1)] = decodeURIComponent(raw[i]);
          } catch {
            params[seg.slice(1)] = raw[i];
          }
        } else if (seg !== raw[i]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      return { route, params };
    }
    return methodMismatch ? 'method' : undefined;
  }
}
