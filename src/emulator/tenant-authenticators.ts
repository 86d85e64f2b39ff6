import type { VerificationMethod } from '@shared/domain/authsignal';
import { TENANT_VERIFICATION_METHODS } from './actions';
import { requireSecret } from './auth';
import type { Emu } from './context';
import type { Router } from './http';

/**
 * `GET /v1/authenticators` (Server API "Get authenticator configurations"): the authenticators the
 * tenant has configured, each `{ authenticatorId, verificationMethod, isActive }` as the API
 * reference shows. The local tenant has every method Authdesk uses switched on and push configured
 * but off (so a client has to read `isActive`, as on a real tenant).
 */
export function configuredAuthenticators(active: readonly VerificationMethod[] = TENANT_VERIFICATION_METHODS): Record<string, unknown>[] {
  const all: VerificationMethod[] = [...new Set<VerificationMethod>([...TENANT_VERIFICATION_METHODS, 'PUSH'])];
  return all.map((method) => ({
    authenticatorId: `cfg_${method.toLowerCase()}`,
    verificationMethod: method,
    isActive: active.includes(method),
    isEditableByUser: true,
    isHiddenToUser: false,
    ...(method === 'SMS' ? { smsChannel: 'DEFAULT' } : {}),
  }));
}

/** Registers the route (secret auth applied). */
export function registerTenantAuthenticators(router: Router, emu: Emu): void {
  router.on('GET', '/v1/authenticators', ({ req }) => {
    requireSecret(req, emu.secret);
    return configuredAuthenticators(emu.activeMethods);
  });
}
