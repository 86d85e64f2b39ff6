import { Authsignal, AuthsignalError } from '@authsignal/node';
import { AppError } from '@shared/errors';

/**
 * The one place Authdesk turns Authsignal SDK failures into {@link AppError}s and builds SDK
 * clients. Every service that calls the Server API goes through {@link withAuthsignal} (or
 * `TenantService.withClient`), so a 401 reads the same everywhere.
 */

/** What the error mapping may know about the call, to say something useful. */
export interface AuthsignalCallContext {
  /** The Server API base URL that was called; only its host is ever shown. */
  apiUrl?: string;
  /** The secret used, so it can be scrubbed from any text that would otherwise be shown. */
  secret?: string;
}

/** Credentials and location of one tenant's Server API. */
export interface AuthsignalClientConfig {
  apiUrl: string;
  secret: string;
}

/** Retries the SDK applies to safe requests and connection failures (its own default). */
export const AUTHSIGNAL_RETRIES = 2;

let retryInterceptorInstalled = false;

/**
 * Builds an `Authsignal` client. `new Authsignal({ retries > 0 })` installs an axios-retry
 * interceptor on the process-wide default axios instance, once per construction; N clients would
 * stack N interceptors and multiply retries. So only the first client is built with retries, and
 * every later one with `retries: 0`: they all share that single interceptor, because every SDK
 * call goes through the same default axios instance.
 */
export function createAuthsignalClient(config: AuthsignalClientConfig): Authsignal {
  const retries = retryInterceptorInstalled ? 0 : AUTHSIGNAL_RETRIES;
  retryInterceptorInstalled = true;
  return new Authsignal({ apiSecretKey: config.secret, apiUrl: config.apiUrl, retries });
}

/** True for the SDK's error, also across a dual-package (CJS/ESM) boundary. */
export function isAuthsignalError(error: unknown): error is AuthsignalError {
  return (
    error instanceof AuthsignalError ||
    (error instanceof Error && error.name === 'AuthsignalError' && typeof (error as { statusCode?: unknown }).statusCode === 'number')
  );
}

/** The host of a URL, or a neutral phrase when there is none (never the whole URL). */
function hostOf(apiUrl: string | undefined): string {
  if (!apiUrl) return 'the Authsignal API';
  try {
    return new URL(apiUrl).host;
  } catch {
    return 'the Authsignal API';
  }
}

/** Text from the server or from axios, cut short and with the secret removed should it ever echo. */
function safeText(text: string | undefined, secret: string | undefined): string {
  if (!text) return '';
  // SECURITY: server and transport text is shown to people; scrub the secret in case it is echoed,
  // also in the forms it travels in (the SDK sends it as HTTP Basic credentials `secret:`), and any
  // echoed Authorization value: a hostile endpoint echoing headers got them on screen (IPC fuzz/faults, #7).
  let scrubbed = text.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]+/gi, '$1 [redacted]');
  if (secret) {
    const forms = [secret, Buffer.from(`${secret}:`).toString('base64'), Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
    for (const form of forms) scrubbed = scrubbed.split(form).join('[redacted]');
  }
  return scrubbed.length > 200 ? `${scrubbed.slice(0, 200)}…` : scrubbed;
}

/** Seconds from a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? (value[0] as unknown) : value;
  if (typeof raw === 'number' && Number.isFinite(raw)) return Math.max(0, Math.ceil(raw));
  if (typeof raw !== 'string') return undefined;
  // Number() ignores the surrounding blanks; a blank string is no date either (Date.parse gives NaN).
  if (/^\s*\d+\s*$/.test(raw)) return Number(raw);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Reads a response header from an axios error without depending on axios' types. */
function headerOf(error: AuthsignalError, name: string): unknown {
  const headers = (error.axiosError?.response as { headers?: unknown } | undefined)?.headers;
  // Not an object (a string, a number) reads as having no such header: indexing it finds no name.
  if (!headers) return undefined;
  const get = (headers as { get?: (n: string) => unknown }).get;
  if (typeof get === 'function') {
    const value = get.call(headers, name);
    if (value !== undefined && value !== null) return value;
  }
  // axios keeps header names lower-case.
  return (headers as Record<string, unknown>)[name.toLowerCase()];
}

