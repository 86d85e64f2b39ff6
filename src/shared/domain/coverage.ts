import { z } from 'zod';
import { IsoTimestamp } from './fields';
import { PHISHING_RESISTANT_METHODS } from './authsignal';

/**
 * Enrollment coverage: one audit of a tenant's users (the admin brings the list), reported as one
 * row per input line plus a summary. These types are the report's format (CSV/JSON on disk, IPC).
 */

/** Default age, in days, after which an authenticator that was not used counts as stale. */
export const DEFAULT_STALE_DAYS = 180;

/**
 * `ok`: authenticators read; `not-found`: Authsignal has no record of this user (see
 * {@link NOT_FOUND_RULE}); `failed`: the tenant could not answer for this user; `invalid`: the input
 * line was malformed. Only `ok` rows count in the coverage figures.
 */
export const COVERAGE_STATUSES = ['ok', 'not-found', 'failed', 'invalid'] as const;
export const CoverageStatus = z.enum(COVERAGE_STATUSES);
export type CoverageStatus = z.infer<typeof CoverageStatus>;

/**
 * Why a row failed, as a stable code (the `reason` text says it in words). Counted in the summary,
 * so it must stay a small closed set.
 */
export const COVERAGE_FAILURE_CODES = [
  'rate-limited',
  'unavailable',
  'not-found',
  'ambiguous',
  'rejected',
  'bad-response',
  'malformed',
] as const;
export const CoverageFailureCode = z.enum(COVERAGE_FAILURE_CODES);
export type CoverageFailureCode = z.infer<typeof CoverageFailureCode>;

/** One row of the report: one input line, in input order. */
export const CoverageRow = z.object({
  /** 1-based physical line of the input file. */
  line: z.number().int().positive(),
  userId: z.string(),
  /** From the input, the user's email authenticator or profile; empty when unknown. */
  email: z.string(),
  status: CoverageStatus,
  /** Empty for ok rows; otherwise `<code>: <what happened>`. */
  reason: z.string(),
  /** Number of enrolled authenticators. */
  count: z.number().int().nonnegative(),
  /** Distinct verification methods, sorted. */
  methods: z.array(z.string()),
  /** Authenticators per method. */
  methodCounts: z.record(z.string(), z.number().int().positive()),
  /** True when at least one method is phishing-resistant (passkey, security key). */
  phishingResistant: z.boolean(),
  /** Most recent use over all authenticators; null without authenticators. */
  newestLastVerifiedAt: IsoTimestamp.nullable(),
  /** Least recent use over all authenticators; null without authenticators. */
  oldestLastVerifiedAt: IsoTimestamp.nullable(),
  /** Authenticators not used within the stale threshold. */
  staleAuthenticators: z.number().int().nonnegative(),
  /** True when the user has authenticators and none was used within the stale threshold. */
  stale: z.boolean(),
});
export type CoverageRow = z.infer<typeof CoverageRow>;

/**
 * When a user counts as "not found in Authsignal" rather than as a user with no authenticator. The
 * Server API may answer an id it never saw either way, so the rule holds for both readings:
 * - `GET /users/{id}/authenticators` or `GET /users/{id}` answers 404; or
 * - the user has no authenticators AND `GET /users/{id}` shows no trace of a record: not enrolled,
 *   and no email, phone number, username or display name (what Authsignal, and its emulator,
 *   answer for an id nobody ever tracked or updated).
 * A user looked up by email is not found when no user has that email.
 * A real user with no authenticators and no attributes at all is indistinguishable from a typo
 * through the API; such a user is reported as not found too, since Authsignal holds nothing about it.
 */
export const NOT_FOUND_RULE =
  'not found in Authsignal: a 404 for the user, or no authenticators and no record (not enrolled, no email, phone, username or display name)';

/** Per-method counts in the summary. */
export const MethodCount = z.object({
  /** Users with at least one authenticator of this method. */
  users: z.number().int().nonnegative(),
  /** Authenticators of this method over all users. */
  authenticators: z.number().int().nonnegative(),
});
export type MethodCount = z.infer<typeof MethodCount>;

