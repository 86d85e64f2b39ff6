import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AppError } from '@shared/errors';
import { CHANNEL_NAMES, channels } from '@shared/ipc';
import { createRouter, toIssues, type Handlers } from '../../../src/main/ipc/router';

const summary = {
  id: 'p1',
  name: 'Prod',
  kind: 'remote' as const,
  region: 'us' as const,
  apiUrl: 'https://api.authsignal.com/v1',
  tenantId: 't1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  active: true,
  hasSecret: true,
};

const verification = {
  id: 'ver_abcdefgh',
  userId: 'u1',
  tenantId: 'p1',
  method: 'offline' as const,
  status: 'verified' as const,
  startedAt: '2026-01-01T00:00:00.000Z',
};
const verificationOptions = { userId: 'u1', required: true, enrolled: false, targets: [], prebuiltAvailable: false, unverifiable: true, current: null };
const enrollment = {
  id: 'enr_abcdefgh',
  userId: 'u1',
  mode: 'link' as const,
  status: 'open' as const,
  firstEnrollment: true,
  startedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-01-01T00:10:00.000Z',
  added: [],
};
const closed = { available: false, reason: 'Verify the caller first' };
const enrollmentOptions = {
  userId: 'u1',
  enrolled: false,
  verificationRequired: true,
  verification: null,
  actionCode: 'authdesk-enroll',
  modes: { 'prebuilt-window': closed, 'guided-window': closed, link: closed },
  webauthnInGuided: closed,
  current: null,
};

const coverageRun = {
  runId: '00000000-0000-4000-8000-000000000000',
  inputName: 'users.csv',
  createdAt: '2026-01-01T00:00:00.000Z',
  state: 'running' as const,
  progress: null,
  summary: null,
  total: 0,
  tenant: { id: null, name: null, host: '' },
  staleDays: 180,
  resumable: false,
};

/** A complete handler table whose every handler records that it was reached. */
/** What the bridge:* spies answer (browser integration off, nothing paired). */
const soloPolicy = {
  managed: false,
  role: 'admin' as const,
  account: 'me',
  settings: {
    requireCallerVerification: { value: true, source: 'default' as const, locked: false },
    maskContacts: { value: true, source: 'default' as const, locked: false },
    allowedTenants: { value: null, source: 'default' as const, locked: false },
    lastAuthenticatorRemoval: { value: 'anyone' as const, source: 'default' as const, locked: false },
    requireTicketId: { value: false, source: 'default' as const, locked: false },
    requireTeamStore: { value: false, source: 'default' as const, locked: false },
  },
  trustedEvidenceKeys: [],
  grants: { enrollmentOrigins: [], plaintextTeamStore: false },
  problems: [],
};
const bridgeStatus = { enabled: false, listening: false, socketPath: '/s', extensionIds: [], manifests: [], paired: [], pending: [], declined: [] };

