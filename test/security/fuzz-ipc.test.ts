import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { createHandlers } from '../../src/main/ipc/handlers/index';
import { createRouter, type Router } from '../../src/main/ipc/router';
import { createServices, type ServiceOptions, type Services } from '../../src/main/services/container';
import { ERROR_CODES } from '@shared/errors';
import { CHANNEL_NAMES, EVENT_NAMES, channels, events, type ChannelName } from '@shared/ipc';
import { resultSchema } from '@shared/ipc/result';

// IPC fuzzing (issue #7, item 1): random and malformed input at EVERY channel of the real router,
// over the real services (temp data dir, the real keychain under a test service name, a real local
// tenant over HTTP). Each call must answer a Result, never an `internal` error (that is a bug that
// escaped a service), validation for what the schema refuses; nothing may crash the process, leave
// an unhandled rejection, pollute Object.prototype, or put the tenant secret into an answer or a log.

const RUNS_PER_CHANNEL = Number(process.env.AUTHDESK_FUZZ_RUNS ?? 100);
const REMOTE_ID = 'fuzz-remote';

let emulator: RunningEmulator;
let services: Services;
let router: Router;
let dataDir: string;
let home: string;
let realUserId: string;
let remoteAdded = false;
const unexpected: string[] = [];
const unhandled: unknown[] = [];
const logLines: string[] = [];
const restoreConsole: (() => void)[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
const savedHome = process.env.HOME;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 5, secret: `sk_fuzz_${Date.now()}_do_not_leak_0123456789` });
  dataDir = await mkdtemp(join(tmpdir(), 'authdesk-fuzz-'));
  // SECURITY: bridge:set-enabled is a valid input the fuzzer finds at once; it writes native host
  // manifests under HOME, so HOME is a throwaway folder for this worker.
  home = await mkdtemp(join(tmpdir(), 'authdesk-fuzz-home-'));
  process.env.HOME = home;
  // Every console line main could print while fuzzing is kept to prove the secret is in none.
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const spy = vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logLines.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message} ${String(a.stack)}` : typeof a === 'string' ? a : safeJson(a))).join(' '));
    });
    restoreConsole.push(() => spy.mockRestore());
  }
  // Spread, not a literal: newer containers also take bridge options (a throwaway home), older ones ignore them.
  const extra = { bridge: { home } };
  const options: ServiceOptions = {
    ...extra,
    dataDir,
    keychainService: `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-fuzz-${process.pid}`,
    appVersion: '0.0.0-fuzz',
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  };
  services = createServices(options);
  router = createRouter(createHandlers(services), (channel, error) => {
    unexpected.push(`${channel}: ${error instanceof Error ? `${error.name}: ${error.message} ${String(error.stack)}` : String(error)}`);
  });
  realUserId = [...emulator.store.userIds()][0] ?? 'user-1';
  // A remote profile too, so its secret sits in the real keychain while the fuzzer runs. Without a
  // Secret Service (outside `npm test`) the vault refuses with keychain-unavailable; fuzzing goes on.
  const added = await router.handle(
    'tenants:add',
    { name: 'Fuzz remote', apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret, makeActive: false },
    { transport: 'test' },
  );
  remoteAdded = added.ok;
  // Under `npm test` a private Secret Service always runs, so there the profile must have been saved.
  if (!added.ok && process.env.AUTHDESK_TEST_SESSION !== '1') expect(added.error.code).toBe('keychain-unavailable');
  else expect(added).toMatchObject({ ok: true, value: { id: REMOTE_ID, hasSecret: true } });
});

afterAll(async () => {
  for (const restore of restoreConsole) restore();
  if (remoteAdded) await services?.tenants.remove(REMOTE_ID).catch(() => undefined);
  await services?.close();
  await emulator?.close();
  process.env.HOME = savedHome;
  await rm(dataDir, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Keys of every object schema inside a (union of) object schema(s), so inputs come close to valid. */
function keysOf(schema: z.ZodType, seen = new Set<z.ZodType>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = (schema as unknown as { def: Record<string, unknown> }).def;
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  const nested: z.ZodType[] = [];
  for (const key of ['options', 'in', 'out', 'innerType', 'schema', 'left', 'right']) {
    const v = def[key];
    if (Array.isArray(v)) nested.push(...v.filter((x): x is z.ZodType => x instanceof z.ZodType));
    else if (v instanceof z.ZodType) nested.push(v);
  }
  return [...new Set(nested.flatMap((s) => keysOf(s, seen)))];
}

/** Visits every schema inside `schema` (object fields, arrays, records, unions, pipes, wrappers). */
function walkSchema(schema: z.ZodType, path: string, visit: (path: string, s: z.ZodType, key?: string) => void, key?: string, seen = new Set<z.ZodType>()): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  visit(path, schema, key);
  const def = (schema as unknown as { def: Record<string, unknown> & { type: string } }).def;
  if (schema instanceof z.ZodObject) {
    for (const [k, v] of Object.entries(schema.shape)) walkSchema(v as z.ZodType, `${path}.${k}`, visit, k, seen);
  }
  for (const k of ['options', 'in', 'out', 'innerType', 'element', 'valueType', 'left', 'right', 'items', 'rest']) {
    const v = def[k];
    if (Array.isArray(v)) for (const x of v) if (x instanceof z.ZodType) walkSchema(x, path, visit, undefined, seen);
    if (v instanceof z.ZodType) walkSchema(v, path, visit, undefined, seen);
  }
}

/** Builds an object whose keys are own data properties, even `__proto__` (as JSON.parse and structured clone do). */
function ownObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
  return target;
}

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];

/** Values that look almost right: real ids, enum members, a working URL, boundary strings. */
function plausible(): fc.Arbitrary<unknown> {
  return fc.constantFrom<unknown>(
    'local',
    REMOTE_ID,
    realUserId,
    'email-otp',
    'sms-otp',
    'prebuilt-ui',
    'guided',
    'link',
    'us',
    'eu',
    'au',
    true,
    false,
    emulator.apiUrl,
    emulator.tenantId,
    'ver_AAAAAAAAAAAA',
    'enr_AAAAAAAAAAAA',
    '123456',
    ' ',
    '',
    'x'.repeat(501),
    'a\u0000b',
    'line\r\nforged: entry',
    '../../etc/passwd',
    '%2e%2e%2f',
    '\u202e\u0000\ud800',
    '👩‍💻'.repeat(200),
    '<img src=x onerror=alert(1)>',
    "'; DROP TABLE users; --",
  );
}

/** Hostile leaves: wrong types, extremes, huge and odd unicode strings. */
function leaf(): fc.Arbitrary<unknown> {
  return fc.oneof(
    plausible(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, Number.MAX_SAFE_INTEGER + 2, 1e308, -1, 0, null, undefined),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.bigInt(),
    fc.date({ noInvalidDate: false }),
    fc.nat({ max: 3 }).map((n) => 'A'.repeat(10 ** (n + 2) * 3)), // up to 300 000 characters
  );
}

/** Deeply nested objects and arrays, beyond what any schema expects. */
function deep(): fc.Arbitrary<unknown> {
  return fc.tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean()).map(([depth, asArray]) => {
    let v: unknown = 'bottom';
    for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
    return v;
  });
}

/** Random inputs for one channel: anything at all, and objects with its own keys plus hostile ones. */
function inputsFor(name: ChannelName): fc.Arbitrary<unknown> {
  const keys = keysOf(channels[name].input);
  const key = fc.oneof(
    { weight: 4, arbitrary: keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('id') },
    { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: leaf() },
      { weight: 1, arbitrary: fc.array(tie('v'), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.array(fc.tuple(key, tie('v')), { maxLength: 4 }).map(ownObject) },
    ),
  })).v;
  const nearlyValid = fc.array(fc.tuple(key, value), { maxLength: keys.length + 2 }).map(ownObject);
  return fc.oneof(
    { weight: 5, arbitrary: nearlyValid },
    { weight: 1, arbitrary: nearlyValid.map((o) => [o]) }, // an array where an object belongs
    { weight: 1, arbitrary: deep() },
    { weight: 1, arbitrary: leaf() },
    {
      weight: 2,
      arbitrary: fc.anything({
        key: fc.oneof(fc.string(), fc.constantFrom(...POLLUTION_KEYS)),
        maxDepth: 3,
        withBigInt: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withObjectString: true,
        withSparseArray: true,
        withTypedArray: true,
        withUnicodeString: true,
      }),
    },
  );
}

const AnyResult = resultSchema(z.unknown());
const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

/** Everything a call produced that could carry the secret, as text. */
function mustNotLeak(text: string): void {
  expect(text).not.toContain(emulator.secret);
}

describe('the channel table', () => {
  it('has exactly one schema and one handler for every channel name, and no extra', () => {
    const names = [...CHANNEL_NAMES].sort();
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z]+(-[a-z]+)*:[a-z]+(-[a-z]+)*$/);
    expect(Object.keys(channels).sort()).toEqual(names);
    for (const name of names) {
      const spec = (channels as Record<string, { input?: unknown; output?: unknown }>)[name];
      expect(spec.input, `${name} has no input schema`).toBeInstanceOf(z.ZodType);
      expect(spec.output, `${name} has no output schema`).toBeInstanceOf(z.ZodType);
    }
    const handlers = createHandlers(services) as unknown as Record<string, unknown>;
    expect(Object.keys(handlers).sort()).toEqual(names);
    for (const name of names) expect(typeof handlers[name], `${name} has no handler`).toBe('function');
    expect([...router.channels].sort()).toEqual(names);
    expect(Object.keys(events).sort()).toEqual([...EVENT_NAMES].sort());
    for (const name of EVENT_NAMES) expect(events[name]).toBeInstanceOf(z.ZodType);
  });

  it('lets no answer or event carry an unchecked value or a field named like a credential', () => {
    // SECURITY: the router shapes every answer by its output schema, which strips unknown keys; that
    // only protects if no schema lets anything through (any, unknown, loose objects) and no field is
    // meant to hold a credential. `link` is the one token carrier, by design (a link for the user).
    const CREDENTIAL = /secret$|^secret|token|password|passphrase|otp|totp|privateKey|apiKey|authorization|cookie|^code$/i;
    const ALLOWED = new Set(['hasSecret', 'secretFingerprint', 'code']);
    const problems = (schema: z.ZodType, path: string) => {
      const out: string[] = [];
      walkSchema(schema, path, (p, s, key) => {
        const type = (s as unknown as { def: { type: string } }).def.type;
        if (type === 'any' || type === 'unknown') out.push(`${p}: ${type}`);
        const catchall = (s as unknown as { def: { catchall?: z.ZodType } }).def.catchall;
        if (type === 'object' && catchall && (catchall as unknown as { def: { type: string } }).def.type !== 'never') out.push(`${p}: loose object`);
        // `code` is an error or action code everywhere it appears (an OTP code never leaves main).
        if (key !== undefined && CREDENTIAL.test(key) && !ALLOWED.has(key)) out.push(`${p}: credential-like field`);
      });
      return out;
    };
    // The walker finds what it looks for (so an empty list below means something).
    expect(problems(z.object({ a: z.unknown(), token: z.string() }), 'probe')).toEqual(['probe.a: unknown', 'probe.token: credential-like field']);
    expect(problems(z.looseObject({}), 'probe')).toEqual(['probe: loose object']);
    const found = [
      ...CHANNEL_NAMES.flatMap((name) => problems(channels[name].output, name)),
      ...EVENT_NAMES.flatMap((name) => problems(events[name], name)),
    ];
    expect(found).toEqual([]);
  });

  it('refuses unknown and look-alike channel names with a validation error', async () => {
    const names = ['', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'tenants:list\u0000', 'TENANTS:LIST', 'tenants:list ', ' tenants:list', 'tenants', 'tenants:', ':list', 'tenants:get-secret', 'app:info/../tenants:list'];
    for (const name of names) {
      const result = await router.handle(name, {}, { transport: 'test' });
      expect(result, name).toEqual({ ok: false, error: { code: 'validation', message: 'Unknown channel' } });
    }
  });
});

describe('every channel under random and malformed input', () => {
  const prototypeBefore = prototypeKeys();

  it.each([...CHANNEL_NAMES])('%s answers a Result, validation for what its schema refuses, and never leaks', async (name) => {
    const spec = channels[name];
    unexpected.splice(0);
    unhandled.splice(0);
    await fc.assert(
      fc.asyncProperty(inputsFor(name), async (input) => {
        const result = await router.handle(name, input, { transport: 'test' });
        // The answer is a well-formed Result; it must survive the JSON/structured-clone trip to the page.
        expect(AnyResult.safeParse(result).success).toBe(true);
        const wire = JSON.stringify(result);
        mustNotLeak(wire);
        if (!spec.input.safeParse(input ?? {}).success) {
          expect(result).toMatchObject({ ok: false, error: { code: 'validation' } });
        }
        // An answer is exactly its output schema's shape: parsing it again changes nothing.
        if (result.ok) expect(spec.output.parse(result.value)).toEqual(result.value);
        if (!result.ok) {
          expect(ERROR_CODES).toContain(result.error.code);
          // An internal error is a bug that escaped a service: fuzzing must not find one.
          expect(result.error.code, result.error.message).not.toBe('internal');
          expect(result.error.message.length).toBeGreaterThan(10);
          for (const issue of result.error.issues ?? []) {
            // Issues carry paths and schema words, never a received value (a huge or marked one here).
            expect(issue.message.length).toBeLessThan(400);
            expect(issue.message).not.toContain('AAAAAAAAAAAAAAAAAAAA');
            // Caller-chosen keys are neither quoted in a message nor repeated at length in a path.
            expect(issue.message).not.toMatch(/__defineGetter__|hasOwnProperty|valueOf/);
            for (const segment of issue.path.split('.')) expect(segment.length).toBeLessThanOrEqual(65);
          }
        }
        expect(prototypeKeys()).toBe(prototypeBefore);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS_PER_CHANNEL, seed: Number(process.env.AUTHDESK_FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    // Let anything a handler left running settle, so a late rejection is caught against this channel.
    await new Promise((r) => setImmediate(r));
    expect(unexpected).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('never printed the secret in any log line while fuzzing', () => {
    // The check below must be able to fail: a line through the console spy is captured (as an Error,
    // the way main logs one), and a line with the secret in it would be refused.
    console.error(new Error('fuzz-ipc canary: a known line without any secret'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.at(-1)).toContain('Error: fuzz-ipc canary: a known line without any secret');
    expect(() => mustNotLeak(`leaked ${emulator.secret}`)).toThrow();
    for (const line of logLines) mustNotLeak(line);
  });
});

describe('team:connect never hands the password back', () => {
  it('answers valid connections to a closed port and refused plaintext without the password in the answer or a log', async () => {
    // A port nothing listens on (this process's own free-port probe): every connection fails fast.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(port));
      });
    });
    const marked = fc.string({ minLength: 12, maxLength: 60 }).map((s) => `pw-${s}-mark`);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          host: fc.constantFrom('127.0.0.1', 'localhost', '192.0.2.10', 'db.example.invalid'),
          tls: fc.constantFrom('verify-full', 'disable'),
          role: fc.constantFrom('agent_x', 'postgres', '_a1'),
          database: fc.constantFrom('authdesk', 'x', 'a b'),
          password: marked,
        }),
        async (input) => {
          // Remote hosts only with plaintext (refused before any network); TLS and plaintext to this computer reach the closed port.
          if (input.tls === 'verify-full' && !['127.0.0.1', 'localhost'].includes(input.host)) input.host = '127.0.0.1';
          const before = logLines.length;
          const result = await router.handle('team:connect', { ...input, port: closedPort }, { transport: 'test' });
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(['validation', 'unavailable']).toContain(result.error.code);
          const wire = JSON.stringify(result);
          expect(wire).not.toContain(input.password);
          expect(wire).not.toContain(encodeURIComponent(input.password));
          for (const line of logLines.slice(before)) expect(line).not.toContain(input.password);
        },
      ),
      { numRuns: 20, seed: Number(process.env.AUTHDESK_FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    expect(await services.team.connection('agent').catch(() => null)).toBeNull();
  });
});

describe('a handler that returns more than its output schema', () => {
  it('regression #17: has the extra field (here the secret) stripped from every answer, on every channel', async () => {
    // Planted bug this catches: the router returning a handler's value without shaping it by the
    // channel's output schema. Every real handler is wrapped to add a field carrying the secret, as
    // a service returning its internal record would; no answer may carry it.
    const leaky = (value: unknown): unknown => {
      const add = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, leakedSecret: emulator.secret } : v);
      return Array.isArray(value) ? value.map(add) : add(value);
    };
    const real = createHandlers(services) as unknown as Record<string, (input: unknown, ctx: unknown) => unknown>;
    const wrapped = Object.fromEntries(Object.entries(real).map(([name, handler]) => [name, async (input: unknown, ctx: unknown) => leaky(await handler(input, ctx))]));
    const leakyRouter = createRouter(wrapped as unknown as Parameters<typeof createRouter>[0]);
    const answered: string[] = [];
    for (const name of CHANNEL_NAMES) {
      for (const input of [{}, { userId: realUserId }, { id: 'local' }]) {
        const result = await leakyRouter.handle(name, input, { transport: 'test' });
        const wire = JSON.stringify(result);
        expect(wire, name).not.toContain('leakedSecret');
        mustNotLeak(wire);
        if (result.ok) answered.push(name);
      }
    }
    // Enough channels answered for the check to mean something.
    expect(new Set(answered).size).toBeGreaterThanOrEqual(5);
  });
});

describe('concurrent calls (a double click, two windows, a retry storm)', () => {
  it.runIf(process.env.AUTHDESK_TEST_SESSION === '1')('five adds of one name at once keep one profile, with the secret of the call that won', async () => {
    const secrets = [0, 1, 2, 3, 4].map((i) => (i === 2 ? emulator.secret : `sk_race_wrong_${i}_0123456789abcdef`));
    const results = await Promise.all(
      secrets.map((secret) =>
        router.handle('tenants:add', { name: 'Race', apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret, testFirst: false, makeActive: false }, { transport: 'test' }),
      ),
    );
    try {
      const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) if (!r.ok) expect(r.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/already exists\. Pick another name/) as unknown });
      const list = await services.tenants.list();
      expect(list.tenants.filter((t) => t.name === 'Race')).toHaveLength(1);
      // The keychain holds the winner's secret: the profile works exactly when the winner had the right one.
      const tested = await router.handle('tenants:test', { id: 'race' }, { transport: 'test' });
      expect(tested).toMatchObject({ ok: true, value: { ok: winners[0] === 2 } });
      // Rotations at once: every one answers, and the profile ends on one of the secrets, consistent with its test.
      const rotated = await Promise.all(
        [emulator.secret, 'sk_race_rotate_wrong_0123456789'].map((secret) => router.handle('tenants:rotate-secret', { id: 'race', secret, testFirst: false }, { transport: 'test' })),
      );
      expect(rotated.map((r) => r.ok)).toEqual([true, true]);
      const after = await router.handle('tenants:test', { id: 'race' }, { transport: 'test' });
      expect(after.ok).toBe(true);
    } finally {
      await services.tenants.remove('race').catch(() => undefined);
    }
  });
});
