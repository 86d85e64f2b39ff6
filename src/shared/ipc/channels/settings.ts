import { channel } from '../contract';
import { channelWithoutInput } from './no-input';
import { SettingsPatch, SettingsView } from '../../domain/settings';
import { EffectivePolicy } from '../../domain/policy';

/** The `settings:*` channels: agent name, per-tenant policy, stale threshold, enrollment action code. */
export const settingsChannels = {
  'settings:get': channelWithoutInput('The console settings with defaults filled in', SettingsView),
  'settings:update': channel({
    summary: 'Change some settings (recorded in the audit log); a tenant policy of null resets it',
    input: SettingsPatch,
    output: SettingsView,
  }),
  'settings:confirm-external': channelWithoutInput('A security admin accepts settings.json as edited outside the app (recorded in the audit log)', SettingsView),
  'settings:policy': channelWithoutInput(
    "The policy in force: this account's role, and each policy key with where it comes from and whether it is locked",
    EffectivePolicy,
  ),
};
