import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type FaultSettings, type RunningEmulator } from '../../src/emulator/index';
import { NO_FAULTS } from '../../src/emulator/faults';
import { createHandlers } from '../../src/main/ipc/handlers/index';
import { createRouter, type Router } from '../../src/main/ipc/router';
import { createServices, type Services } from '../../src/main/services/container';
import type { ErrorInfo } from '@shared/errors';
import { CHANNEL_NAMES } from '@shared/ipc';
import type { Result } from '@shared/ipc/result';

// Faults (issue #7, item 4): the console's operations against a local tenant that injects latency,
// 5xx, 429 and connection resets. Each one succeeds or fails with a message a person can act on
// (the words are asserted, not just the code); `track` and `challenge` retried after a lost answer
// never create a second action (idempotency keys, counted in the emulator's store).
//
// Between the services and the emulator sits a small HTTP relay: it can forward a request, let the
// tenant do the work, and then reset the connection instead of answering, the worst kind of reset
// (the emulator's own resets happen before its routes run, which no retry can duplicate).
//
// Coverage runs under the same faults are proven in test/integration/coverage-run.test.ts; the
// kill -9 audit-log test is test/integration/audit-crash.test.ts.

const USER = 'fault-user';
/** The action caller verification tracks (VERIFICATION_ACTION_CODE in src/shared/domain/verification.ts). */
const VERIFICATION_ACTION_CODE = 'authdesk-verify-caller';
const EMAIL = 'fault.user@example.com';
const CHANNELS = CHANNEL_NAMES as readonly string[];

let emulator: RunningEmulator;
let relay: Relay;
let services: Services;
let router: Router;
let dataDir: string;
const unexpected: string[] = [];

/** An HTTP relay to the emulator that can swallow answers after the tenant acted on the request. */
interface Relay {
  apiUrl: string;
  /** Requests forwarded, as `METHOD path`. */
  seen: string[];
  /** The next `count` requests matching `pattern` are forwarded, then their connection is reset unanswered. */
  loseAnswers(pattern: RegExp, count: number): void;
  /** Requests matching `pattern` get this answer instead (a hostile or broken endpoint); null stops. */
  forge(answer: { pattern: RegExp; status: number; body: (headers: IncomingHttpHeaders) => string } | null): void;
  close(): Promise<void>;
}