function spyHandlers() {
  const reached = vi.fn();
  const list = { tenants: [summary], activeId: 'p1' };
  const handlers: Handlers = {
    'app:info': () => (reached('app:info'), { version: '0', platform: 'linux', localTenant: true }),
    'tenants:list': () => (reached('tenants:list'), list),
    // The extra `secret` key must be stripped by the output schema.
    'tenants:add': () => (reached('tenants:add'), { ...summary, secret: 'sk_live_should_never_cross' }),
    'tenants:rename': () => (reached('tenants:rename'), summary),
    'tenants:set-active': () => (reached('tenants:set-active'), list),
    'tenants:rotate-secret': () => (reached('tenants:rotate-secret'), summary),
    'tenants:test': () => (reached('tenants:test'), { ok: true, latencyMs: 1, message: 'ok' }),
    'tenants:check-readiness': () => (
      reached('tenants:check-readiness'),
      {
        tenant: { id: 'demo', name: 'Demo', kind: 'remote' as const, host: 'api.authsignal.com', tenantId: 't' },
        checkedAt: '2026-01-01T00:00:00.000Z',
        status: 'ok' as const,
        connection: { status: 'ok' as const, message: 'ok' },
        authenticators: { status: 'ok' as const, message: 'ok', configured: [] },
        features: [],
        actions: { status: 'skipped' as const, message: 'not probed', probes: [] },
        advice: [],
      }
    ),
    'tenants:remove': () => (reached('tenants:remove'), list),
    'audit:list': () => (reached('audit:list'), { entries: [], nextCursor: null, scannedLines: 0, skippedLines: 0 }),
    'audit:verify': () => (reached('audit:verify'), { ok: true as const, file: 'a', entries: 0, lastSeq: 0, lastHash: '0'.repeat(64), recoveries: 0 }),
    'audit:status': () => (reached('audit:status'), { file: 'a', state: 'empty' as const, lastSeq: 0, message: 'empty' }),
    'audit:repair': () => (reached('audit:repair'), { kind: 'none' as const }),
    'team:status': () => (
      reached('team:status'),
      { state: 'off' as const, waiting: 0, shippedSeq: 0, localSeq: 0, offlineSince: null, lastShippedAt: null, message: null, url: null, deviceId: null }
    ),
    'team:list': () => (reached('team:list'), { entries: [], nextBeforeSeq: null }),
    'team:compare': () => (
      reached('team:compare'),
      { ok: true, deviceId: 'd', stored: { count: 0, lastSeq: 0 }, local: { entries: 0, lastSeq: 0 }, unshipped: null, findings: [], findingsTotal: 0 }
    ),
    'team:connect': () => (
      reached('team:connect'),
      { role: 'r', url: 'postgres://r@h:5432/d', status: { state: 'in-sync' as const, waiting: 0, shippedSeq: 0, localSeq: 0, offlineSince: null, lastShippedAt: null, message: null, url: null, deviceId: null } }
    ),
    'team:disconnect': () => (
      reached('team:disconnect'),
      { removed: true, status: { state: 'off' as const, waiting: 0, shippedSeq: 0, localSeq: 0, offlineSince: null, lastShippedAt: null, message: null, url: null, deviceId: null } }
    ),
    'settings:get': () => (reached('settings:get'), { agentName: null, staleAfterDays: 180, enrollmentActionCode: 'authdesk-enroll', tenantPolicies: {} }),
    'settings:update': () => (reached('settings:update'), { agentName: null, staleAfterDays: 180, enrollmentActionCode: 'authdesk-enroll', tenantPolicies: {} }),
    'settings:confirm-external': () => (reached('settings:confirm-external'), { agentName: null, staleAfterDays: 180, enrollmentActionCode: 'authdesk-enroll', tenantPolicies: {} }),
    'settings:policy': () => (reached('settings:policy'), soloPolicy),
    'bridge:status': () => (reached('bridge:status'), bridgeStatus),
    'bridge:set-enabled': () => (reached('bridge:set-enabled'), bridgeStatus),
    'bridge:confirm-pairing': () => (reached('bridge:confirm-pairing'), bridgeStatus),
    'bridge:reject-pairing': () => (reached('bridge:reject-pairing'), bridgeStatus),
    'bridge:revoke': () => (reached('bridge:revoke'), bridgeStatus),
    'verification:options': () => (reached('verification:options'), verificationOptions),
    'verification:start': () => (reached('verification:start'), verification),
    'verification:submit-code': () => (reached('verification:submit-code'), verification),
    'verification:check': () => (reached('verification:check'), verification),
    'verification:record-offline': () => (reached('verification:record-offline'), verification),
    'verification:cancel': () => (reached('verification:cancel'), verification),
    'enrollment:options': () => (reached('enrollment:options'), enrollmentOptions),
    'enrollment:start': () => (reached('enrollment:start'), enrollment),
    'enrollment:check': () => (reached('enrollment:check'), enrollment),
    'enrollment:cancel': () => (reached('enrollment:cancel'), enrollment),
    'users:search': () => (reached('users:search'), { seq: 1, superseded: false, query: { text: '', kind: 'empty' as const, lookups: [] }, results: [], failedLookups: [], truncated: false, tookMs: 0 }),
    'users:get': () => (reached('users:get'), { profile: { userId: 'u', emailVerified: false, phoneNumberVerified: false, custom: {}, isEnrolled: false, enrolledVerificationMethods: [], allowedVerificationMethods: [] }, authenticators: { ok: true as const, value: [] }, actions: { ok: true as const, value: [] }, actionsFrom: 'a', fetchedAt: 'a' }),
    'users:recent': () => (reached('users:recent'), { users: [] }),
    'users:revoke-sessions': () => (reached('users:revoke-sessions'), { userId: 'u', revokedAt: 'a' }),
    'authenticators:remove': () => (reached('authenticators:remove'), { userId: 'u', removed: [], remaining: [], warnings: [], recoveryPaths: [] }),
    'authenticators:remove-all': () => (reached('authenticators:remove-all'), { userId: 'u', removed: [], remaining: [], warnings: [], recoveryPaths: [] }),
    'coverage:upload': () => (reached('coverage:upload'), { uploadId: 'u', bytes: 0, done: false }),
    'coverage:start': () => (reached('coverage:start'), coverageRun),
    'coverage:cancel': () => (reached('coverage:cancel'), coverageRun),
    'coverage:status': () => (reached('coverage:status'), { run: null, runs: [] }),
    'coverage:rows': () => (reached('coverage:rows'), { total: 0, offset: 0, rows: [] }),
    'coverage:export': () => (reached('coverage:export'), { fileName: 'r.csv', mimeType: 'text/csv', chunk: '', nextOffset: null, bytes: 0 }),
    'evidence:export': () => (reached('evidence:export'), { path: 'p', files: [], keyFingerprint: 'f', auditEntries: 0 }),
  };
  return { handlers, reached };
}

