import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { DEMO_USERS } from '../../src/emulator/seeds';
import { offlineProviderName } from '../../src/main/services/directory/aaguid';
import { AuditLogService } from '../../src/main/services/audit/audit-log.service';
import { DirectoryService } from '../../src/main/services/directory/directory.service';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { TenantService } from '../../src/main/services/tenants/tenants.service';
import type { AuditEntry } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import { RemoveAllAuthenticatorsInput, RemoveAuthenticatorInput } from '@shared/ipc/channels/authenticators';
import { RevokeSessionsInput, UserSearchInput } from '@shared/ipc/channels/users';

/**
 * The directory service against the REAL local tenant over HTTP (the emulator seeded with the demo
 * users), through the real @authsignal/node SDK, the real tenant vault (local tenant profile) and
 * the real audit log on disk.
 */

let emulator: RunningEmulator;
let dir: string;
let audit: AuditLogService;
let directory: DirectoryService;
let tenants: TenantService;
let seq = 0;

const demo = (userId: string) => {
  const u = DEMO_USERS.find((d) => d.userId === userId);
  if (!u) throw new Error(`no demo user ${userId}`);
  return u;
};
const GRACE = demo('auth0|5f1b2c3d4e');

function search(query: string, country?: string, stream?: string) {
  return directory.search(UserSearchInput.parse({ query, country, seq: ++seq, stream }));
}