async function startRelay(target: string): Promise<Relay> {
  const upstream = new URL(target);
  let lose: { pattern: RegExp; count: number } | undefined;
  let forged: { pattern: RegExp; status: number; body: (headers: IncomingHttpHeaders) => string } | null = null;
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const line = `${req.method} ${req.url}`;
      seen.push(line);
      if (forged?.pattern.test(line)) {
        res.writeHead(forged.status, { 'content-type': 'application/json' });
        res.end(forged.body(req.headers));
        return;
      }
      const drop = lose && lose.count > 0 && lose.pattern.test(line);
      if (drop && lose) lose.count--;
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
      const out = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          // The tenant has acted; the answer is lost on the way back.
          if (drop) return req.socket.resetAndDestroy();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(body));
        });
      });
      out.on('error', () => req.socket.resetAndDestroy());
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    loseAnswers: (pattern, count) => void (lose = { pattern, count }),
    forge: (answer) => void (forged = answer),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 3 });
  emulator.store.updateUser(USER, { email: EMAIL, emailVerified: true, displayName: 'Fault User' });
  for (const [i, method] of (['EMAIL_OTP', 'AUTHENTICATOR_APP', 'EMAIL_OTP'] as const).entries()) {
    emulator.store.addAuthenticator({
      userAuthenticatorId: `fault-auth-${i}`,
      userId: USER,
      verificationMethod: method,
      createdAt: new Date(Date.now() - 86_400_000 * (i + 1)).toISOString(),
      verifiedAt: new Date(Date.now() - 86_400_000 * (i + 1)).toISOString(),
      ...(method === 'EMAIL_OTP' ? { email: i === 0 ? EMAIL : `other.${i}@example.com` } : {}),
    });
  }
  relay = await startRelay(emulator.apiUrl);
  dataDir = await mkdtemp(join(tmpdir(), 'authdesk-faults-'));
  // The local tenant only: its secret stays in memory, so this file needs no keychain.
  services = createServices({
    dataDir,
    keychainService: 'authdesk-faults-unused',
    appVersion: '0.0.0-faults',
    localTenant: { apiUrl: relay.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
  router = createRouter(createHandlers(services), (channel, error) => unexpected.push(`${channel}: ${String(error)}`));
});

afterAll(async () => {
  await services?.close();
  await relay?.close();
  await emulator?.close();
  await rm(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  emulator.setFaults(NO_FAULTS);
  expect(unexpected).toEqual([]);
});

const call = (channel: string, input: unknown = {}) => router.handle(channel, input, { transport: 'test' });

/**
 * What went wrong in an answer, wherever the operation reports it: a failed Result, a connection
 * test that answered `ok: false`, lookups of a search that failed, or a removal that stopped.
 */
function failuresOf(result: Result<unknown>): ErrorInfo[] {
  if (!result.ok) return [result.error];
  const v = result.value as { ok?: boolean; latencyMs?: number; code?: ErrorInfo['code']; message?: string; failedLookups?: { error: ErrorInfo }[]; failure?: ErrorInfo };
  if (v && v.ok === false && typeof v.latencyMs === 'number' && v.code && v.message) return [{ code: v.code, message: v.message }];
  if (v?.failedLookups?.length) return v.failedLookups.map((f) => f.error);
  if (v?.failure) return [v.failure];
  return [];
}

/**
 * Verifies the caller the way an agent does (a code to the user's verified email, read back from the
 * tenant's outbox), on a healthy network; removals need it when the tenant's policy says so.
 */
async function verifyCaller(): Promise<string> {
  emulator.setFaults(NO_FAULTS);
  const options = await call('verification:options', { userId: USER });
  const targets = options.ok ? ((options.value as { targets?: { ref: string; method: string }[] }).targets ?? []) : [];
  const email = targets.find((t) => t.method === 'email-otp');
  if (!email) throw new Error(`no verified email to verify the caller with: ${JSON.stringify(options)}`);
  const started = await call('verification:start', { userId: USER, method: 'email-otp', targetRef: email.ref });
  if (!started.ok) throw new Error(`verification did not start: ${started.error.message}`);
  const id = (started.value as { id: string }).id;
  const code = emulator.store.listOutbox(EMAIL)[0]?.code;
  const submitted = await call('verification:submit-code', { verificationId: id, code });
  expect(submitted).toMatchObject({ ok: true, value: { status: 'verified' } });
  return id;
}

/** The console's operations on one user, by channel. */
function operations(verificationId?: string): [string, () => Promise<Result<unknown>>][] {
  let seq = 0;
  const ops: [string, () => Promise<Result<unknown>>][] = [
    ['tenants:test', () => call('tenants:test', { id: 'local' })],
    ['users:search', () => call('users:search', { query: EMAIL, seq: ++seq })],
    ['users:get', () => call('users:get', { userId: USER })],
    [
      'authenticators:remove',
      () =>
        call('authenticators:remove', {
          userId: USER,
          authenticatorId: 'fault-auth-2',
          reason: 'Caller lost this inbox, verified by phone',
          ticket: 'INC-4242',
          confirmation: 'REMOVE',
          acknowledgedWarnings: [],
          ...(verificationId ? { verification: { id: verificationId } } : {}),
        }),
    ],
    ['verification:options', () => call('verification:options', { userId: USER })],
    ['verification:start', () => call('verification:start', { userId: USER, method: 'prebuilt-ui' })],
    ['enrollment:options', () => call('enrollment:options', { userId: USER })],
  ];
  return ops;
}

/** Each total fault and the words its message must carry. */
const TOTAL_FAULTS: { name: string; faults: Partial<FaultSettings>; code: ErrorInfo['code']; words: RegExp[] }[] = [
  {
    name: '5xx on every request',
    faults: { errorRate: 1 },
    code: 'unavailable',
    words: [/had a problem answering \(HTTP 50[03]\)/, /Try again in a minute/],
  },
  {
    name: 'every connection reset',
    faults: { resetRate: 1 },
    code: 'unavailable',
    words: [/Could not reach 127\.0\.0\.1:\d+/, /Check your network connection/],
  },
  {
    name: '429 on every request',
    // Far below one request per second: the bucket never holds a whole token.
    faults: { rateLimit: 0.01 },
    code: 'rate-limited',
    words: [/is rate limiting requests \(429\)/, /Wait \d+ s and try again/],
  },
];

describe('console operations against a failing tenant', () => {
  it('attacks channels that exist (a renamed one would otherwise fail for the wrong reason)', () => {
    expect(operations().map(([channel]) => channel).filter((channel) => !CHANNELS.includes(channel))).toEqual([]);
  });

  for (const fault of TOTAL_FAULTS) {
    it(`with ${fault.name}, each operation fails with a message that says what to do`, async () => {
      const verificationId = await verifyCaller();
      for (const [channel, run] of operations(verificationId)) {
        emulator.setFaults({ ...NO_FAULTS, ...fault.faults });
        const failures = failuresOf(await run());
        expect(failures.length, `${channel} reported no failure under ${fault.name}`).toBeGreaterThan(0);
        for (const f of failures) {
          expect(f.code, `${channel}: ${f.message}`).toBe(fault.code);
          for (const words of fault.words) expect(f.message, channel).toMatch(words);
          expect(f.message).not.toContain(emulator.secret);
          // A connection test answers with its own shape (code and message, the wait in the words).
          if (fault.code === 'rate-limited' && channel !== 'tenants:test') expect(f.retryAfterSeconds ?? -1, `${channel}: ${JSON.stringify(f)}`).toBeGreaterThan(0);
        }
      }
      // Nothing was removed while the tenant failed.
      expect(emulator.store.getAuthenticator(USER, 'fault-auth-2')).toBeDefined();
    });
  }

  it('with latency and jitter, every operation succeeds, the removal included', async () => {
    const verificationId = await verifyCaller();
    emulator.setFaults({ ...NO_FAULTS, latencyMs: 120, jitterMs: 80 });
    for (const [channel, run] of operations(verificationId)) {
      const result = await run();
      expect(failuresOf(result), channel).toEqual([]);
      expect(result.ok, channel).toBe(true);
    }
    expect(emulator.store.getAuthenticator(USER, 'fault-auth-2')).toBeUndefined();
  });

  it('on a bad day (latency, jitter, 5xx, 429 and resets at once), nothing fails without an actionable message', async () => {
    emulator.setFaults({ latencyMs: 5, jitterMs: 20, errorRate: 0.3, resetRate: 0.15, rateLimit: 40 });
    const allowed = TOTAL_FAULTS.flatMap((f) => f.words.slice(0, 1));
    let succeeded = 0;
    let failed = 0;
    for (let round = 0; round < 3; round++) {
      for (const [channel, run] of operations().filter(([c]) => c !== 'authenticators:remove')) {
        const failures = failuresOf(await run());
        if (failures.length === 0) succeeded++;
        else failed++;
        for (const f of failures) {
          expect(['unavailable', 'rate-limited'], `${channel}: ${f.message}`).toContain(f.code);
          expect(allowed.some((w) => w.test(f.message)), `${channel}: ${f.message}`).toBe(true);
        }
      }
    }
    // Both outcomes happened, so the run really was a mix (the SDK's retries absorb many faults).
    expect(succeeded).toBeGreaterThan(0);
    expect(failed + emulator.faults.stats.resets + emulator.faults.stats.serverErrors).toBeGreaterThan(0);
  });
});

describe('idempotency: a retried call after a lost answer is the same action', () => {
  it('track: the tenant acted, the answer was lost, the SDK retried, and there is still one action', async () => {
    const before = emulator.store.listActions(USER).filter((a) => a.actionCode === VERIFICATION_ACTION_CODE).length;
    relay.seen.splice(0);
    relay.loseAnswers(new RegExp(`^POST /v1/users/${USER}/actions/${VERIFICATION_ACTION_CODE}$`), 1);
    const result = await call('verification:start', { userId: USER, method: 'prebuilt-ui' });
    expect(result).toMatchObject({ ok: true, value: { method: 'prebuilt-ui', status: 'pending' } });
    // The tenant saw the track twice (the first answer was swallowed after it acted)...
    expect(relay.seen.filter((l) => l.startsWith(`POST /v1/users/${USER}/actions/`))).toHaveLength(2);
    // ...and holds one new action for it.
    const after = emulator.store.listActions(USER).filter((a) => a.actionCode === VERIFICATION_ACTION_CODE);
    expect(after.length - before).toBe(1);
  });

  it('challenge: a code sent again after a lost answer is still one tracked action', async () => {
    const options = await call('verification:options', { userId: USER });
    expect(options.ok).toBe(true);
    const targets = (options as { value: { targets?: { ref: string; method: string }[] } }).value.targets ?? [];
    const email = targets.find((t) => t.method === 'email-otp');
    expect(email, 'the user has a verified email to send a code to').toBeDefined();
    const before = emulator.store.listActions(USER).filter((a) => a.actionCode === VERIFICATION_ACTION_CODE).length;
    relay.seen.splice(0);
    relay.loseAnswers(/^POST \/v1\/challenge$/, 1);
    const result = await call('verification:start', { userId: USER, method: 'email-otp', targetRef: email!.ref });
    expect(result).toMatchObject({ ok: true, value: { method: 'email-otp', status: 'pending' } });
    expect(relay.seen.filter((l) => l === 'POST /v1/challenge')).toHaveLength(2);
    const after = emulator.store.listActions(USER).filter((a) => a.actionCode === VERIFICATION_ACTION_CODE);
    expect(after.length - before).toBe(1);
  });
});

describe('request paths: a user id never leaves its path segment', () => {
  const HOSTILE = ['../admin', 'a/../../v1/users', 'a/b', 'a?limit=1000', 'a#frag', '%2e%2e', '%2e%2e%2fadmin', 'a%2Fb', 'ünï/cødé', 'x\\..\\y'];

  it('each hostile id reaches the tenant as exactly one encoded segment, and "." / ".." are refused', async () => {
    for (const id of ['.', '..']) {
      const result = await call('users:get', { userId: id });
      expect(result, id).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect((result as { error: ErrorInfo }).error.message).toMatch(/cannot be used as a user id/);
    }
    for (const id of HOSTILE) {
      relay.seen.splice(0);
      const result = await call('users:get', { userId: id });
      // Unknown users are empty users in Authsignal; either way the answer is a Result, never internal.
      if (!result.ok) expect(['not-found', 'validation'], `${id}: ${result.error.message}`).toContain(result.error.code);
      expect(relay.seen.length, id).toBeGreaterThan(0);
      for (const line of relay.seen) {
        const path = line.split(' ')[1].split('?')[0];
        const m = /^\/v1\/users\/([^/]+)(\/.*)?$/.exec(path);
        expect(m, `${id} -> ${line}`).not.toBeNull();
        expect(decodeURIComponent(m![1]), line).toBe(id);
        // No query string smuggled in by the id.
        expect(line.includes('?') ? line.split('?')[1] : '', line).not.toContain('limit=1000');
      }
    }
  });
});

describe('a hostile endpoint that echoes the credentials', () => {
  afterEach(() => relay.forge(null));

  it('never gets the secret (raw or as the Basic credentials it arrived in) into a message', async () => {
    const basic = Buffer.from(`${emulator.secret}:`).toString('base64');
    const forms = [emulator.secret, basic, encodeURIComponent(emulator.secret)];
    for (const status of [400, 401, 404, 409, 429, 500]) {
      relay.forge({
        pattern: /^(GET|POST) \/v1\//,
        status,
        // Everything a careless or hostile server might echo back.
        body: (h) => JSON.stringify({ error: `bad_${emulator.secret}`, errorDescription: `You sent ${String(h.authorization)} (${emulator.secret}) ${basic}` }),
      });
      for (const [channel, run] of operations()) {
        const result = await run();
        const text = JSON.stringify(result);
        for (const form of forms) expect(text, `${channel} under a ${status}`).not.toContain(form);
        expect(failuresOf(result).length, `${channel} under a forged ${status}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('social engineering: a removal needs a live verification of this very caller', () => {
  const OTHER = 'other-user';

  it('refuses no, a made-up, a pending, a cancelled or another user\'s verification, and removes nothing', async () => {
    emulator.store.updateUser(OTHER, { email: 'other.user@example.com', emailVerified: true });
    for (const id of ['other-a', 'other-b']) {
      emulator.store.addAuthenticator({ userAuthenticatorId: id, userId: OTHER, verificationMethod: 'EMAIL_OTP', email: 'other.user@example.com', createdAt: new Date().toISOString(), verifiedAt: new Date().toISOString() });
    }
    const remove = (verification?: { id: string }) =>
      call('authenticators:remove', {
        userId: OTHER,
        authenticatorId: 'other-b',
        reason: 'Caller says they lost this inbox',
        ticket: 'INC-9001',
        confirmation: 'REMOVE',
        acknowledgedWarnings: [],
        ...(verification ? { verification } : {}),
      });
    // The fault-user's caller verified; the attacker on the phone claims to be other-user.
    const verifiedForSomeoneElse = await verifyCaller();
    const pending = await call('verification:start', { userId: OTHER, method: 'prebuilt-ui' });
    expect(pending.ok).toBe(true);
    const pendingId = (pending as { value: { id: string } }).value.id;
    const toCancel = await call('verification:start', { userId: OTHER, method: 'prebuilt-ui' });
    const cancelledId = (toCancel as { value: { id: string } }).value.id;
    expect(await call('verification:cancel', { verificationId: cancelledId })).toMatchObject({ ok: true });
    const attempts: [string, { id: string } | undefined][] = [
      ['none', undefined],
      ['made up', { id: 'ver_AAAAAAAAAAAAAAAA' }],
      ['pending', { id: pendingId }],
      ['cancelled', { id: cancelledId }],
      ["another user's", { id: verifiedForSomeoneElse }],
    ];
    for (const [name, verification] of attempts) {
      const result = await remove(verification);
      expect(result.ok, `${name} verification was accepted`).toBe(false);
      const error = (result as { error: ErrorInfo }).error;
      expect(error.code, `${name}: ${error.message}`).toBe('forbidden');
      expect(error.message, name).toMatch(/[Vv]erif/);
    }
    expect(emulator.store.listAuthenticators(OTHER).map((a) => a.userAuthenticatorId).sort()).toEqual(['other-a', 'other-b']);
  });
});
