import { requireUserToken } from '../../auth';
import type { Emu } from '../../context';
import { ApiError, type RouteContext } from '../../http';
import { hasScope } from '../../tokens';
import type { ClientRoute } from './flow';
import { clientAuthenticators } from './shapes';

/** Authenticators of the token's user (masked contact details, isDefault). */
export async function listAuthenticators(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  return clientAuthenticators(emu, claims.userId);
}

/** Emulator extension for the pre-built UI's settings screen: remove one, never the last. */
export async function removeAuthenticator(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  // SECURITY: removal needs the scope a passed challenge grants, so a bare track token cannot strip factors.
  if (!hasScope(claims.scope, 'remove:authenticators')) {
    throw new ApiError(403, 'insufficient_scope', 'Removing an authenticator needs the remove:authenticators scope. Verify with an enrolled method first.');
  }
  const list = emu.store.listAuthenticators(claims.userId);
  const target = list.find((a) => a.userAuthenticatorId === ctx.params.userAuthenticatorId);
  if (!target) throw new ApiError(404, 'not_found', 'No such authenticator for this user.');
  if (list.length === 1) throw new ApiError(400, 'invalid_request', 'The last authenticator cannot be removed: add another one first.');
  emu.store.removeAuthenticator(claims.userId, target.userAuthenticatorId);
  emu.changed();
  return { userAuthenticatorId: target.userAuthenticatorId, removed: true };
}

export const authenticatorRoutes: readonly ClientRoute[] = [
  { method: 'GET', path: '/user-authenticators', handler: listAuthenticators },
  { method: 'DELETE', path: '/user-authenticators/:userAuthenticatorId', handler: removeAuthenticator },
];
