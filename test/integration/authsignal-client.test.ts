import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthsignalError } from '@authsignal/node';
import { createAuthsignalClient, isAuthsignalError, mapAuthsignalError, parseRetryAfter, pathSegment, withAuthsignal, type AuthsignalCallContext } from '../../src/main/services/platform/authsignal-client';
import { AppError } from '@shared/errors';

// A tiny real server that answers the way the live Authsignal API does (the 401 body is the one the
// official SDK's live tests assert), plus the failures the emulator cannot produce on demand.
const SECRET = 'sk_live_do_not_leak_0123456789';
const UNAUTHORIZED = '{"error":"unauthorized","errorDescription":"The request is unauthorized. Check that your API key and region base URL are correctly configured."}';
const RETRY_DATE = new Date(Date.now() + 120_000).toUTCString();

type Reply = (res: ServerResponse) => void;
const json = (status: number, body: string, headers: Record<string, string> = {}): Reply => (res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
};
const routes: Record<string, Reply> = {
  ok: json(200, '{"isEnrolled":false}'),
  forbidden: json(403, '{"error":"forbidden","errorDescription":"Not allowed"}'),
  missing: json(404, '{"error":"not_found","errorDescription":"User not found"}'),
  limited: json(429, '{"error":"too_many_requests"}', { 'retry-after': '7' }),
  'limited-date': json(429, '{"error":"too_many_requests"}', { 'retry-after': RETRY_DATE }),
  broken: json(500, '{"error":"internal_error"}'),
  'bad-gateway': (res) => res.writeHead(502).end(),
  'empty-401': (res) => res.writeHead(401).end(),
  echo: json(400, JSON.stringify({ error: 'invalid_request', errorDescription: `bad key ${SECRET}` })),
  reset: (res) => res.socket?.destroy(),
};

