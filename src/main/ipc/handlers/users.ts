import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `users:*` channel names. */
type UserChannel = Extract<keyof Handlers, `users:${string}`>;

/**
 * Handlers for `users:*`. Searches are keyed by the transport they came through, so a newer search
 * from the console supersedes only that console's older one.
 */
export function userHandlers(services: Services): Pick<Handlers, UserChannel> {
  const { directory } = services;
  return {
    'users:search': (input, ctx) => directory.search(input, ctx.transport),
    'users:get': ({ userId }) => directory.getUser(userId),
    'users:recent': async () => ({ users: await directory.recent() }),
    'users:revoke-sessions': (input) => directory.revokeSessions(input),
  };
}
