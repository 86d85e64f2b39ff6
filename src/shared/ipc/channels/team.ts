import { z } from 'zod';
import { channel } from '../contract';
import { TeamCompareResult, TeamConnectInput, TeamConnectResult, TeamDisconnectResult, TeamPage, TeamQuery, TeamStatus } from '../../domain/team';

/** The `team:*` channels: team mode's state, the team log (admins) and the local-vs-store check. */
export const teamChannels = {
  'team:status': channel({
    summary: 'The team log state of this computer: off, in sync, entries waiting, offline since',
    input: z.object({}).strict(),
    output: TeamStatus,
  }),
  'team:list': channel({
    summary: 'The team log (security admins), filtered, newest first, keyset-paged',
    input: TeamQuery,
    output: TeamPage,
  }),
  'team:compare': channel({
    summary: 'Compare the local audit log with what this computer shipped to the team store',
    input: z.object({}).strict(),
    output: TeamCompareResult,
  }),
  'team:connect': channel({
    summary: 'Turn team mode on for this computer: test the agent role, keep the connection and password in the OS keychain, ship',
    input: TeamConnectInput,
    output: TeamConnectResult,
  }),
  'team:disconnect': channel({
    summary: 'Turn team mode off for this computer (forgets the connection; the store keeps what was shipped)',
    input: z.object({}).strict(),
    output: TeamDisconnectResult,
  }),
};
