import { z } from 'zod';
import { userAttributes } from '../../actions';
import { ApiError, type RouteContext } from '../../http';
import { parseInput } from '../../validate';
import { PASSED_ACTION_STATES } from '@shared/domain/authsignal';
import { type ServerDeps, type ServerRoute, verifyOrReject } from './deps';

/**
 * Sessions from a succeeded action's token. They live in memory only (a restart revokes them);
 * their `expiresAt` is epoch seconds, as a JWT `exp`.
 */

const CreateSchema = z.object({ clientId: z.string().min(1), token: z.string().min(1), action: z.string().optional() });
const ValidateSchema = z.object({ accessToken: z.string().min(1), clientIds: z.array(z.string()).optional() });
const RefreshSchema = z.object({ refreshToken: z.string().min(1) });
const RevokeSchema = z.object({ accessToken: z.string().min(1) });
const RevokeUserSchema = z.object({ userId: z.string().min(1) });

export async function createSession({ emu, store, sessions }: ServerDeps, { body }: RouteContext) {
  const input = parseInput(CreateSchema, body);
  const claims = await verifyOrReject(emu, input.token);
  if (input.action && claims.actionCode && input.action !== claims.actionCode) {
    throw new ApiError(400, 'invalid_request', 'The token belongs to another action.');
  }
  const action = claims.actionCode && claims.idempotencyKey ? store.getAction(claims.userId, claims.actionCode, claims.idempotencyKey) : undefined;
  if (claims.kind === 'track' && (!action || !PASSED_ACTION_STATES.includes(action.state))) {
    throw new ApiError(400, 'invalid_request', 'The action behind this token has not succeeded, so no session can be created.');
  }
  const session = sessions.create(claims.userId, input.clientId, action?.verificationMethod);
  return { accessToken: session.accessToken, refreshToken: session.refreshToken };
}

export function validateSession({ store, sessions }: ServerDeps, { body }: RouteContext) {
  const input = parseInput(ValidateSchema, body);
  const session = sessions.findByAccessToken(input.accessToken);
  if (!session || (input.clientIds && input.clientIds.length > 0 && !input.clientIds.includes(session.clientId))) {
    throw new ApiError(401, 'invalid_token', 'The access token is invalid, expired or revoked.');
  }
  return {
    user: { userId: session.userId, ...userAttributes(store.getUser(session.userId)) },
    expiresAt: Math.floor(session.expiresAt / 1000),
    verificationMethod: session.verificationMethod,
  };
}

export function refreshSession({ sessions }: ServerDeps, { body }: RouteContext) {
  const input = parseInput(RefreshSchema, body);
  const session = sessions.refresh(input.refreshToken);
  if (!session) throw new ApiError(401, 'invalid_token', 'The refresh token is invalid, expired or revoked.');
  return { accessToken: session.accessToken, refreshToken: session.refreshToken };
}

export function revokeSession({ sessions }: ServerDeps, { body }: RouteContext) {
  const input = parseInput(RevokeSchema, body);
  const session = sessions.findByAccessToken(input.accessToken);
  if (session) sessions.revoke(session);
  return {};
}

export function revokeUserSessions({ sessions }: ServerDeps, { body }: RouteContext) {
  const input = parseInput(RevokeUserSchema, body);
  sessions.revokeUser(input.userId);
  return {};
}

export const sessionRoutes: readonly ServerRoute[] = [
  { method: 'POST', path: '/sessions', handler: createSession },
  { method: 'POST', path: '/sessions/validate', handler: validateSession },
  { method: 'POST', path: '/sessions/refresh', handler: refreshSession },
  { method: 'POST', path: '/sessions/revoke', handler: revokeSession },
  { method: 'POST', path: '/sessions/user/revoke', handler: revokeUserSessions },
];
