import { AppError } from '@shared/errors';
import type { TransportConfig } from './transport';

/** The tenant a run reads, with what the transport needs (the secret stays in main, in memory). */
export interface CoverageTenant {
  id: string;
  name: string;
  connection: TransportConfig;
}

/** How the service reaches the active tenant (the vault's job). */
export type TenantResolver = (ref?: string) => Promise<CoverageTenant>;

/**
 * Resolves tenants through the vault: the active one, or a profile by id or name. The transport
 * gets the SDK client's URL and secret (held in main's memory only; never returned over IPC).
 */
export function tenantResolverFor(tenants: TenantVault): TenantResolver {
  return async (ref) => {
    const tenant = ref === undefined ? await tenants.activeTenant() : await tenants.resolve(ref);
    if (!tenant) {
      throw new AppError('not-found', 'No tenant is active. Add one (authdesk tenant add) or pick one (authdesk tenant use <id>), then run coverage again.');
    }
    const client = await tenants.clientFor(tenant.id);
    return { id: tenant.id, name: tenant.name, connection: { apiUrl: client.apiUrl, secret: client.apiSecretKey } };
  };
}

/** The tenant vault, as far as coverage needs it (structural: the container passes the TenantService). */
export interface TenantVault {
  activeTenant(): Promise<{ id: string; name: string } | null>;
  resolve(ref: string): Promise<{ id: string; name: string }>;
  clientFor(id: string): Promise<{ apiUrl: string; apiSecretKey: string }>;
}
