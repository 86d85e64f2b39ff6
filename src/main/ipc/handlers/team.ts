import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `team:*` channel names. */
type TeamChannel = Extract<keyof Handlers, `team:${string}`>;

/**
 * Handlers for `team:*`: read-only. Connecting a computer and installing the store are CLI steps
 * (`authdesk team …`), where the password is typed once into a hidden prompt.
 */
export function teamHandlers(services: Services): Pick<Handlers, TeamChannel> {
  return {
    'team:status': () => services.team.status(),
    // SECURITY: an agent reads the team log with contact details masked outside a verified call (contact-rule.ts).
    'team:list': async (query) => services.contacts.teamEntries(await services.team.query(query)),
    'team:compare': () => services.team.compare(),
  };
}
