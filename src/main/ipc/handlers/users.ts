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
  const { contacts } = directory;
  // SECURITY: answers go through the directory's contact-masking rule before they cross IPC (issue #5).
  return {
    'users:search': async (input, ctx) => contacts.summaries(await directory.search(input, ctx.transport)),
    'users:get': async ({ userId }) => contacts.user(await directory.getUser(userId)),
    'users:recent': async () => ({ users: await contacts.recent(await directory.recent()) }),
    'users:revoke-sessions': (input) => directory.revokeSessions(input),
  };
}