describe('router', () => {
  it('has exactly one schema per channel name', () => {
    expect(Object.keys(channels).sort()).toEqual([...CHANNEL_NAMES].sort());
    for (const name of CHANNEL_NAMES) {
      expect(name).toMatch(/^[a-z]+:[a-z]+(-[a-z]+)*$/);
    }
  });

  it('refuses unknown channels', async () => {
    const { handlers, reached } = spyHandlers();
    const res = await createRouter(handlers).handle('tenants:dump-secrets', {}, { transport: 'test' });
    expect(res).toEqual({ ok: false, error: { code: 'validation', message: 'Unknown channel' } });
    expect(reached).not.toHaveBeenCalled();
  });

  it('never lets a bad input reach a service, and reports paths without values', async () => {
    const { handlers, reached } = spyHandlers();
    const router = createRouter(handlers);
    const bad = await router.handle(
      'tenants:add',
      { name: '', tenantId: 't', secret: 'sk_super_secret_value', region: 'mars' },
      { transport: 'test' },
    );
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe('validation');
    expect(bad.error.message).toBe('Some of the details are not valid; correct the highlighted fields and try again.');
    expect(bad.error.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'region']));
    expect(JSON.stringify(bad)).not.toContain('sk_super_secret_value');
    expect(JSON.stringify(bad)).not.toContain('mars');
    const extra = await router.handle('tenants:rename', { id: 'p1', name: 'x', sneaky: 1 }, { transport: 'test' });
    expect(extra.ok).toBe(false);
    expect(reached).not.toHaveBeenCalled();
  });

  it('strips keys the output schema does not declare', async () => {
    const { handlers } = spyHandlers();
    const res = await createRouter(handlers).handle(
      'tenants:add',
      { name: 'Prod', region: 'us', tenantId: 't1', secret: 'sk' },
      { transport: 'test' },
    );
    expect(res.ok).toBe(true);
    expect(JSON.stringify(res)).not.toContain('sk_live_should_never_cross');
  });

  it('maps AppError to its code and hides unexpected errors', async () => {
    const { handlers } = spyHandlers();
    const sink = vi.fn();
    handlers['tenants:list'] = () => {
      throw new AppError('keychain-unavailable', 'Unlock your keychain');
    };
    handlers['tenants:remove'] = () => {
      throw new Error('stack trace with sk_live_abc');
    };
    const router = createRouter(handlers, sink);
    expect(await router.handle('tenants:list', {}, { transport: 'test' })).toEqual({
      ok: false,
      error: { code: 'keychain-unavailable', message: 'Unlock your keychain' },
    });
    const hidden = await router.handle('tenants:remove', { id: 'p1' }, { transport: 'test' });
    expect(hidden.ok).toBe(false);
    expect(JSON.stringify(hidden)).not.toContain('sk_live_abc');
    expect(sink).toHaveBeenCalledOnce();
  });

  it('cannot be given a handler for a channel without a schema (type test)', () => {
    const { handlers } = spyHandlers();
    // @ts-expect-error 'tenants:export-secret' has no schema, so the handler table rejects it.
    const withExtra: Handlers = { ...handlers, 'tenants:export-secret': () => 'x' } satisfies Handlers;
    expect(withExtra).toBeDefined();
  });
  it('refuses an answer that does not match its output schema, and reports it as a bug', async () => {
    const { handlers } = spyHandlers();
    const sink = vi.fn();
    // SECURITY: a handler that returns the wrong shape must not have it passed through as it is.
    handlers['tenants:list'] = () => ({ tenants: 'sk_live_wrong_shape', activeId: 7 }) as never;
    const res = await createRouter(handlers, sink).handle('tenants:list', {}, { transport: 'test' });
    expect(res).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Authdesk produced an unexpected answer. Try again; if it persists, report it.' },
    });
    expect(sink).toHaveBeenCalledOnce();
    const [channel, error] = sink.mock.calls[0] as [string, Error];
    expect(channel).toBe('tenants:list');
    expect(error.message).toBe('Output of tenants:list did not match its schema');
    expect(error.cause).toBeInstanceOf(z.ZodError);
  });

  it('maps a ZodError a handler throws to validation issues, and an unknown error to a message that says what to do', async () => {
    const { handlers } = spyHandlers();
    const sink = vi.fn();
    handlers['tenants:list'] = () => {
      z.object({ name: z.string() }).parse({ name: 1 });
      return { tenants: [], activeId: null };
    };
    handlers['tenants:remove'] = () => {
      throw new Error('boom');
    };
    const router = createRouter(handlers, sink);
    const invalid = await router.handle('tenants:list', {}, { transport: 'test' });
    expect(invalid.ok).toBe(false);
    if (invalid.ok) return;
    expect(invalid.error.code).toBe('validation');
    expect(invalid.error.message).toBe('Some of the details are not valid.');
    expect(invalid.error.issues?.map((i) => [i.path, i.code])).toEqual([['name', 'invalid_type']]);
    expect(sink).not.toHaveBeenCalled();
    const hidden = await router.handle('tenants:remove', { id: 'p1' }, { transport: 'test' });
    expect(hidden).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Something went wrong inside Authdesk. Try again; if it persists, report it.' },
    });
  });
});