/** The report's summary: counters only, so it stays small whatever the size of the tenant. */
export const CoverageSummary = z.object({
  /** The instant staleness is judged against (the run's start, kept across resumes). */
  asOf: IsoTimestamp,
  staleDays: z.number().int().positive(),
  /** Rows in the report (every non-empty input line after the header). */
  rows: z.number().int().nonnegative(),
  /** Users whose authenticators were read (the base of every coverage figure). */
  users: z.number().int().nonnegative(),
  /** Input values Authsignal has no record of (typos, deleted users): kept out of the figures. */
  notFound: z.number().int().nonnegative().default(0),
  failed: z.number().int().nonnegative(),
  invalid: z.number().int().nonnegative(),
  byCount: z.object({
    zero: z.number().int().nonnegative(),
    one: z.number().int().nonnegative(),
    twoPlus: z.number().int().nonnegative(),
  }),
  /** Users with at least one phishing-resistant method. */
  phishingResistant: z.number().int().nonnegative(),
  /** phishingResistant / users (0 when no users). */
  phishingResistantShare: z.number().min(0).max(1),
  /** Users with authenticators, none of them phishing-resistant. */
  phishableOnly: z.number().int().nonnegative(),
  /** Users whose authenticators all went unused beyond the threshold. */
  stale: z.number().int().nonnegative(),
  methods: z.record(z.string(), MethodCount),
  failuresByCode: z.record(z.string(), z.number().int().nonnegative()),
  /** Line numbers of the first malformed input lines (all of them are rows with status `invalid`). */
  invalidLines: z.array(z.number().int().positive()),
});
export type CoverageSummary = z.infer<typeof CoverageSummary>;

/** How many malformed line numbers the summary lists (the report has all of them). */
export const SUMMARY_INVALID_LINES_MAX = 100;

/** An empty summary for a run that starts now. */
export function emptySummary(asOf: string, staleDays: number): CoverageSummary {
  return {
    asOf,
    staleDays,
    rows: 0,
    users: 0,
    notFound: 0,
    failed: 0,
    invalid: 0,
    byCount: { zero: 0, one: 0, twoPlus: 0 },
    phishingResistant: 0,
    phishingResistantShare: 0,
    phishableOnly: 0,
    stale: 0,
    methods: {},
    failuresByCode: {},
    invalidLines: [],
  };
}

/** Counts one row into a summary (mutates and returns it). Pure arithmetic, shared by main and tests. */
export function addToSummary(summary: CoverageSummary, row: CoverageRow): CoverageSummary {
  summary.rows++;
  if (row.status === 'invalid') {
    summary.invalid++;
    if (summary.invalidLines.length < SUMMARY_INVALID_LINES_MAX) summary.invalidLines.push(row.line);
    summary.failuresByCode.malformed = (summary.failuresByCode.malformed ?? 0) + 1;
    return summary;
  }
  if (row.status === 'not-found') {
    summary.notFound++;
    return summary;
  }
  if (row.status === 'failed') {
    summary.failed++;
    const code = failureCodeOf(row.reason);
    summary.failuresByCode[code] = (summary.failuresByCode[code] ?? 0) + 1;
    return summary;
  }
  summary.users++;
  if (row.count === 0) summary.byCount.zero++;
  else if (row.count === 1) summary.byCount.one++;
  else summary.byCount.twoPlus++;
  if (row.phishingResistant) summary.phishingResistant++;
  else if (row.count > 0) summary.phishableOnly++;
  if (row.stale) summary.stale++;
  for (const [method, n] of Object.entries(row.methodCounts)) {
    const entry = (summary.methods[method] ??= { users: 0, authenticators: 0 });
    entry.users++;
    entry.authenticators += n;
  }
  summary.phishingResistantShare = summary.users === 0 ? 0 : summary.phishingResistant / summary.users;
  return summary;
}

/** The code at the start of a failure reason (`unavailable: …` -> `unavailable`). */
export function failureCodeOf(reason: string): string {
  const code = reason.split(':', 1)[0].trim();
  return (COVERAGE_FAILURE_CODES as readonly string[]).includes(code) ? code : 'unavailable';
}

/** True for a method that resists phishing. Unknown (newer) methods count as phishable. */
export function isPhishingResistant(method: string): boolean {
  return (PHISHING_RESISTANT_METHODS as readonly string[]).includes(method);
}

/** Column order of the CSV report. */
export const COVERAGE_CSV_COLUMNS = [
  'line',
  'userId',
  'email',
  'status',
  'reason',
  'count',
  'methods',
  'methodCounts',
  'phishingResistant',
  'newestLastVerifiedAt',
  'oldestLastVerifiedAt',
  'staleAuthenticators',
  'stale',
] as const;

/** Separator of `methods` inside one CSV cell. */
export const METHODS_SEPARATOR = ';';

