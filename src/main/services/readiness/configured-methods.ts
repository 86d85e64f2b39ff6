import type { Authsignal } from '@authsignal/node';
import type { TenantInfo } from '../tenants/ports';
import { fetchConfiguredAuthenticators } from './tenant-doctor';

/**
 * The verification methods a tenant has switched on (Server API `GET /authenticators`), so the
 * guided page, the enrollment panel and caller verification offer only what the tenant can do.
 * Cached per tenant for a few minutes (the console asks on every user it opens). When the list
 * cannot be read, the answer is `null` and callers offer everything, as before: a tenant whose
 * API does not list its configuration must not lose features over it.
 */

/** What it needs from the tenant vault (TenantService fits). */
export interface ConfiguredMethodsTenants {
  withClient<T>(fn: (client: Authsignal, tenant: TenantInfo) => Promise<T>, id?: string): Promise<T>;
}

/** Options of {@link ConfiguredMethods}. */
export interface ConfiguredMethodsOptions {
  tenants: ConfiguredMethodsTenants;
  /** How long a read list is trusted (default 5 minutes). */
  ttlMs?: number;
  /** How long a failed read is remembered before trying again (default 1 minute). */
  failureTtlMs?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  methods: ReadonlySet<string> | null;
}

/** See the file comment. */
export class ConfiguredMethods {
  private readonly cache = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ConfiguredMethodsOptions) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.failureTtlMs = options.failureTtlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The active methods of a tenant (by profile id), or null when they are not known. */
  async activeFor(tenantId: string): Promise<ReadonlySet<string> | null> {
    const cached = this.cache.get(tenantId);
    const now = this.now();
    if (cached && now - cached.at < (cached.methods ? this.ttlMs : this.failureTtlMs)) return cached.methods;
    let methods: ReadonlySet<string> | null;
    try {
      const list = await this.options.tenants.withClient((client) => fetchConfiguredAuthenticators(client), tenantId);
      methods = new Set(list.filter((a) => a.isActive).map((a) => a.verificationMethod));
    } catch {
      methods = null;
    }
    this.cache.set(tenantId, { at: now, methods });
    return methods;
  }

  /** Forgets what was read (after the tenant changed, or when the admin asks to check again). */
  forget(tenantId?: string): void {
    if (tenantId === undefined) this.cache.clear();
    else this.cache.delete(tenantId);
  }
}

/** True when `method` may be offered: it is active, or nothing is known about the tenant. */
export function isOffered(active: ReadonlySet<string> | null, method: string): boolean {
  return active === null || active.has(method);
}
