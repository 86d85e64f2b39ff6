import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
 * user name, JSON answers, `{ error, errorDescription }` bodies), so node:http(s) does them with
 * full control over timeout, abort and headers. node:http with a keep-alive agent rather than
 * fetch: measured here, fetch costs 4-5x more CPU per request, and at hundreds of requests per
 * second on a busy laptop that CPU is the difference between keeping up with the rate limit or not.
 * Anything that writes stays on the SDK.
 */

/** Largest answer accepted; an authenticator list is a few KB. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A raw answer: status, Retry-After and body text. */
interface RawResponse {
  status: number;
  retryAfter: string | null;
  text: string;
}

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
const UserProfile = z.object({
  email: z.string().optional().nullable(),
  phoneNumber: z.string().optional().nullable(),
  username: z.string().optional().nullable(),
  displayName: z.string().optional().nullable(),
  isEnrolled: z.boolean().optional().nullable(),
});

/** What `GET /users/{userId}` says about a user: its email, and whether Authsignal holds any record of it. */
export interface UserRecord {
  email: string;
  /** False when the answer shows no trace of a user: not enrolled and no email, phone, username or display name. */
  hasRecord: boolean;
}
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

/** Words for a transport failure; these all mean the request may simply be sent again. */
function networkDetail(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ETIMEDOUT') return 'the request timed out';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was reset';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code)) return `network error ${code}`;
  return 'network error';
}

/** Read-only Server API calls for the coverage run. */
export class CoverageTransport {
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(config: TransportConfig) {
    this.base = new URL(config.apiUrl.replace(/\/+$/, ''));
    this.timeoutMs = config.timeoutMs ?? 30_000;
    const https = this.base.protocol === 'https:';
    // One keep-alive pool per run: connections are reused across users, and closed with the run.
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 256 }) : new HttpAgent({ keepAlive: true, maxSockets: 256 });
    this.send = https ? httpsRequest : httpRequest;
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

  /** `GET /users/{userId}`: the profile (for the email, and to tell a user without authenticators from an unknown id). */
  async userRecord(userId: string, signal: AbortSignal): Promise<CallResult<UserRecord>> {
    const result = await this.get(`/users/${encodeURIComponent(userId)}`, UserProfile, signal);
    if (result.kind !== 'ok') return result;
    const u = result.value;
    const hasRecord = u.isEnrolled === true || [u.email, u.phoneNumber, u.username, u.displayName].some((v) => typeof v === 'string' && v !== '');
    return { kind: 'ok', value: { email: u.email ?? '', hasRecord } };
  }

  /**
   * `GET /users?email=`: the user ids holding an email. Query Users does not say whether it ignores
   * case, so an exact lookup that finds nobody is tried once more lowercased.
   */
  async usersByEmail(email: string, signal: AbortSignal): Promise<CallResult<Array<{ userId: string; email: string }>>> {
    const lookup = async (value: string) => {
      const query = new URLSearchParams({ email: value, limit: '10' });
      const result = await this.get(`/users?${query.toString()}`, UserQueryPage, signal);
      return result.kind === 'ok' ? { kind: 'ok' as const, value: result.value.users.map((u) => ({ userId: u.userId, email: u.email ?? value })) } : result;
    };
    const exact = await lookup(email);
    const lowered = email.toLowerCase();
    if (exact.kind === 'ok' && exact.value.length === 0 && lowered !== email) return lookup(lowered);
    return exact;
  }

  /** Closes the keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private async get<S extends z.ZodType>(path: string, schema: S, signal: AbortSignal): Promise<CallResult<z.output<S>>> {
    let raw: RawResponse;
    try {
      raw = await this.raw(path, signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason as Error;
      return { kind: 'transient', retryAfterMs: null, detail: networkDetail(error) };
    }
    let body: unknown;
    try {
      body = raw.text === '' ? undefined : JSON.parse(raw.text);
    } catch {
      body = undefined;
    }
    const status = raw.status;
    const retryAfter = retryAfterMs(raw.retryAfter);
    if (status === 429) return { kind: 'throttled', retryAfterMs: retryAfter };
    if (status >= 500) return { kind: 'transient', retryAfterMs: retryAfter, detail: `HTTP ${status}` };
    if (status === 401 || status === 403) return { kind: 'denied', status };
    if (status < 200 || status >= 300) return { kind: 'rejected', status, detail: errorCodeOf(body) };
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { kind: 'bad-response', detail: 'the answer is not the list the Server API sends' };
    return { kind: 'ok', value: parsed.data };
  }

  /** One GET; rejects on a transport failure, a timeout or an abort. Redirects are not followed. */
  private raw(path: string, signal: AbortSignal): Promise<RawResponse> {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return new Promise<RawResponse>((resolve, reject) => {
      const req = this.send(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path: `${basePath}${path}`,
          method: 'GET',
          headers: this.headers,
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              res.destroy(Object.assign(new Error('answer too large'), { code: 'ETOOBIG' }));
              return;
            }
            chunks.push(chunk);
          });
          res.once('error', reject);
          res.once('aborted', () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
          res.once('end', () => {
            const retryAfter = res.headers['retry-after'];
            resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, text: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      req.once('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.once('error', reject);
      // Cancel by hand rather than http's `signal` option, which accepts only Node's own AbortSignal
      // class: any AbortSignal-like cancel works here (the renderer tests run main under happy-dom).
      const onAbort = () => req.destroy(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        req.once('close', () => signal.removeEventListener('abort', onAbort));
      }
      req.end();
    });
  }
}

/** The `error` code of an Authsignal error body (never its free text, which could echo input). */
function errorCodeOf(body: unknown): string {
  const code = (body as { error?: unknown; errorCode?: unknown } | undefined)?.error ?? (body as { errorCode?: unknown } | undefined)?.errorCode;
  return typeof code === 'string' && /^[a-z0-9_-]{1,60}$/i.test(code) ? code : '';
}
