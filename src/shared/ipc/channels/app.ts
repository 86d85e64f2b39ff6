import { z } from 'zod';
import { channelWithoutInput } from './no-input';

/** Facts about the running app that the console shows (never paths to secrets). */
export const AppInfo = z.object({
  version: z.string(),
  platform: z.string(),
  /** True when the console talks to the built-in local tenant. */
  localTenant: z.boolean(),
  /** Where the local tenant's pre-built UI and outbox live, when it runs. */
  localTenantUrl: z.string().optional(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appChannels = {
  'app:info': channelWithoutInput('Version and mode of the running app', AppInfo),
};
