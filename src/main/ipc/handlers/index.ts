import type { Services } from '../../services/container';
import { AppError } from '../../../shared/errors';
import type { Handlers } from '../router';

const notYet = (): never => {
  throw new AppError('unavailable', 'This part of Authdesk is not built yet.');
};

/** The complete channel -> handler table over the services. Each domain contributes its part. */
export function createHandlers(services: Services): Handlers {
  return {
    'app:info': () => ({ version: services.options.appVersion, platform: 'node', localTenant: false }),
    'tenants:list': notYet,
    'tenants:add': notYet,
    'tenants:rename': notYet,
    'tenants:set-active': notYet,
    'tenants:rotate-secret': notYet,
    'tenants:test': notYet,
    'tenants:remove': notYet,
  };
}