async function entries(): Promise<AuditEntry[]> {
  const text = await readFile(audit.file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

async function fresh(): Promise<void> {
  await emulator?.close();
  emulator = await startEmulator({ seed: 'demo' });
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'directory-'));
  tenants = new TenantService({
    dataDir: dir,
    keychain: createKeychain(`authdesk-directory-test-${process.pid}`),
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
  audit = new AuditLogService({ dataDir: dir, agentName: () => 'Test Agent' });
  directory = new DirectoryService({ tenants, audit, locale: 'en-US' });
}

beforeAll(fresh);
afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('search against the local tenant', () => {
  it('finds a user by email and records the search', async () => {
    const r = await search(GRACE.email!);
    expect(r.superseded).toBe(false);
    expect(r.query.kind).toBe('email');
    expect(r.results.map((u) => u.userId)).toEqual([GRACE.userId]);
    expect(r.results[0]).toMatchObject({ displayName: 'Grace Hopper', matchedBy: ['email'] });
    const last = (await entries()).at(-1)!;
    expect(last).toMatchObject({ action: 'user.search', outcome: 'ok', tenant: { id: 'local' }, actor: { agentName: 'Test Agent' } });
    expect(last.details).toMatchObject({ query: GRACE.email, kind: 'email', results: 1, resultUserIds: [GRACE.userId] });
  });

  it('finds a user by a phone number typed in a local format', async () => {
    const r = await search('(415) 555-0123', 'US');
    expect(r.query.phone?.e164).toBe(GRACE.phoneNumber);
    expect(r.results.map((u) => [u.userId, u.matchedBy])).toEqual([[GRACE.userId, ['phoneNumber']]]);
  });

  it('reads local numbers in the process locale when the console sends no country', async () => {
    expect((await search('415 555 0123')).results.map((u) => u.userId)).toEqual([GRACE.userId]);
  });

  it('finds a UK number typed the UK way when the console is in GB', async () => {
    const hedy = demo('usr_hedy');
    const r = await search('07700 900123', 'GB');
    expect(r.results.map((u) => u.userId)).toEqual([hedy.userId]);
  });

  it('finds users by an id with "|" and by one with "+" and "@"', async () => {
    const byPipe = await search(GRACE.userId);
    expect(byPipe.results.map((u) => [u.userId, u.matchedBy])).toEqual([[GRACE.userId, ['userId']]]);
    expect(byPipe.results[0].isEnrolled).toBe(true);
    const sam = demo('sam+support@example.com');
    const byPlus = await search(sam.userId);
    expect(byPlus.results).toHaveLength(1);
    expect(byPlus.results[0].matchedBy.sort()).toEqual(['email', 'userId']);
  });

  it('finds a user by username, including a unicode one', async () => {
    expect((await search('grace.hopper')).results.map((u) => u.userId)).toEqual([GRACE.userId]);
    expect((await search('zoë')).results.map((u) => u.userId)).toEqual(['usr_zoë']);
  });

  it('finds both users sharing one phone number', async () => {
    const r = await search('+1 415 555 0199');
    expect(r.results.map((u) => u.userId).sort()).toEqual(['usr_shared_phone_1', 'usr_shared_phone_2']);
  });

  it('finds nobody for an id that holds nothing, and says so without failing', async () => {
    const r = await search('usr_does_not_exist');
    expect(r.results).toEqual([]);
    expect(r.failedLookups).toEqual([]);
  });

  it('lets a newer search supersede an older one in the same stream', async () => {
    emulator.setFaults({ latencyMs: 150 });
    try {
      const older = search(GRACE.email!, undefined, 'race');
      await new Promise((r) => setTimeout(r, 20));
      const newer = search('alan@example.com', undefined, 'race');
      const [a, b] = await Promise.all([older, newer]);
      expect(a.superseded).toBe(true);
      expect(a.results).toEqual([]);
      expect(b.superseded).toBe(false);
      expect(b.results.map((u) => u.userId)).toEqual(['usr_alan']);
      // A search arriving after a newer one (out-of-order IPC) is stale on arrival.
      const stale = await directory.search(UserSearchInput.parse({ query: GRACE.email, seq: 1, stream: 'race' }));
      expect(stale.superseded).toBe(false); // the stream finished, so a late seq starts fresh…
      const again = directory.search(UserSearchInput.parse({ query: GRACE.email, seq: 1000, stream: 'late' }));
      const late = await directory.search(UserSearchInput.parse({ query: GRACE.email, seq: 999, stream: 'late' }));
      expect(late.superseded).toBe(true); // …but not while a newer one is running
      expect((await again).superseded).toBe(false);
    } finally {
      emulator.setFaults({ latencyMs: 0 });
    }
  });

  it('reports a failing tenant as an error, recorded with its outcome', async () => {
    emulator.setFaults({ errorRate: 1 });
    try {
      await expect(search('grace.hopper')).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      emulator.setFaults({ errorRate: 0 });
    }
    const last = (await entries()).at(-1)!;
    expect(last).toMatchObject({ action: 'user.search', outcome: 'error', error: { code: 'unavailable' } });
  });
});

describe('one user', () => {
  it('shows profile, authenticators with provider names and last use, and recent actions', async () => {
    const d = await directory.getUser(GRACE.userId);
    expect(d.profile).toMatchObject({ userId: GRACE.userId, email: GRACE.email, phoneNumber: GRACE.phoneNumber, isEnrolled: true });
    expect(d.authenticators.ok).toBe(true);
    if (!d.authenticators.ok) return;
    expect(d.authenticators.value.map((a) => a.method).sort()).toEqual([...GRACE.methods].sort());
    const key = d.authenticators.value.find((a) => a.method === 'SECURITY_KEY')!;
    expect(key.name).toBe(offlineProviderName('cb69481e-8ff7-4039-93ec-0a2729a154a8'));
    expect(key.phishingResistant).toBe(true);
    const sms = d.authenticators.value.find((a) => a.method === 'SMS')!;
    expect(sms.name).toBe(GRACE.phoneNumber);
    expect(Date.parse(sms.lastUsedAt!)).toBeLessThan(Date.now());

    const tim = await directory.getUser('google-oauth2|103920485761234567890');
    const passkey = tim.authenticators.ok ? tim.authenticators.value.find((a) => a.method === 'PASSKEY') : undefined;
    expect(passkey?.name).toBe('Google Password Manager');
    expect(passkey?.deviceType).toBe('multiDevice');
    expect(passkey?.browser).toMatch(/Chrome/);

    const last = (await entries()).at(-1)!;
    expect(last).toMatchObject({ action: 'user.lookup', outcome: 'ok', subject: { userId: 'google-oauth2|103920485761234567890' } });
    expect((await directory.recent()).map((r) => r.userId).slice(0, 2)).toEqual(['google-oauth2|103920485761234567890', GRACE.userId]);
  });

  it('records one "Opened a user" per lookup the agent made, not one per window reload of the same user', async () => {
    let now = Date.parse('2026-05-01T10:00:00Z');
    const clocked = new DirectoryService({ tenants, audit, locale: 'en-US', now: () => new Date(now) });
    const lookups = async () => (await entries()).filter((e) => e.action === 'user.lookup').map((e) => e.subject.userId);
    const before = (await lookups()).length;
    await clocked.getUser(GRACE.userId);
    now += 20_000; // the agent reloads the window: the same user is fetched again
    await clocked.getUser(GRACE.userId);
    now += 60_000;
    await clocked.getUser(GRACE.userId);
    expect((await lookups()).slice(before)).toEqual([GRACE.userId]);
    await clocked.getUser('usr_locked'); // another user is another lookup
    await clocked.getUser(GRACE.userId); // and coming back to the first one is too
    now += 6 * 60_000; // a look much later is a new lookup
    await clocked.getUser(GRACE.userId);
    expect((await lookups()).slice(before)).toEqual([GRACE.userId, 'usr_locked', GRACE.userId, GRACE.userId]);
  });

  it('lists the last 30 days of actions, newest first, with their states', async () => {
    const d = await directory.getUser('usr_locked');
    expect(d.actions.ok).toBe(true);
    if (!d.actions.ok) return;
    const states = d.actions.value.map((a) => a.state);
    expect(states).toContain('CHALLENGE_FAILED');
    expect(states).toContain('BLOCK');
    const times = d.actions.value.map((a) => Date.parse(a.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(Date.parse(d.actionsFrom));
  });

  it('refuses ids that would change the request path', async () => {
    await expect(directory.getUser('..')).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('safe changes', () => {
  beforeEach(fresh);

  const reason = 'Caller lost their phone and asked for removal';

  it('refuses to remove a last authenticator unacknowledged, then removes it and records reason, ticket and outcome', async () => {
    const margaret = await directory.getUser('usr_margaret');
    const [only] = margaret.authenticators.ok ? margaret.authenticators.value : [];
    const input = { userId: 'usr_margaret', authenticatorId: only.id, reason, ticket: 'INC-1001', confirmation: 'REMOVE' };

    await expect(directory.removeAuthenticator(RemoveAuthenticatorInput.parse(input))).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/last authenticator/) as unknown,
    });
    const still = await directory.getUser('usr_margaret');
    expect(still.authenticators.ok && still.authenticators.value.map((a) => a.id)).toEqual([only.id]);
    const refused = (await entries()).filter((e) => e.action === 'authenticator.remove');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ outcome: 'error', error: { code: 'conflict' }, details: { reason, ticket: 'INC-1001' } });

    const result = await directory.removeAuthenticator(
      RemoveAuthenticatorInput.parse({ ...input, acknowledgedWarnings: ['last-authenticator'] }),
    );
    expect(result.removed).toEqual([only.id]);
    expect(result.remaining).toEqual([]);
    expect(result.warnings).toEqual(['last-authenticator']);
    expect(result.recoveryPaths).toEqual([{ kind: 'verified-phone', phoneNumber: '+14155550124' }]);
    // Flushed before the result returned: the entry is on disk now, with its seq.
    const done = (await entries()).at(-1)!;
    expect(done).toMatchObject({
      seq: result.auditSeq,
      action: 'authenticator.remove',
      outcome: 'ok',
      subject: { userId: 'usr_margaret' },
      details: { reason, ticket: 'INC-1001', removedIds: [only.id], warnings: ['last-authenticator'] },
    });
    const after = await directory.getUser('usr_margaret');
    expect(after.authenticators.ok && after.authenticators.value).toEqual([]);
  });

  it('warns about the only phishing-resistant authenticator', async () => {
    const grace = await directory.getUser(GRACE.userId);
    const key = grace.authenticators.ok ? grace.authenticators.value.find((a) => a.method === 'SECURITY_KEY')! : undefined;
    const input = { userId: GRACE.userId, authenticatorId: key!.id, reason, ticket: 'INC-1002', confirmation: GRACE.userId };
    await expect(directory.removeAuthenticator(RemoveAuthenticatorInput.parse(input))).rejects.toMatchObject({ code: 'conflict' });
    const ok = await directory.removeAuthenticator(RemoveAuthenticatorInput.parse({ ...input, acknowledgedWarnings: ['last-phishing-resistant'] }));
    expect(ok.remaining.map((a) => a.method).sort()).toEqual(['AUTHENTICATOR_APP', 'SMS']);
  });

  it('refuses to remove all when the set changed since the agent looked', async () => {
    const d = await directory.getUser('usr_stale');
    const ids = d.authenticators.ok ? d.authenticators.value.map((a) => a.id) : [];
    const base = { userId: 'usr_stale', reason, ticket: 'INC-1003', confirmation: 'REMOVE', acknowledgedWarnings: ['last-authenticator'] };
    await expect(
      directory.removeAllAuthenticators(RemoveAllAuthenticatorsInput.parse({ ...base, expectedAuthenticatorIds: ids.slice(1) })),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/changed since you loaded/) as unknown });
    const all = await directory.removeAllAuthenticators(RemoveAllAuthenticatorsInput.parse({ ...base, expectedAuthenticatorIds: ids }));
    expect(all.removed.sort()).toEqual([...ids].sort());
    expect(all.remaining).toEqual([]);
    expect((await entries()).at(-1)).toMatchObject({ action: 'authenticators.remove-all', outcome: 'ok', details: { ticket: 'INC-1003' } });
  });

  it('revokes sessions and records it', async () => {
    const r = await directory.revokeSessions(RevokeSessionsInput.parse({ userId: GRACE.userId, reason, ticket: 'INC-1004' }));
    expect(r.userId).toBe(GRACE.userId);
    expect((await entries()).at(-1)).toMatchObject({ action: 'sessions.revoke', outcome: 'ok', subject: { userId: GRACE.userId } });
  });

  it('fails closed: with a torn audit log nothing is shown and nothing is changed', async () => {
    await search(GRACE.email!); // creates the log
    await appendFile(audit.file, '{"v":1,"seq":'); // a crash mid-append
    await expect(search(GRACE.email!)).rejects.toBeInstanceOf(AppError);
    await expect(directory.getUser('usr_margaret')).rejects.toMatchObject({ message: expect.stringMatching(/audit log/) as unknown });
    const before = emulator.store.listAuthenticators('usr_katherine');
    const katherine = DEMO_USERS.find((u) => u.userId === 'usr_katherine')!;
    await expect(
      directory.removeAllAuthenticators(
        RemoveAllAuthenticatorsInput.parse({
          userId: katherine.userId,
          reason,
          ticket: 'INC-1005',
          confirmation: 'REMOVE',
          acknowledgedWarnings: ['last-authenticator'],
          expectedAuthenticatorIds: before.map((a) => a.userAuthenticatorId),
        }),
      ),
    ).rejects.toBeInstanceOf(AppError);
    expect(emulator.store.listAuthenticators('usr_katherine')).toHaveLength(1);
  });
});
