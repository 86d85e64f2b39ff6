import type { VerificationMethod } from '@shared/domain/authsignal';
import { TENANT_VERIFICATION_METHODS } from '../../actions';
import { ApiError } from '../../http';
import type { ServerDeps, ServerRoute } from './deps';

/**
 * `GET /authenticators` (Server API "Get authenticator configurations"): the authenticators the
 * tenant has configured, each `{ authenticatorId, verificationMethod, isActive }` as the API
 * reference shows. Every method Authdesk uses is configured, plus push (configured but off, so a
 * client has to read `isActive`, as on a real tenant); `emu.activeMethods` says which are on.
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

export function getAuthenticatorConfigurations({ emu }: ServerDeps) {
  if (emu.activeMethods === null) throw new ApiError(404, 'not_found', 'This tenant does not list its authenticator configurations.');
  return configuredAuthenticators(emu.activeMethods);
}

export const tenantRoutes: readonly ServerRoute[] = [{ method: 'GET', path: '/authenticators', handler: getAuthenticatorConfigurations }];
