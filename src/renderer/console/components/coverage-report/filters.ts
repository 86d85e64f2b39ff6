import type { LocationQuery, LocationQueryRaw } from 'vue-router';
import { z } from 'zod';
import { COUNT_BUCKETS, COVERAGE_STATUSES, CoverageFilter, type CountBucket, type CoverageStatus } from '@shared/domain/coverage';

/**
 * Report filters as the console keeps them: in the URL (so a view can be bookmarked, shared within
 * the app, and survives a reload) and as named saved views.
 */

/** A named filter. */
export interface SavedView {
  name: string;
  filter: CoverageFilter;
  /** Built-in views cannot be deleted. */
  builtIn?: boolean;
}

/** The views every admin starts with: the questions an enrollment audit asks first. */
export const BUILT_IN_VIEWS: readonly SavedView[] = [
  { name: 'Everyone', filter: {}, builtIn: true },
  { name: 'No authenticator', filter: { authenticators: ['0'] }, builtIn: true },
  { name: 'Phishable only', filter: { authenticators: ['1', '2+'], phishingResistant: false }, builtIn: true },
  { name: 'Phishing-resistant', filter: { phishingResistant: true }, builtIn: true },
  { name: 'Stale', filter: { stale: true }, builtIn: true },
  { name: 'Not found in Authsignal', filter: { status: ['not-found'] }, builtIn: true },
  { name: 'Failed or malformed', filter: { status: ['failed', 'invalid'] }, builtIn: true },
];

const list = (value: LocationQuery[string]): string[] =>
  (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value])
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
const one = (value: LocationQuery[string]): string | undefined => list(value)[0];
const bool = (value: LocationQuery[string]): boolean | undefined => (one(value) === 'yes' ? true : one(value) === 'no' ? false : undefined);

/** The filter a URL query describes; anything unreadable is dropped, never trusted. */
export function queryToFilter(query: LocationQuery): CoverageFilter {
  const candidate: Record<string, unknown> = {
    status: list(query.status).filter((s): s is CoverageStatus => (COVERAGE_STATUSES as readonly string[]).includes(s)),
    authenticators: list(query.count).filter((c): c is CountBucket => (COUNT_BUCKETS as readonly string[]).includes(c)),
    phishingResistant: bool(query.pr),
    stale: bool(query.stale),
    method: one(query.method),
    text: one(query.q),
  };
  const cleaned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(candidate)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    // Each field on its own, so one bad field does not throw the others away.
    const field = CoverageFilter.shape[key as keyof typeof CoverageFilter.shape];
    const parsed = field.safeParse(value);
    if (parsed.success && parsed.data !== undefined) cleaned[key] = parsed.data;
  }
  return cleaned;
}

/** The URL query of a filter (short keys; empty fields left out). */
export function filterToQuery(filter: CoverageFilter): LocationQueryRaw {
  const query: LocationQueryRaw = {};
  if (filter.status?.length) query.status = filter.status.join(',');
  if (filter.authenticators?.length) query.count = filter.authenticators.join(',');
  if (filter.phishingResistant !== undefined) query.pr = filter.phishingResistant ? 'yes' : 'no';
  if (filter.stale !== undefined) query.stale = filter.stale ? 'yes' : 'no';
  if (filter.method) query.method = filter.method;
  if (filter.text) query.q = filter.text;
  return query;
}

/** True when two filters select the same rows (same fields, same values, any order). */
export function sameFilter(a: CoverageFilter, b: CoverageFilter): boolean {
  const norm = (f: CoverageFilter) => JSON.stringify(filterToQuery(f), Object.keys(filterToQuery(f)).sort());
  return norm(a) === norm(b);
}

/** True when nothing is filtered. */
export function isEmptyFilter(filter: CoverageFilter): boolean {
  return Object.keys(filterToQuery(filter)).length === 0;
}

export const SAVED_VIEWS_KEY = 'authdesk.coverage.savedViews';
const Stored = z.array(z.object({ name: z.string().trim().min(1).max(60), filter: CoverageFilter }));

/**
 * SECURITY: saved views go to localStorage, which is on disk, so they keep only the structural
 * filters: the free-text filter can hold an email or a user id (personal data) and stays in the
 * URL of the session only.
 */
export function withoutText(filter: CoverageFilter): CoverageFilter {
  const { text: _text, ...rest } = filter;
  return rest;
}

/** The person's saved views (a damaged entry is ignored, not fatal). */
export function loadSavedViews(storage: Pick<Storage, 'getItem'> = localStorage): SavedView[] {
  try {
    const parsed = Stored.safeParse(JSON.parse(storage.getItem(SAVED_VIEWS_KEY) ?? '[]'));
    return parsed.success ? parsed.data.map((v) => ({ name: v.name, filter: withoutText(v.filter) })) : [];
  } catch {
    return [];
  }
}

/** Stores the person's saved views (built-in ones are not stored). */
export function storeSavedViews(views: readonly SavedView[], storage: Pick<Storage, 'setItem'> = localStorage): void {
  const own = views.filter((v) => !v.builtIn).map((v) => ({ name: v.name, filter: withoutText(v.filter) }));
  storage.setItem(SAVED_VIEWS_KEY, JSON.stringify(own));
}
