import type { Emu } from '../../context';
import type { Router } from '../../http';
import { authenticatorRoutes } from './authenticators';
import type { ClientRoute } from './flow';
import { magicLinkRoutes } from './magic-link';
import { oobRoutes } from './oob';
import { totpRoutes } from './totp';
import { passkeyRoutes, securityKeyRoutes } from './webauthn';

/**
 * The Client API under /v1/client: exactly what @authsignal/browser 1.16 calls (reference §2.5),
 * authenticated by a user token (Bearer) or, for passkey sign-in by action, the tenant id (Basic).
 * Every answer is JSON, errors included, because the browser SDK never looks at the status and
 * always calls `response.json()`.
 *
 * Refusals: an expired token is 401 `expired_token` (the browser SDK fires `onTokenExpired` on it);
 * adding a second or later authenticator without `add:authenticators` in the token and without a
 * challenge passed in the last 10 minutes is 403 `insufficient_scope` (RFC 6750's name for it;
 * Authsignal documents the rule but not its error code); removing needs `remove:authenticators`.
 */
export const CLIENT_ROUTES: readonly ClientRoute[] = [
  ...authenticatorRoutes,
  ...oobRoutes,
  ...totpRoutes,
  ...magicLinkRoutes,
  ...passkeyRoutes,
  ...securityKeyRoutes,
];

/** Registers the Client API under /v1/client (user token or tenant auth, checked by each handler). */
export function registerClientApi(router: Router, emu: Emu, routes: readonly ClientRoute[] = CLIENT_ROUTES): void {
  for (const route of routes) router.on(route.method, `/v1/client${route.path}`, (ctx) => route.handler(emu, ctx));
}
