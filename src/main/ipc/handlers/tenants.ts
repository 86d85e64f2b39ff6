import type { Services } from '../../services/container';
import { TenantDoctor } from '../../services/readiness/tenant-doctor';
import type { Handlers } from '../router';

/** The `tenants:*` channel names. */
type TenantChannel = Extract<keyof Handlers, `tenants:${string}`>;

/**
 * Handlers for `tenants:*`: thin, since the router already parsed the input and the service
 * does the work. The secret arrives in `add`/`rotate-secret`/`test` inputs and goes only to the
 * service (and from there only to the keychain or the Authsignal call); outputs are summaries.
 */
export function tenantHandlers(services: Services): Pick<Handlers, TenantChannel> {
  const { tenants } = services;
  const doctor = new TenantDoctor({ tenants, settings: services.settings, audit: services.audit });
  return {
    'tenants:list': () => tenants.list(),
    'tenants:add': (input) => tenants.add(input),
    'tenants:rename': ({ id, name }) => tenants.rename(id, name),
    'tenants:set-active': ({ id }) => tenants.setActive(id),
    'tenants:rotate-secret': ({ id, secret, testFirst }) => tenants.rotateSecret(id, secret, testFirst),
    'tenants:test': (input) => tenants.test(input),
    'tenants:check-readiness': ({ id, probeActions }) => {
      // An admin checks readiness after changing the tenant in the portal: offer what it says now.
      services.configuredMethods.forget(id);
      return doctor.check({ id, probeActions });
    },
    'tenants:remove': ({ id }) => tenants.remove(id),
  };
}