/**
 * The SDK folds transport failures into `AuthsignalError(500, 'unexpected_error', axiosMessage)`
 * without the axios error, and does the same for an HTTP error whose body is empty. axios words
 * the latter "Request failed with status code N", so the real status can be recovered from it.
 */
function statusOf(error: AuthsignalError): number | undefined {
  if (error.axiosError?.response) return error.axiosError.response.status;
  if (error.errorCode === 'unexpected_error') {
    // Stryker disable next-line StringLiteral: any other fallback text has no "status code NNN" either.
    const m = /status code (\d{3})/.exec(error.errorDescription ?? '');
    // No status anywhere: the request never got an answer (a network failure).
    return m ? Number(m[1]) : undefined;
  }
  return error.statusCode;
}

/**
 * Maps anything an Authsignal SDK call threw to an {@link AppError} whose message says what to do.
 * AppErrors pass through unchanged; errors that are not from the SDK become `internal`.
 * Messages never contain the secret (they never quote request headers, and server text is scrubbed).
 */
export function mapAuthsignalError(error: unknown, context: AuthsignalCallContext = {}): AppError {
  if (error instanceof AppError) return error;
  if (!isAuthsignalError(error)) {
    return new AppError('internal', 'Calling Authsignal failed unexpectedly. Try again; if it persists, report it.', { cause: error });
  }
  const host = hostOf(context.apiUrl);
  const status = statusOf(error);
  const detail = safeText(error.errorDescription || error.errorCode, context.secret);
  const cause = { cause: error };

  if (status === undefined) {
    return new AppError(
      'unavailable',
      `Could not reach ${host}${detail ? ` (${detail})` : ''}. Check your network connection and the tenant's region or API URL, then try again.`,
      cause,
    );
  }
  if (status === 401) {
    return new AppError(
      'unauthorized',
      `${host} rejected the Server API secret (401). Check the secret and the region: a secret only works against its own region's API URL.`,
      cause,
    );
  }
  if (status === 403) {
    return new AppError('forbidden', `${host} refused this request (403): the secret is valid but not allowed to do this. Check the API key's permissions in the Authsignal portal.`, cause);
  }
  if (status === 404) {
    return new AppError('not-found', `${host} found nothing there (404)${detail ? `: ${detail}` : ''}. Check the id, and that the API URL ends with /v1.`, cause);
  }
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(headerOf(error, 'retry-after'));
    const wait = retryAfterSeconds === undefined ? 'a little while' : `${retryAfterSeconds} s`;
    return new AppError('rate-limited', `${host} is rate limiting requests (429). Wait ${wait} and try again.`, { ...cause, retryAfterSeconds });
  }
  if (status >= 500) {
    return new AppError('unavailable', `${host} had a problem answering (HTTP ${status}). Try again in a minute; if it persists, check status.authsignal.com.`, cause);
  }
  if (status === 409) {
    return new AppError('conflict', `${host} reports a conflict (409)${detail ? `: ${detail}` : ''}. Reload and try again.`, cause);
  }
  if (status === 400 || status === 422) {
    return new AppError('validation', `${host} did not accept the request (${status})${detail ? `: ${detail}` : ''}. Correct the details and try again.`, cause);
  }
  return new AppError('internal', `${host} answered HTTP ${status}${detail ? `: ${detail}` : ''}. Try again; if it persists, report it.`, cause);
}

/**
 * Runs one SDK call (or a few) and rethrows any failure as an {@link AppError} via
 * {@link mapAuthsignalError}. Pass the context so network errors can name the host.
 */
export async function withAuthsignal<T>(fn: () => Promise<T>, context: AuthsignalCallContext = {}): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapAuthsignalError(error, context);
  }
}

/**
 * A path parameter for the SDK, which interpolates ids into URLs without encoding them.
 * SECURITY: an id typed into the console must never change which endpoint is called: `/`, `?` and
 * `#` are percent-encoded, and `.`/`..` (which URL parsers resolve even when encoded) are refused.
 */
export function pathSegment(id: string, what = 'user id'): string {
  if (id === '.' || id === '..' || id.length === 0) {
    throw new AppError('validation', `"${id}" cannot be used as a ${what}: it would change the address of the request.`);
  }
  return encodeURIComponent(id);
}
