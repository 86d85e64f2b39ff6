import type { Services } from '../../services/container';
import type { Handlers } from '../router';
import { appHandlers } from './app';
import { tenantHandlers } from './tenants';
import { userHandlers } from './users';
import { authenticatorHandlers } from './authenticators';
import { auditHandlers } from './audit';
import { teamHandlers } from './team';
import { settingsHandlers } from './settings';
import { verificationHandlers } from './verification';
import { enrollmentHandlers } from './enrollment';
import { bridgeHandlers } from './bridge';
import { coverageHandlers } from './coverage';

/** The complete channel -> handler table over the services. Each domain contributes its part. */
export function createHandlers(services: Services): Handlers {
  return {
    ...appHandlers(services),
    ...tenantHandlers(services),
    ...auditHandlers(services),
    ...teamHandlers(services),
    ...settingsHandlers(services),
    ...verificationHandlers(services),
    ...enrollmentHandlers(services),
    ...bridgeHandlers(services),
    ...coverageHandlers(services),
    ...userHandlers(services),
    ...authenticatorHandlers(services),
  };
}