/** Options of a run, as a person sets them (CLI flags, the console form). */
export const CoverageRunOptions = z
  .object({
    /** Days without use after which an authenticator is stale. */
    staleDays: z.number().int().min(1).max(3650).default(DEFAULT_STALE_DAYS),
    /** Most requests in flight at once. */
    concurrencyMax: z.number().int().min(1).max(256).default(32),
    /** A hard ceiling on requests per second (the tenant's known limit); learned from 429s when absent. */
    rateLimit: z.number().positive().max(100_000).optional(),
    /** What the input lines hold: user ids, emails (resolved with queryUsers), or decided by the header. */
    by: z.enum(['auto', 'userId', 'email']).default('auto'),
    /** Name of the CSV column to read the user id or email from (default: found by name). */
    column: z.string().trim().min(1).max(100).optional(),
    /** Also read each user's profile (one more request per user) to fill in the email. */
    withProfile: z.boolean().default(false),
  })
  .strict();
export type CoverageRunOptions = z.input<typeof CoverageRunOptions>;
export type CoverageRunSettings = z.output<typeof CoverageRunOptions>;

/** Where a run is. */
export const COVERAGE_STATES = ['running', 'throttled', 'completed', 'cancelled', 'failed'] as const;
export const CoverageState = z.enum(COVERAGE_STATES);
export type CoverageState = z.infer<typeof CoverageState>;

/** A progress report: pushed as `coverage:progress-changed` and printed by the CLI. */
export const CoverageProgress = z.object({
  runId: z.string(),
  state: CoverageState,
  /** Rows written so far (ok + failed + invalid), including those of earlier sessions of a resumed run. */
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  invalid: z.number().int().nonnegative(),
  /** Rows the input will give (non-empty lines after the header), when known. */
  total: z.number().int().nonnegative().nullable(),
  /** Rows per second over the last few seconds. */
  rowsPerSecond: z.number().nonnegative(),
  /** Seconds left at the current pace, when the total is known and the pace is not zero. */
  etaSeconds: z.number().nonnegative().nullable(),
  /** The request rate the scheduler currently allows (learned from the tenant). */
  allowedRate: z.number().nonnegative(),
  /** 429 answers seen in this session. */
  http429: z.number().int().nonnegative(),
  /** Requests sent again (after a 429, a 5xx or a reset) in this session. */
  retries: z.number().int().nonnegative(),
  elapsedSeconds: z.number().nonnegative(),
  /** When the run stopped on an error: what happened, in words. */
  error: z.string().optional(),
});
export type CoverageProgress = z.infer<typeof CoverageProgress>;

/** Buckets of authenticator counts, as the summary and the filters name them. */
export const COUNT_BUCKETS = ['0', '1', '2+'] as const;
export const CountBucket = z.enum(COUNT_BUCKETS);
export type CountBucket = z.infer<typeof CountBucket>;

/** A method name as Authsignal spells them (UPPER_SNAKE). */
export const MethodName = z.string().regex(/^[A-Z][A-Z0-9_]{0,59}$/, 'Use a method name such as PASSKEY or SMS');

/**
 * Which rows of a report to show. Every field narrows (AND); the list fields match any of their
 * values (OR). The console keeps filters in the URL and as named saved views.
 */
export const CoverageFilter = z
  .object({
    status: z.array(CoverageStatus).max(COVERAGE_STATUSES.length).optional(),
    authenticators: z.array(CountBucket).max(COUNT_BUCKETS.length).optional(),
    phishingResistant: z.boolean().optional(),
    stale: z.boolean().optional(),
    /** Rows with an authenticator of this method. */
    method: MethodName.optional(),
    /** Case-insensitive text in the user id, email or reason. */
    text: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type CoverageFilter = z.infer<typeof CoverageFilter>;

/** The bucket of a row's authenticator count. */
export function countBucketOf(count: number): CountBucket {
  return count === 0 ? '0' : count === 1 ? '1' : '2+';
}

/** True when a row passes a filter. */
export function matchesFilter(row: CoverageRow, filter: CoverageFilter): boolean {
  if (filter.status && filter.status.length > 0 && !filter.status.includes(row.status)) return false;
  if (filter.authenticators && filter.authenticators.length > 0) {
    if (row.status !== 'ok' || !filter.authenticators.includes(countBucketOf(row.count))) return false;
  }
  if (filter.phishingResistant !== undefined && (row.status !== 'ok' || row.phishingResistant !== filter.phishingResistant)) return false;
  if (filter.stale !== undefined && (row.status !== 'ok' || row.stale !== filter.stale)) return false;
  if (filter.method !== undefined && !row.methods.includes(filter.method)) return false;
  if (filter.text !== undefined) {
    const needle = filter.text.toLowerCase();
    if (!row.userId.toLowerCase().includes(needle) && !row.email.toLowerCase().includes(needle) && !row.reason.toLowerCase().includes(needle)) return false;
  }
  return true;
}
