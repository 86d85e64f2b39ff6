import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `authenticators:*` channel names. */
type AuthenticatorChannel = Extract<keyof Handlers, `authenticators:${string}`>;

/**
 * Handlers for `authenticators:*`. The schemas already required a reason, a ticket and the typed
 * confirmation; the service re-checks the guardrails on fresh data and records the outcome.
 */
export function authenticatorHandlers(services: Services): Pick<Handlers, AuthenticatorChannel> {
  const { directory } = services;
  return {
    'authenticators:remove': (input) => directory.removeAuthenticator(input),
    'authenticators:remove-all': (input) => directory.removeAllAuthenticators(input),
  };
}
