import { teamUrlOf } from '../../services/audit/team/connection';
import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `team:*` channel names. */
type TeamChannel = Extract<keyof Handlers, `team:${string}`>;

/**
 * Handlers for `team:*`. Installing the store and adding agents stay CLI steps for the DBA
 * (`authdesk team init|add-agent`); connecting this computer is the CLI's `team connect` code.
 */
export function teamHandlers(services: Services): Pick<Handlers, TeamChannel> {
  return {
    'team:status': () => services.team.status(),
    // SECURITY: an agent reads the team log with contact details masked outside a verified call (contact-rule.ts).
    'team:list': async (query) => services.contacts.teamEntries(await services.team.query(query)),
    'team:compare': () => services.team.compare(),
    // SECURITY: the password goes to the keychain in main and is never part of an answer; the URL
    // built from the fields passes the CLI's checks (verify-full by default, plaintext only to loopback).
    'team:connect': ({ password, ...fields }) => services.team.connectAgent(teamUrlOf(fields), password),
    'team:disconnect': async () => {
      // SECURITY: stopping the shipping of this computer's audit log weakens protection: admin-only when roles apply.
      await services.policy.requireAdmin('settings.weaken');
      return services.team.disconnectAgent();
    },
  };
}
