import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError, UNAUTHORIZED_DESCRIPTION } from './http';
import type { TokenClaims, TokenService } from './tokens';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function basicUser(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+(.+)$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

/** Server API: Basic auth with the secret as username and an empty password. */
export function requireSecret(req: IncomingMessage, secret: string): void {
  const user = basicUser(req);
  if (user === undefined || !safeEqual(user, secret)) {
    throw new ApiError(401, 'unauthorized', UNAUTHORIZED_DESCRIPTION);
  }
}

/** Who is calling the Client API. */
export type ClientCaller = { kind: 'token'; token: string; claims: TokenClaims } | { kind: 'tenant' };

/**
 * Client API: `Bearer <user token>`, or `Basic base64(tenantId)` (the browser SDK sends it without
 * the colon and URI-encoded; the docs show `tenantId:`; both are accepted).
 */
export async function clientCaller(req: IncomingMessage, tokens: TokenService): Promise<ClientCaller> {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) {
    const token = bearer[1].trim();
    return { kind: 'token', token, claims: await tokens.verify(token) };
  }
  const user = basicUser(req);
  if (user !== undefined) {
    let tenant = user;
    try {
      tenant = decodeURIComponent(user);
    } catch {
      // keep raw
    }
    if (safeEqual(tenant, tokens.tenantId)) return { kind: 'tenant' };
  }
  throw new ApiError(401, 'unauthorized', UNAUTHORIZED_DESCRIPTION);
}

/** Client API route that needs a user token. */
export async function requireUserToken(req: IncomingMessage, tokens: TokenService): Promise<{ token: string; claims: TokenClaims }> {
  const caller = await clientCaller(req, tokens);
  if (caller.kind !== 'token') throw new ApiError(401, 'unauthorized', 'A user token is required. Track an action and pass its token.');
  return caller;
}
