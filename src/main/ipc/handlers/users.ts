import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `users:*` channel names. */
type UserChannel = Extract<keyof Handlers, `users:${string}`>;

/**
 * Handlers for `users:*`. Searches are keyed by the transport they came through, so a newer search
 * from the console supersedes only that console's older one.
 */
export function userHandlers(services: Services): Pick<Handlers, UserChannel> {
  const { directory, verification } = services;
  // SECURITY: contact details are masked in main until the caller is verified (issue #5).
  return {
    'users:search': async (input, ctx) => verification.redactSummaries(await directory.search(input, ctx.transport)),
    'users:get': async ({ userId }) => verification.redactUser(await directory.getUser(userId)),
    'users:recent': async () => ({ users: await verification.redactRecent(await directory.recent()) }),
    'users:revoke-sessions': (input) => directory.revokeSessions(input),
  };
}