let server: Server;
let apiUrl: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/v1\/users\//, ''));
    requests.push(name);
    const expected = `Basic ${Buffer.from(`${SECRET}:`).toString('base64')}`;
    if (req.headers.authorization !== expected) return json(401, UNAUTHORIZED)(res);
    (routes[name] ?? routes.missing)(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Calls getUser with `userId` = route name and returns the mapped error. */
async function failureOf(route: string, secret = SECRET, url = apiUrl): Promise<AppError> {
  const client = createAuthsignalClient({ apiUrl: url, secret });
  const result = await withAuthsignal(() => client.getUser({ userId: route }), { apiUrl: url, secret }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(result).toBeInstanceOf(AppError);
  const error = result as AppError;
  expect(error.message).not.toContain(secret);
  return error;
}

describe('Authsignal error mapping over real HTTP', () => {
  it('passes successes through', async () => {
    const client = createAuthsignalClient({ apiUrl, secret: SECRET });
    expect(await withAuthsignal(() => client.getUser({ userId: 'ok' }))).toEqual({ isEnrolled: false });
  });

  it('401 -> unauthorized with the region hint (also when the body is empty)', async () => {
    for (const error of [await failureOf('ok', 'wrong-secret'), await failureOf('empty-401')]) {
      expect(error.code).toBe('unauthorized');
      expect(error.message).toMatch(/Check the secret and the region/);
      expect(error.message).toContain(new URL(apiUrl).host);
    }
  });

  it('403, 404 and 400 say what to do, quoting the server but never the secret', async () => {
    expect(await failureOf('forbidden')).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/permissions/) as unknown });
    expect(await failureOf('missing')).toMatchObject({ code: 'not-found', message: expect.stringMatching(/User not found/) as unknown });
    const echoed = await failureOf('echo');
    expect(echoed).toMatchObject({ code: 'validation', message: expect.stringMatching(/bad key \[redacted\]/) as unknown });
  });

  it('429 -> rate-limited with Retry-After in seconds or as a date', async () => {
    expect(await failureOf('limited')).toMatchObject({ code: 'rate-limited', retryAfterSeconds: 7, message: expect.stringMatching(/Wait 7 s/) as unknown });
    const byDate = await failureOf('limited-date');
    expect(byDate.code).toBe('rate-limited');
    expect(byDate.retryAfterSeconds).toBeGreaterThan(100);
    expect(byDate.retryAfterSeconds).toBeLessThanOrEqual(120);
  });

  it('5xx, resets and refused connections -> unavailable naming the host', async () => {
    for (const route of ['broken', 'bad-gateway', 'reset']) {
      const error = await failureOf(route);
      expect(error.code, route).toBe('unavailable');
      expect(error.message).toContain(new URL(apiUrl).host);
    }
    const refused = await failureOf('ok', SECRET, 'http://127.0.0.1:1/v1');
    expect(refused).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Could not reach 127\.0\.0\.1:1 .*ECONNREFUSED/) as unknown });
  });

  it('installs the SDK retry interceptor once for all clients (a 5xx GET is tried 3 times, not more)', async () => {
    for (let i = 0; i < 5; i++) createAuthsignalClient({ apiUrl, secret: SECRET });
    requests.length = 0;
    await failureOf('broken');
    expect(requests).toEqual(['broken', 'broken', 'broken']);
  });

  it('leaves AppErrors alone and hides unexpected errors behind internal', () => {
    const original = new AppError('conflict', 'x');
    expect(mapAuthsignalError(original)).toBe(original);
    expect(mapAuthsignalError(new TypeError(`boom ${SECRET}`))).toMatchObject({ code: 'internal' });
    expect(mapAuthsignalError(new TypeError(`boom ${SECRET}`)).message).not.toContain(SECRET);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores junk', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter(['5'], now)).toBe(5);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('the mapping, status by status (the SDK error as the SDK builds it)', () => {
  const at = { apiUrl: 'https://api.authsignal.com/v1', secret: SECRET };
  const sdkError = (status: number, code: string, description?: string, response?: { status: number; headers?: unknown }) =>
    new AuthsignalError(status, code, description, response ? ({ response } as unknown as ConstructorParameters<typeof AuthsignalError>[3]) : undefined);
  const map = (error: unknown, context: AuthsignalCallContext = at) => mapAuthsignalError(error, context);

  it('words every status the way the agent can act on it', () => {
    const cases: [AuthsignalError, string, string][] = [
      [sdkError(401, 'unauthorized'), 'unauthorized', "api.authsignal.com rejected the Server API secret (401). Check the secret and the region: a secret only works against its own region's API URL."],
      [sdkError(403, 'forbidden'), 'forbidden', "api.authsignal.com refused this request (403): the secret is valid but not allowed to do this. Check the API key's permissions in the Authsignal portal."],
      [sdkError(404, 'not_found', 'User not found'), 'not-found', 'api.authsignal.com found nothing there (404): User not found. Check the id, and that the API URL ends with /v1.'],
      [sdkError(409, 'conflict', 'Already exists'), 'conflict', 'api.authsignal.com reports a conflict (409): Already exists. Reload and try again.'],
      [sdkError(400, 'invalid_request', 'Bad email'), 'validation', 'api.authsignal.com did not accept the request (400): Bad email. Correct the details and try again.'],
      [sdkError(422, 'invalid_request'), 'validation', 'api.authsignal.com did not accept the request (422): invalid_request. Correct the details and try again.'],
      [sdkError(500, 'internal_error'), 'unavailable', 'api.authsignal.com had a problem answering (HTTP 500). Try again in a minute; if it persists, check status.authsignal.com.'],
      [sdkError(418, 'teapot', 'short and stout'), 'internal', 'api.authsignal.com answered HTTP 418: short and stout. Try again; if it persists, report it.'],
      [sdkError(499, 'closed'), 'internal', 'api.authsignal.com answered HTTP 499: closed. Try again; if it persists, report it.'],
      [sdkError(429, 'too_many_requests'), 'rate-limited', 'api.authsignal.com is rate limiting requests (429). Wait a little while and try again.'],
    ];
    for (const [error, code, message] of cases) expect(map(error), message).toMatchObject({ code, message });
    expect(map(sdkError(404, 'not_found', ''))).toMatchObject({ message: 'api.authsignal.com found nothing there (404): not_found. Check the id, and that the API URL ends with /v1.' });
    // Nothing from the server at all: the sentence stands without a quote, never with an empty one.
    const bare: [number, string][] = [
      [404, 'api.authsignal.com found nothing there (404). Check the id, and that the API URL ends with /v1.'],
      [409, 'api.authsignal.com reports a conflict (409). Reload and try again.'],
      [400, 'api.authsignal.com did not accept the request (400). Correct the details and try again.'],
      [418, 'api.authsignal.com answered HTTP 418. Try again; if it persists, report it.'],
    ];
    for (const [status, message] of bare) expect(map(sdkError(status, '')).message, String(status)).toBe(message);
    // An SDK error with no status and no words at all still reads as the network failing.
    expect(map(sdkError(undefined as unknown as number, '')).message).toBe(
      "Could not reach api.authsignal.com. Check your network connection and the tenant's region or API URL, then try again.",
    );
    expect(map(sdkError(500, 'unexpected_error', ''), {}).message).toBe(
      "Could not reach the Authsignal API (unexpected_error). Check your network connection and the tenant's region or API URL, then try again.",
    );
    // The SDK's error stays attached for the log, whatever the wording.
    const original = sdkError(403, 'forbidden');
    expect(map(original).cause).toBe(original);
  });

  it('recovers the status the SDK folded into its 500 "unexpected_error", and reads anything else as the network', () => {
    expect(map(sdkError(500, 'unexpected_error', 'Request failed with status code 404'))).toMatchObject({ code: 'not-found' });
    expect(map(sdkError(500, 'unexpected_error', 'Request failed with status code 429'))).toMatchObject({ code: 'rate-limited' });
    expect(map(sdkError(500, 'unexpected_error', 'connect ETIMEDOUT 10.0.0.1:443'))).toMatchObject({
      code: 'unavailable',
      message: "Could not reach api.authsignal.com (connect ETIMEDOUT 10.0.0.1:443). Check your network connection and the tenant's region or API URL, then try again.",
    });
    expect(map(sdkError(500, 'unexpected_error'), {}).message).toBe(
      "Could not reach the Authsignal API (unexpected_error). Check your network connection and the tenant's region or API URL, then try again.",
    );
    // The response's own status wins over the SDK's.
    expect(map(sdkError(500, 'unexpected_error', 'Request failed with status code 404', { status: 403 }))).toMatchObject({ code: 'forbidden' });
  });

  it('reads Retry-After from a headers object with get(), or a plain one in either case', () => {
    const limited = (headers: unknown) => map(sdkError(429, 'too_many_requests', undefined, { status: 429, headers })).retryAfterSeconds;
    expect(limited({ get: (n: string) => (n === 'retry-after' ? '9' : undefined) })).toBe(9);
    expect(limited({ get: () => null, 'retry-after': '4' })).toBe(4);
    expect(limited({ get: () => undefined, 'retry-after': '6' })).toBe(6);
    expect(limited({ 'retry-after': '3' })).toBe(3);
    expect(limited('not headers')).toBeUndefined();
    expect(limited(null)).toBeUndefined();
    expect(limited(7)).toBeUndefined();
    expect(map(sdkError(429, 'x', undefined, { status: 429, headers: { 'retry-after': '12' } })).message).toContain('Wait 12 s and try again.');
  });

  it('never shows the secret in any form it travels in, nor an echoed credential, and cuts long text', () => {
    // A secret with characters URL encoding changes, so each form differs from the others.
    const secret = 'sk/live+key=0123';
    const forms = [secret, Buffer.from(`${secret}:`).toString('base64'), Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
    expect(new Set(forms).size).toBe(4);
    for (const form of forms) {
      const message = map(sdkError(400, 'invalid_request', `saw ${form} here`), { apiUrl: at.apiUrl, secret }).message;
      expect(message).toContain('saw [redacted] here');
    }
    expect(map(sdkError(400, 'x', 'header Authorization: Bearer abc.DEF-123_~+/= and basic QWxhZGRpbjo=')).message).toContain('Bearer [redacted] and basic [redacted]');
    // However many blanks stand between the scheme and the credential.
    expect(map(sdkError(400, 'x', 'echo Bearer \t  abc123 end')).message).toContain('echo Bearer [redacted] end');
    const long = map(sdkError(400, 'x', 'y'.repeat(250))).message;
    expect(long).toContain(`: ${'y'.repeat(200)}…. Correct`);
    expect(map(sdkError(400, 'x', 'y'.repeat(200))).message).toContain(`: ${'y'.repeat(200)}. Correct`);
    // No secret known: the text is shown as it came (credentials still scrubbed).
    expect(map(sdkError(400, 'x', 'plain words'), { apiUrl: at.apiUrl, secret: '' }).message).toContain(': plain words.');
  });

  it('names only the host, or a neutral phrase when the URL is missing or unreadable', () => {
    expect(map(sdkError(403, 'f'), { apiUrl: 'https://eu.api.authsignal.com/v1?x=1' }).message).toMatch(/^eu\.api\.authsignal\.com refused/);
    expect(map(sdkError(403, 'f'), { apiUrl: 'not a url' }).message).toMatch(/^the Authsignal API refused/);
    expect(map(sdkError(403, 'f'), {}).message).toMatch(/^the Authsignal API refused/);
  });

  it("recognises the SDK's error across a package boundary, and nothing that only looks like it", () => {
    const foreign = Object.assign(new Error('x'), { name: 'AuthsignalError', statusCode: 404 });
    expect(isAuthsignalError(foreign)).toBe(true);
    expect(map(foreign).code).toBe('not-found');
    expect(isAuthsignalError(Object.assign(new Error('x'), { name: 'AuthsignalError', statusCode: '404' }))).toBe(false);
    expect(isAuthsignalError(Object.assign(new Error('x'), { statusCode: 404 }))).toBe(false);
    expect(isAuthsignalError({ name: 'AuthsignalError', statusCode: 404 })).toBe(false);
    expect(map(new Error('x'))).toMatchObject({ code: 'internal', message: 'Calling Authsignal failed unexpectedly. Try again; if it persists, report it.' });
    const unexpected = new Error('x');
    expect(map(unexpected).cause).toBe(unexpected);
  });
});

describe('parseRetryAfter, edges', () => {
  it('rounds numbers up, floors them at zero, trims digits, and ignores blanks and non-finite values', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(1.2, now)).toBe(2);
    expect(parseRetryAfter(-3, now)).toBe(0);
    expect(parseRetryAfter(Number.POSITIVE_INFINITY, now)).toBeUndefined();
    expect(parseRetryAfter(' 8 ', now)).toBe(8);
    expect(parseRetryAfter('   ', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:01 GMT', now + 500)).toBe(1);
    expect(parseRetryAfter([], now)).toBeUndefined();
    // Digits only, start to end: a number inside other text is neither seconds nor a date.
    expect(parseRetryAfter('x5', now)).toBeUndefined();
    expect(parseRetryAfter('5x', now)).toBeUndefined();
  });
});

describe('pathSegment', () => {
  it('encodes what would change the address and refuses what URL parsers resolve', () => {
    expect(pathSegment('a/b?c#d e')).toBe('a%2Fb%3Fc%23d%20e');
    expect(pathSegment('auth0|5f1b')).toBe('auth0%7C5f1b');
    for (const bad of ['.', '..', '']) {
      expect(() => pathSegment(bad, 'authenticator id')).toThrow(expect.objectContaining({ code: 'validation', message: `"${bad}" cannot be used as a authenticator id: it would change the address of the request.` }) as Error);
    }
    expect(() => pathSegment('..')).toThrow(/cannot be used as a user id/);
    expect(pathSegment('...')).toBe('...');
  });
});
