/** What other domains need from readiness, declared once here (the container wires them). */

/**
 * The verification methods a tenant has switched on (`GET /authenticators`), by profile id, or
 * null when they could not be read (callers then offer every method, with a note).
 * ConfiguredMethods fits.
 */
export interface ConfiguredMethodsPort {
  activeFor(tenantId: string): Promise<ReadonlySet<string> | null>;
}
