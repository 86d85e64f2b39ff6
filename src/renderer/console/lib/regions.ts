import type { Region } from '@shared/domain/tenant';

/**
 * Hosted regions as a person reads them. `satisfies` makes the compiler demand a label for every
 * region in the shared domain, without bundling the domain's zod schemas into the console.
 */
export const REGION_LABELS = {
  us: 'United States (api.authsignal.com)',
  au: 'Australia (au.api.authsignal.com)',
  eu: 'Europe (eu.api.authsignal.com)',
  ca: 'Canada (ca.api.authsignal.com)',
  uk: 'United Kingdom (uk.api.authsignal.com)',
} as const satisfies Record<Region, string>;

/** The regions in the order the select shows them. */
export const REGION_OPTIONS = Object.entries(REGION_LABELS).map(([value, label]) => ({ value: value as Region, label }));

/** Short name of a region, e.g. "Europe". */
export function regionName(region: Region): string {
  return REGION_LABELS[region].replace(/ \(.*\)$/, '');
}
