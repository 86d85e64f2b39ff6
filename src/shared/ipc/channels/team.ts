import { channel } from '../contract';
import { channelWithoutInput } from './no-input';
import { TeamCompareResult, TeamPage, TeamQuery, TeamStatus } from '../../domain/team';

/** The `team:*` channels: team mode's state, the team log (admins) and the local-vs-store check. */
export const teamChannels = {
  'team:status': channelWithoutInput('The team log state of this computer: off, in sync, entries waiting, offline since', TeamStatus),
  'team:list': channel({
    summary: 'The team log (security admins), filtered, newest first, keyset-paged',
    input: TeamQuery,
    output: TeamPage,
  }),
  'team:compare': channelWithoutInput('Compare the local audit log with what this computer shipped to the team store', TeamCompareResult),
};