describe('toIssues', () => {
  const issuesOf = (schema: z.ZodType, value: unknown) => {
    const r = schema.safeParse(value);
    if (r.success) throw new Error('expected the value to be refused');
    return toIssues(r.error);
  };

  it('repeats a path segment of up to 64 characters and caps a longer one', () => {
    const record = z.record(z.string(), z.number());
    const at64 = 'k'.repeat(64);
    expect(issuesOf(record, { [at64]: 'x' }).map((i) => i.path)).toEqual([at64]);
    // SECURITY: a caller-chosen key is cut, so a path never carries a long value back.
    expect(issuesOf(record, { ['v'.repeat(65)]: 'x' }).map((i) => i.path)).toEqual([`${'v'.repeat(64)}…`]);
    expect(issuesOf(z.object({ a: z.array(z.number()) }), { a: [1, 'x'] }).map((i) => i.path)).toEqual(['a.1']);
  });

  it('counts unrecognized keys instead of naming them', () => {
    const strict = z.object({ a: z.number() }).strict();
    expect(issuesOf(strict, { a: 1, sk_one: 1 })).toEqual([{ path: '', code: 'unrecognized_keys', message: 'Unexpected field (1): remove it' }]);
    expect(issuesOf(strict, { a: 1, sk_one: 1, sk_two: 2 })).toEqual([{ path: '', code: 'unrecognized_keys', message: 'Unexpected fields (2): remove them' }]);
  });

  it("keeps zod's own message for other issues", () => {
    const issues = issuesOf(z.object({ a: z.number() }), { a: 'x' });
    expect(issues.map((i) => [i.path, i.code])).toEqual([['a', 'invalid_type']]);
    expect(issues[0]?.message).toMatch(/expected number/i);
  });
});
