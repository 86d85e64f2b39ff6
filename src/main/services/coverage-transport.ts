import { z } from 'zod';

/**
 * The coverage run's HTTP client for the three read-only Server API calls it makes:
 * `GET /users/{userId}/authenticators`, `GET /users/{userId}` and `GET /users?email=`.
 *
 * Why not `@authsignal/node` here, when the rest of Authdesk uses it: a tenant-scale fan-out needs
 * the scheduler to own every retry and see every answer, and the SDK (2.21) gets in the way:
 * - its axios-retry interceptor lives on the process-wide default axios instance, and whichever
 *   interceptor runs first decides the retry count for every request through it, so even a
 *   dedicated `retries: 0` client is retried (with its own exponential delay, blind to our pacer)
 *   as soon as any other client in the process was built with retries (the tenant vault's is);
 * - it sets no timeout and takes no AbortSignal, so a hung connection hangs a worker forever and
 *   cancel cannot stop requests in flight;
 * - it interpolates the user id into the path unencoded, so an id from an admin's CSV holding `/`,
 *   `?`, `#` or `..` would address another resource (and count its answer for this user);
 * - a 429's Retry-After is only reachable through `err.axiosError.response.headers`.
 * These calls are plain GETs with the same contract the SDK uses (Basic auth with the secret as
 * user name, JSON answers, `{ error, errorDescription }` bodies), so Node's fetch does them with
 * full control over timeout, abort and headers. Anything that writes stays on the SDK.
 */

/** The subset of an authenticator the report needs; other fields are ignored, not rejected. */
export const AuthenticatorFacts = z.object({
  // Authsignal's methods are UPPER_SNAKE enum names; anything else is kept as UNKNOWN so it can
  // neither break the report's `;`/`=` cells nor land on an object prototype key as a count.
  verificationMethod: z.string().transform((v) => (/^[A-Z][A-Z0-9_]{0,59}$/.test(v) ? v : 'UNKNOWN')),
  createdAt: z.string().optional(),
  verifiedAt: z.string().optional().nullable(),
  lastVerifiedAt: z.string().optional().nullable(),
  email: z.string().optional().nullable(),
});
export type AuthenticatorFacts = z.infer<typeof AuthenticatorFacts>;

const AuthenticatorList = z.array(AuthenticatorFacts);
const UserProfile = z.object({ email: z.string().optional().nullable() });
const UserQueryPage = z.object({ users: z.array(z.object({ userId: z.string(), email: z.string().optional().nullable() })) });

/** The outcome of one request, classified for the scheduler. */
export type CallResult<T> =
  | { kind: 'ok'; value: T }
  /** 429: the tenant's rate limit. */
  | { kind: 'throttled'; retryAfterMs: number | null }
  /** 5xx, a reset connection or a timeout: safe to send again (every call here is a GET). */
  | { kind: 'transient'; retryAfterMs: number | null; detail: string }
  /** 401/403: the credentials are wrong for the whole run. */
  | { kind: 'denied'; status: number }
  /** Any other answer: this user's row fails with it; sending it again would get the same. */
  | { kind: 'rejected'; status: number; detail: string }
  /** A 2xx whose body is not what the Server API sends. */
  | { kind: 'bad-response'; detail: string };

/** Where and how to call the tenant. The secret stays in this object, in memory. */
export interface TransportConfig {
  /** Server API base URL including /v1. */
  apiUrl: string;
  secret: string;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /** Sent as User-Agent. */
  userAgent?: string;
}

/** Seconds or an HTTP date, as milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Node's fetch wraps the socket error in `cause`; these codes mean the request may simply be sent again. */
function networkDetail(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; name?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError') return 'the request timed out';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was reset';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code) return `network error ${code}`;
  return 'network error';
}

/** Read-only Server API calls for the coverage run. */
export class CoverageTransport {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(config: TransportConfig) {
    this.base = config.apiUrl.replace(/\/+$/, '');
    this.timeoutMs = config.timeoutMs ?? 30_000;
    this.headers = {
      // SECURITY: the secret travels only in this header, to the tenant's own API URL; it is never
      // put in a URL, an error or a log line (errors below quote status codes and error codes only).
      authorization: `Basic ${Buffer.from(`${config.secret}:`).toString('base64')}`,
      accept: 'application/json',
      'user-agent': config.userAgent ?? 'authdesk',
    };
  }

  /** `GET /users/{userId}/authenticators`. */
  authenticators(userId: string, signal: AbortSignal): Promise<CallResult<AuthenticatorFacts[]>> {
    // SECURITY: the id comes from a file; encoding it keeps `/`, `?`, `#` and `..` inside the path segment.
    return this.get(`/users/${encodeURIComponent(userId)}/authenticators`, AuthenticatorList, signal);
  }

  /** `GET /users/{userId}`: the profile (for the email). */
  async profileEmail(userId: string, signal: AbortSignal): Promise<CallResult<string>> {
    const result = await this.get(`/users/${encodeURIComponent(userId)}`, UserProfile, signal);
    return result.kind === 'ok' ? { kind: 'ok', value: result.value.email ?? '' } : result;
  }

  /** `GET /users?email=`: the user ids holding an email. */
  async usersByEmail(email: string, signal: AbortSignal): Promise<CallResult<Array<{ userId: string; email: string }>>> {
    const query = new URLSearchParams({ email, limit: '10' });
    const result = await this.get(`/users?${query.toString()}`, UserQueryPage, signal);
    return result.kind === 'ok' ? { kind: 'ok', value: result.value.users.map((u) => ({ userId: u.userId, email: u.email ?? email })) } : result;
  }

  private async get<S extends z.ZodType>(path: string, schema: S, signal: AbortSignal): Promise<CallResult<z.output<S>>> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        headers: this.headers,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]),
        redirect: 'error',
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason as Error;
      return { kind: 'transient', retryAfterMs: null, detail: networkDetail(error) };
    }
    let body: unknown;
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason as Error;
      return { kind: 'transient', retryAfterMs: null, detail: networkDetail(error) };
    }
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    const status = response.status;
    const retryAfter = retryAfterMs(response.headers.get('retry-after'));
    if (status === 429) return { kind: 'throttled', retryAfterMs: retryAfter };
    if (status >= 500) return { kind: 'transient', retryAfterMs: retryAfter, detail: `HTTP ${status}` };
    if (status === 401 || status === 403) return { kind: 'denied', status };
    if (status < 200 || status >= 300) return { kind: 'rejected', status, detail: errorCodeOf(body) };
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { kind: 'bad-response', detail: 'the answer is not the list the Server API sends' };
    return { kind: 'ok', value: parsed.data };
  }
}

/** The `error` code of an Authsignal error body (never its free text, which could echo input). */
function errorCodeOf(body: unknown): string {
  const code = (body as { error?: unknown; errorCode?: unknown } | undefined)?.error ?? (body as { errorCode?: unknown } | undefined)?.errorCode;
  return typeof code === 'string' && /^[a-z0-9_-]{1,60}$/i.test(code) ? code : '';
}
