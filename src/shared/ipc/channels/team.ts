import { z } from 'zod';
import { channel } from '../contract';
import { TeamCompareResult, TeamPage, TeamQuery, TeamStatus } from '../../domain/team';

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
};
