import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `settings:*` channel names. */
type SettingsChannel = Extract<keyof Handlers, `settings:${string}`>;

/** Handlers for `settings:*`; the service records every change in the audit log. */
export function settingsHandlers(services: Services): Pick<Handlers, SettingsChannel> {
  // Resolved per call, not captured: lets a container build its services lazily.
  return {
    'settings:get': () => services.settings.get(),
    'settings:update': (patch) => services.settings.update(patch),
    // SECURITY: admin-only (refused and audited for agents inside the service).
    'settings:confirm-external': () => services.settings.confirmExternal(),
    // Read-only: what the console hides for a role and marks as locked. SECURITY: main still refuses
    // every operation the role may not do; this only keeps the UI honest.
    'settings:policy': () => services.policy.effective(),
  };
}
