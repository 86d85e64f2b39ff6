import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthsignalClient, mapAuthsignalError, parseRetryAfter, withAuthsignal } from '../../src/main/services/platform/authsignal-client';
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
