import { post, screen, showError } from './dom';
import { page } from './state';

/** An error body from the emulator, in Authsignal's shape. */
interface ErrorBody {
  error?: string;
  errorCode?: string;
  errorDescription?: string;
}

export class ApiError extends Error {
  readonly errorCode: string;
  constructor(
    body: ErrorBody,
    readonly statusCode: number,
  ) {
    super(body.errorDescription || body.error || 'The request failed.');
    this.errorCode = body.errorCode || body.error || 'error';
  }
}

/** Calls the emulator (same origin) with the current token; an error body posts AUTHSIGNAL_API_ERROR and throws. */
export async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json', authorization: 'Bearer ' + page.token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json: unknown = await res.json().catch(() => ({}));
  if (json && typeof json === 'object' && 'error' in json) {
    const error = json as ErrorBody;
    post(JSON.stringify({ event: 'AUTHSIGNAL_API_ERROR', errorCode: error.errorCode || error.error, statusCode: res.status }));
    throw new ApiError(error, res.status);
  }
  return json as T;
}

/** Calls the Client API under /v1/client. */
export function client<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  return call<T>(method, '/v1/client' + path, body);
}

/** Shows a failure: an expired page, a cancelled WebAuthn prompt, or the error's message. */
export function failed(error: unknown): void {
  const e = error as { errorCode?: string; name?: string; message?: string } | null | undefined;
  if (e && e.errorCode === 'expired_token') {
    screen('This page has expired', 'For your security it was open too long. Go back to the app and start again.');
    return;
  }
  if (e && e.name === 'NotAllowedError') {
    showError('The request was cancelled or timed out. Try again.');
    return;
  }
  showError((e && e.message) || 'Something went wrong. Try again.');
}

/** Keeps the access token a verification returns: the next calls are made with it. */
export function tookToken(json: { accessToken?: unknown }): void {
  if (json && typeof json.accessToken === 'string') page.token = json.accessToken;
}
