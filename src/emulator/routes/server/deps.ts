import type { Emu } from '../../context';
import { ApiError } from '../../http';
import type { EmuAction } from '../../model';
import type { SessionStore } from '../../sessions';
import type { Store } from '../../store';
import type { TokenClaims } from '../../tokens';
import type { RouteSpec } from '../route';

/** What every Server API handler receives: the emulator, its store, and the API's session store. */
export interface ServerDeps {
  readonly emu: Emu;
  readonly store: Store;
  readonly sessions: SessionStore;
}

/** A Server API endpoint (path below /v1; the secret is checked before the handler runs). */
export type ServerRoute = RouteSpec<ServerDeps>;

/** An action by its three keys, or 404 with what to do. */
export function findAction(store: Store, userId: string, actionCode: string, idempotencyKey: string): EmuAction {
  const action = store.getAction(userId, actionCode, idempotencyKey);
  if (!action) throw new ApiError(404, 'not_found', 'No action with that user, action code and idempotency key. It may be older than 30 days.');
  return action;
}

/** A user token in a request body or query: invalid is the caller's input error (400), not a wrong secret (401). */
export async function verifyOrReject(emu: Emu, token: string): Promise<TokenClaims> {
  try {
    return await emu.tokens.verify(token);
  } catch (error) {
    const expired = error instanceof ApiError && error.error === 'expired_token';
    throw new ApiError(400, expired ? 'expired_token' : 'invalid_request', expired ? 'The token has expired. Track a new action.' : 'The token is invalid.');
  }
}
