import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LOCAL_TENANT_ID, REGION_API_URLS, Region, type TenantSummary } from '@shared/domain/tenant';
import { AppError } from '@shared/errors';

/** Tenant profiles as saved in `tenants.json`, and what may be said about them outside main. */

/** File name of the profile list inside the data dir. */
export const TENANTS_FILE = 'tenants.json';

/** A saved tenant profile as stored on disk: everything but the secret. */
export const TenantProfile = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  name: z.string(),
  /** A hosted region, or absent when `apiUrl` is set. */
  region: Region.optional(),
  /** A custom Server API URL, or absent when `region` is set. */
  apiUrl: z.string().optional(),
  tenantId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TenantProfile = z.infer<typeof TenantProfile>;

/** The on-disk shape of `tenants.json`. */
export const TenantsFile = z.object({
  version: z.literal(1),
  activeId: z.string().nullable(),
  profiles: z.array(TenantProfile),
});
export type TenantsFile = z.infer<typeof TenantsFile>;

/** First 8 hex chars of the SHA-256 of a secret: enough to tell two secrets apart, useless to an attacker. */
export function fingerprintSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8);
}

/** The Server API base URL of a profile. */
export function apiUrlOf(location: { region?: Region; apiUrl?: string }): string {
  if (location.region) return REGION_API_URLS[location.region];
  if (location.apiUrl) return location.apiUrl.replace(/\/+$/, '');
  throw new AppError('internal', 'This tenant has neither a region nor an API URL. Remove it and add it again.');
}

/**
 * The summary of a profile that may leave main. Built field by field from the profile (never by
 * spreading), so nothing else can ride along; the secret is only hashed.
 */
export function toSummary(profile: TenantProfile, state: { active: boolean; secret: string | null; kind?: 'local' | 'remote' }): TenantSummary {
  const summary: TenantSummary = {
    id: profile.id,
    name: profile.name,
    kind: state.kind ?? 'remote',
    apiUrl: apiUrlOf(profile),
    tenantId: profile.tenantId,
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
    active: state.active,
    hasSecret: state.secret !== null,
  };
  if (profile.region) summary.region = profile.region;
  // SECURITY: only a short hash of the secret leaves this function, never the secret.
  if (state.secret !== null) summary.secretFingerprint = fingerprintSecret(state.secret);
  return summary;
}

/** A readable, stable profile id from a name (`Prod EU` -> `prod-eu`). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'tenant';
}

/** A profile id not yet taken in `file` (nor by the local tenant). */
export function uniqueId(base: string, file: TenantsFile): string {
  const taken = new Set([LOCAL_TENANT_ID, ...file.profiles.map((p) => p.id)]);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
