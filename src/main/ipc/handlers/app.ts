import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** Handler for `app:info`: version and mode; never a path or anything from the keychain. */
export function appHandlers(services: Services): Pick<Handlers, 'app:info'> {
  return {
    'app:info': async () => {
      const active = await services.tenants.activeTenant().catch(() => null);
      const local = services.options.localTenant;
      return {
        version: services.options.appVersion,
        platform: process.platform,
        localTenant: active?.kind === 'local',
        ...(local ? { localTenantUrl: new URL(local.apiUrl).origin } : {}),
      };
    },
  };
}
