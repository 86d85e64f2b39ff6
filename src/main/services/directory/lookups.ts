import type { Authsignal, QueryUsersResponse } from '@authsignal/node';
import type { SearchField, UserSummary } from '@shared/domain/user';
import { AppError, isAppError, type ErrorInfo } from '@shared/errors';
import type { UserSearchResult } from '@shared/ipc/channels/users';
import type { Lookup } from '@shared/lib/query';
import { pathSegment } from '../platform/authsignal-client';
import { profileHasData, summaryFromProfile, summaryFromQuery, toProfile } from './sdk-converters';

/**
 * The exact lookups one search runs against the tenant, how a newer search in the same stream
 * supersedes them, and how their hits merge into one answer.
 */

/** Thrown inside a search when a newer one in the same stream started. */
export class Superseded extends Error {
  constructor() {
    super('superseded');
    this.name = 'Superseded';
  }
}

/** Resolves or rejects like `promise`, but rejects with {@link Superseded} as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(new Superseded());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Superseded());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export const errorInfoOf = (error: unknown): ErrorInfo =>
  isAppError(error) ? AppError.prototype.toInfo.call(error) : { code: 'internal', message: 'The lookup failed unexpectedly.' };

/** One exact lookup. `getUser` answers any id, so an id counts as found only when it holds data. */
export async function runLookup(client: Authsignal, lookup: Lookup, limit: number): Promise<{ users: UserSummary[]; truncated: boolean }> {
  const matched: SearchField[] = [lookup.field];
  if (lookup.field === 'userId') {
    const user = await client.getUser({ userId: pathSegment(lookup.value) });
    const profile = toProfile(lookup.value, user);
    return { users: profileHasData(profile) ? [summaryFromProfile(profile, matched)] : [], truncated: false };
  }
  let answer: QueryUsersResponse = await client.queryUsers({ [lookup.field]: lookup.value, limit: limit });
  // Query Users does not say whether email matching ignores case; an exact lookup that finds nobody
  // is tried once more lowercased (how most sign-up forms store addresses).
  const lowered = lookup.value.toLowerCase();
  if (lookup.field === 'email' && lowered !== lookup.value && (!Array.isArray(answer?.users) || answer.users.length === 0)) {
    answer = await client.queryUsers({ email: lowered, limit: limit });
  }
  const users = (Array.isArray(answer?.users) ? answer.users : [])
    .map((u) => summaryFromQuery(u as unknown as Record<string, unknown>, matched))
    .filter((u): u is UserSummary => u !== undefined);
  return { users, truncated: !!answer?.lastEvaluatedUserId || users.length >= limit };
}

/** What the lookups found together: hits merged per user, the lookups that failed, and whether any was cut short. */
export function mergeLookups(
  lookups: Lookup[],
  settled: PromiseSettledResult<{ users: UserSummary[]; truncated: boolean }>[],
): { results: UserSummary[]; failedLookups: UserSearchResult['failedLookups']; truncated: boolean } {
const merged = new Map<string, UserSummary>();
const failedLookups: UserSearchResult['failedLookups'] = [];
let truncated = false;
settled.forEach((s, i) => {
  const field = lookups[i].field;
  if (s.status === 'rejected') {
    if (!(s.reason instanceof Superseded)) failedLookups.push({ field, error: errorInfoOf(s.reason) });
    return;
  }
  truncated ||= s.value.truncated;
  for (const hit of s.value.users) {
    const seen = merged.get(hit.userId);
    merged.set(hit.userId, seen ? mergeSummaries(seen, hit) : hit);
  }
});
const results = [...merged.values()];
  return { results, failedLookups, truncated };
}

/** Two hits for the same user: union of why they matched, first non-empty value of each field. */
function mergeSummaries(a: UserSummary, b: UserSummary): UserSummary {
  return {
    userId: a.userId,
    email: a.email ?? b.email,
    emailVerified: a.emailVerified ?? b.emailVerified,
    phoneNumber: a.phoneNumber ?? b.phoneNumber,
    phoneNumberVerified: a.phoneNumberVerified ?? b.phoneNumberVerified,
    username: a.username ?? b.username,
    displayName: a.displayName ?? b.displayName,
    isEnrolled: a.isEnrolled ?? b.isEnrolled,
    matchedBy: [...new Set([...a.matchedBy, ...b.matchedBy])],
  };
}


/**
 * A re-fetch of the user the agent has open (a window reload, a refresh after a change) within this
 * long of the recorded lookup is the same lookup, not a new one.
 */
export const LOOKUP_REPEAT_MS = 5 * 60 * 1000;

/**
 * The user last recorded as opened, per tenant profile id.
 * SECURITY: the log says who looked at which user when. Re-reading the user who is already open
 * within LOOKUP_REPEAT_MS of the recorded lookup adds no new fact, so it is not a new entry; another
 * user in between, or a look after the window, is. Memory only, like the recent users.
 */
export class RecordedLookups {
  private readonly last = new Map<string, { userId: string; at: number }>();

  isRepeat(tenantId: string, userId: string, now: number): boolean {
    const last = this.last.get(tenantId);
    return last !== undefined && last.userId === userId && now - last.at < LOOKUP_REPEAT_MS;
  }

  recorded(tenantId: string, userId: string, now: number): void {
    this.last.set(tenantId, { userId, at: now });
  }
}
