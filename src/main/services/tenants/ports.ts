import type { Authsignal } from '@authsignal/node';
import type { Region } from '@shared/domain/tenant';

/**
 * What other domains may use from tenants: the tenant they work on and the SDK client for it.
 * Declared once here; `TenantService` fits every port.
 */

/** What other services need to know about the tenant they work on (never the secret). */
export interface TenantInfo {
  id: string;
  name: string;
  kind: 'local' | 'remote';
  region?: Region;
  apiUrl: string;
  tenantId: string;
}

/** The active tenant and an SDK client for it (or for tenant `id`): what the helpdesk services need. */
export interface TenantAccess {
  activeTenant(): Promise<TenantInfo | null>;
  withClient<T>(fn: (client: Authsignal, tenant: TenantInfo) => Promise<T>, id?: string): Promise<T>;
}
