import { z } from 'zod';
import { channel } from '../contract';
import { SettingsPatch, SettingsView } from '../../domain/settings';
import { EffectivePolicy } from '../../domain/policy';

/** The `settings:*` channels: agent name, per-tenant policy, stale threshold, enrollment action code. */
export const settingsChannels = {
  'settings:get': channel({
    summary: 'The console settings with defaults filled in',
    input: z.object({}).strict(),
    output: SettingsView,
  }),
  'settings:update': channel({
    summary: 'Change some settings (recorded in the audit log); a tenant policy of null resets it',
    input: SettingsPatch,
    output: SettingsView,
  }),
  'settings:confirm-external': channel({
    summary: 'A security admin accepts settings.json as edited outside the app (recorded in the audit log)',
    input: z.object({}).strict(),
    output: SettingsView,
  }),
  'settings:policy': channel({
    summary: 'The policy in force: this account\'s role, and each policy key with where it comes from and whether it is locked',
    input: z.object({}).strict(),
    output: EffectivePolicy,
  }),
};
