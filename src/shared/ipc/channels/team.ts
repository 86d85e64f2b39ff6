import { channel } from '../contract';
import { channelWithoutInput } from './no-input';
import { TeamCompareResult, TeamConnectInput, TeamConnectResult, TeamDisconnectResult, TeamPage, TeamQuery, TeamStatus } from '../../domain/team';

/** The `team:*` channels: team mode's state, the team log (admins) and the local-vs-store check. */
export const teamChannels = {
  'team:status': channelWithoutInput('The team log state of this computer: off, in sync, entries waiting, offline since', TeamStatus),
  'team:list': channel({
    summary: 'The team log (security admins), filtered, newest first, keyset-paged',
    input: TeamQuery,
    output: TeamPage,
  }),
  'team:compare': channelWithoutInput('Compare the local audit log with what this computer shipped to the team store', TeamCompareResult),
  'team:connect': channel({
    summary: 'Turn team mode on for this computer: test the agent role, keep the connection and password in the OS keychain, ship',
    input: TeamConnectInput,
    output: TeamConnectResult,
  }),
  'team:disconnect': channelWithoutInput('Turn team mode off for this computer (forgets the connection; the store keeps what was shipped)', TeamDisconnectResult),
};
