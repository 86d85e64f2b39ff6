import { requireSecret } from '../../auth';
import type { Emu } from '../../context';
import type { Router } from '../../http';
import { SessionStore } from '../../sessions';
import { actionRoutes } from './actions';
import { authenticatorRoutes } from './authenticators';
import { challengeRoutes } from './challenges';
import type { ServerDeps, ServerRoute } from './deps';
import { sessionRoutes } from './sessions';
import { tenantRoutes } from './tenant';
import { userRoutes } from './users';

/**
 * The Server API under /v1 (Basic auth, the secret as username): every endpoint @authsignal/node
 * 2.21 calls, with the live API's behaviour where it is known (reference §1.9, §2.4, §7). One route
 * module per resource, each a table of named handlers.
 *
 * Decisions where Authsignal's behaviour is not documented (each one is also in the final note):
 * - `GET /users` without any filter lists every user (the `lastEvaluatedUserId` cursor suggests
 *   a scan), in userId order, `limit` default 100, max 1000.
 * - `POST /users/:id/authenticators` with the same method and destination as an existing verified
 *   authenticator returns that one (a retried POST does not enroll twice).
 * - A server `verify` counts for the binding rule only when the code went to the email or phone of
 *   one of the user's enrolled authenticators (then it is a real challenge with an existing
 *   authenticator); it also marks the user's email/phone verified when the code went there.
 * - Challenge `expiresAt` is epoch milliseconds (seconds under the strict profile, see profile.ts);
 *   session `expiresAt` is epoch seconds (JWT `exp`).
 * - `/verify` of an unknown challenge answers `CODE_INVALID_OR_EXPIRED` (expired challenges vanish).
 * - Sessions live in memory only; a restart revokes them.
 */
export const SERVER_ROUTES: readonly ServerRoute[] = [...userRoutes, ...authenticatorRoutes, ...actionRoutes, ...challengeRoutes, ...sessionRoutes, ...tenantRoutes];

/** Registers the Server API's routes, each behind the secret. */
export function registerServerApi(router: Router, emu: Emu, routes: readonly ServerRoute[] = SERVER_ROUTES): void {
  const deps: ServerDeps = { emu, store: emu.store, sessions: new SessionStore(emu.tokens.ttlSeconds) };
  for (const route of routes) {
    router.on(route.method, `/v1${route.path}`, (ctx) => {
      requireSecret(ctx.req, emu.secret);
      return route.handler(deps, ctx);
    });
  }
}
