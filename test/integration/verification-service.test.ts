import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { createServices, type Services } from '../../src/main/services/container';
import { OTP_MAX_ATTEMPTS } from '../../src/emulator/otp';
import { TENANT_VERIFICATION_METHODS } from '../../src/emulator/actions';
import { FORGET_AFTER_MS } from '../../src/main/services/verification/records';
import { VerificationService, type VerificationServiceOptions } from '../../src/main/services/verification/verification.service';
import { ConfiguredMethods } from '../../src/main/services/readiness/configured-methods';
import { METHODS_UNKNOWN_NOTE, NOT_CONFIGURED_REASON } from '@shared/domain/enrollment';
import { VERIFICATION_ACTION_CODE } from '@shared/domain/verification';
import type { TenantPolicy } from '@shared/domain/settings';
import type { VerificationOptions, VerificationView } from '@shared/domain/verification';
import type { Result } from '@shared/ipc/result';
import { auditEntries as entriesOf, filesUnder, routerOver } from '../support/data-dir';
import { latestMessage, outboxCount } from '../support/emulator-page';

// Caller verification over the real router and services against the local tenant over HTTP: the
// email code really goes to the emulator's outbox, the challenge link is completed through the
// real Client API the way the pre-built UI does it, and every step lands in the real audit log.

let emulator: RunningEmulator;
let dataDir: string;
let services: Services;
let call: <T>(channel: string, input: unknown) => Promise<Result<T>>;
let ok: <T>(channel: string, input: unknown) => Promise<T>;

/** Builds the services and the router, with a verification lifetime a test may shorten. */
async function build(lifetimeMs?: number): Promise<void> {
  await services?.close();
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'verification-'));
  services = createServices({
    dataDir,
    keychainService: `authdesk-verification-test-${process.pid}`,
    appVersion: '0.0.0-test',
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    verificationLifetimeMs: lifetimeMs,
  });
  ({ call, ok } = routerOver(services));
}

const auditEntries = () => entriesOf(dataDir);

/** Everything Authdesk wrote to its data dir, as one string. */
const dataDirText = async () => (await filesUnder(dataDir)).map((f) => f.text).join('\n');

/** Sends a code to the user's first target of `method` and returns the verification and the code the outbox got. */
async function sendCode(userId: string, to: string, method: 'email-otp' | 'sms-otp' = 'email-otp') {
  const options = await ok<VerificationOptions>('verification:options', { userId });
  const target = options.targets.find((t) => t.method === method);
  expect(target).toBeDefined();
  const before = await outboxCount(emulator, to);
  const view = await ok<VerificationView>('verification:start', { userId, method, targetRef: target!.ref });
  const message = await latestMessage(emulator, to, before);
  return { view, code: message.code! };
}

beforeAll(async () => {
  emulator = await startEmulator({ seed: 'demo' });
});
afterEach(async () => {
  await services?.close();
  await rm(dataDir, { recursive: true, force: true });
});
afterAll(async () => {
  await emulator?.close();
});

describe('verification options', () => {
  it("lists a user's verified contacts masked, never in full, and offers a challenge link to enrolled users", async () => {
    await build();
    const options = await ok<VerificationOptions>('verification:options', { userId: 'auth0|5f1b2c3d4e' });
    expect(options).toMatchObject({ required: true, enrolled: true, prebuiltAvailable: true, unverifiable: false, current: null });
    // Grace: SMS authenticator (+14155550123), and her profile email if verified.
    const sms = options.targets.find((t) => t.method === 'sms-otp');
    expect(sms).toMatchObject({ masked: '+•••••••••23' });
    const text = JSON.stringify(options);
    expect(text).not.toContain('+14155550123');
    expect(text).not.toContain('grace@example.com');
  });

  it('marks a user with nothing enrolled unverifiable and offers no unverified contact', async () => {
    await build();
    const alan = await ok<VerificationOptions>('verification:options', { userId: 'usr_alan' });
    expect(alan).toMatchObject({ enrolled: false, unverifiable: true, prebuiltAvailable: false, targets: [] });
  });
});

describe('a code to a verified contact', () => {
  it('verifies the caller with the emailed code; a wrong code is refused and recorded; no code lands on disk', async () => {
    await build();
    const { view, code } = await sendCode('usr_katherine', 'katherine@example.com');
    expect(view).toMatchObject({ status: 'pending', method: 'email-otp', target: 'k•••••••e@example.com' });
    expect(view.pendingUntil).toBeTruthy();
    expect(JSON.stringify(view)).not.toContain('katherine@example.com');

    const wrong = code === '000000' ? '111111' : '000000';
    const refused = await ok<VerificationView>('verification:submit-code', { verificationId: view.id, code: wrong });
    expect(refused).toMatchObject({ status: 'pending', failure: expect.stringMatching(/not right/) as unknown });

    const before = Date.now();
    const verified = await ok<VerificationView>('verification:submit-code', { verificationId: view.id, code });
    expect(verified.status).toBe('verified');
    const lifetime = Date.parse(verified.expiresAt!) - before;
    expect(lifetime).toBeGreaterThan(9.9 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(10 * 60_000 + 1000);

    const entries = await auditEntries();
    expect(entries.map((e) => e.action)).toEqual(['verification.start', 'verification.fail', 'verification.succeed']);
    expect(entries[0]).toMatchObject({ subject: { userId: 'usr_katherine' }, details: { method: 'email-otp', verificationId: view.id, target: 'k•••••••e@example.com' } });
    expect(entries[1].details).toMatchObject({ reason: 'wrong-code' });
    expect(entries[2].verification).toEqual({ id: view.id, method: 'email-otp', expiresAt: verified.expiresAt });
    // SECURITY: neither code, nor the full address, is written anywhere Authdesk writes.
    const disk = await dataDirText();
    expect(disk).not.toContain(code);
    expect(disk).not.toContain('katherine@example.com');
    await expect(ok('verification:submit-code', { verificationId: view.id, code })).rejects.toThrow(/already verified/);
  });

  it('sends only to a contact main resolved itself: an unknown target is refused and nothing is sent', async () => {
    await build();
    const before = await outboxCount(emulator, 'katherine@example.com');
    const refused = await call('verification:start', { userId: 'usr_katherine', method: 'email-otp', targetRef: 'attacker@example.com' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not-found' } });
    // An unverified profile phone is no target either (Hedy's phone attribute is unverified).
    const hedy = await ok<VerificationOptions>('verification:options', { userId: 'usr_hedy' });
    expect(hedy.targets.find((t) => t.source === 'profile' && t.method === 'sms-otp')).toBeUndefined();
    expect(await outboxCount(emulator, 'katherine@example.com')).toBe(before);
    const start = (await auditEntries()).filter((e) => e.action === 'verification.start');
    expect(start).toHaveLength(1);
    expect(start[0]).toMatchObject({ outcome: 'error', error: { code: 'not-found' } });
  });
});

describe('a challenge link on the user device', () => {
  it('is verified once the user passes the challenge: main polls the action state', async () => {
    await build();
    const view = await ok<VerificationView>('verification:start', { userId: 'usr_katherine', method: 'prebuilt-ui' });
    expect(view.status).toBe('pending');
    const link = new URL(view.link!);
    expect(link.origin).toBe(emulator.uiOrigin);
    const token = link.searchParams.get('token')!;
    // The link is handed over once; checks never repeat it.
    const pending = await ok<VerificationView>('verification:check', { verificationId: view.id });
    expect(pending).toMatchObject({ status: 'pending' });
    expect(pending.link).toBeUndefined();

    // The user, on their device, does what the pre-built UI does: an email code challenge.
    const client = (path: string, body?: unknown) =>
      fetch(`${emulator.apiUrl}/client${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const before = await outboxCount(emulator, 'katherine@example.com');
    await client('/challenge/email-otp');
    const { code } = await latestMessage(emulator, 'katherine@example.com', before);
    expect(await client('/verify/email-otp', { verificationCode: code })).toMatchObject({ isVerified: true });

    await new Promise((r) => setTimeout(r, 1050)); // the poll gap
    const verified = await ok<VerificationView>('verification:check', { verificationId: view.id });
    expect(verified).toMatchObject({ status: 'verified', method: 'prebuilt-ui' });
    const entries = await auditEntries();
    expect(entries.map((e) => e.action)).toEqual(['verification.start', 'verification.succeed']);
    expect(entries[1].details).toMatchObject({ verificationMethod: 'EMAIL_OTP' });
    // SECURITY: the link's token is in no audit entry and no file.
    expect(await dataDirText()).not.toContain(token);
  });

  it('is refused for a user with nothing to be challenged with', async () => {
    await build();
    expect(await call('verification:start', { userId: 'usr_alan', method: 'prebuilt-ui' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

describe('the offline procedure', () => {
  it('is only for users with nothing enrolled, and needs a real account of the check', async () => {
    await build();
    const short = await call('verification:record-offline', { userId: 'usr_alan', note: 'ok' });
    expect(short).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path: 'note' }] } });
    const enrolled = await call('verification:record-offline', { userId: 'usr_katherine', note: 'Checked the staff badge on a video call.' });
    expect(enrolled).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const view = await ok<VerificationView>('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge and date of birth on a video call.' });
    expect(view).toMatchObject({ status: 'verified', method: 'offline' });
    const [entry] = await auditEntries();
    expect(entry).toMatchObject({
      action: 'verification.offline',
      subject: { userId: 'usr_alan' },
      details: { note: 'Checked the staff badge and date of birth on a video call.' },
      verification: { id: view.id, method: 'offline' },
    });
  });
});

describe('what a verification covers', () => {
  it('covers one user in one tenant until it expires; the expiry is recorded; ending it early stops it', async () => {
    // Long enough that the checks below run inside it on a loaded machine (each audit append also
    // writes the keychain anchor), short enough to wait out.
    const lifetimeMs = 2000;
    await build(lifetimeMs);
    await expect(services.verification.cover('local', 'usr_alan')).rejects.toMatchObject({ code: 'forbidden' });
    expect((await services.contacts.discloser())('usr_alan')).toBe(false);
    const view = await ok<VerificationView>('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
    const recordedAt = Date.now();
    await expect(services.verification.cover('local', 'usr_alan')).resolves.toMatchObject({ id: view.id, method: 'offline' });
    await expect(services.verification.cover('local', 'usr_alan', { id: view.id })).resolves.toMatchObject({ id: view.id });
    expect((await services.contacts.discloser())('usr_alan')).toBe(true);
    // Not for anyone else, not in another tenant, not by naming it for another user.
    await expect(services.verification.cover('local', 'usr_nobody')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(services.verification.cover('other', 'usr_alan')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(services.verification.cover('local', 'usr_nobody', { id: view.id })).rejects.toMatchObject({ code: 'forbidden' });

    await new Promise((r) => setTimeout(r, Math.max(0, recordedAt + lifetimeMs + 150 - Date.now())));
    await expect(services.verification.cover('local', 'usr_alan')).rejects.toMatchObject({ code: 'expired', message: expect.stringMatching(/expired/) as unknown });
    expect((await services.contacts.discloser())('usr_alan')).toBe(false);
    expect((await auditEntries()).map((e) => e.action)).toEqual(['verification.offline', 'verification.expire']);

    const again = await ok<VerificationView>('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge on a video call again.' });
    expect((await ok<VerificationView>('verification:cancel', { verificationId: again.id })).status).toBe('cancelled');
    await expect(services.verification.cover('local', 'usr_alan')).rejects.toMatchObject({ code: 'forbidden' });
    expect((await auditEntries()).at(-1)).toMatchObject({ action: 'verification.expire', details: { reason: 'ended-by-agent' } });
  });

  it('is not required when the tenant policy is off, but is still stamped when there is one', async () => {
    await build();
    await services.settings.update({ tenantPolicies: { local: { requireCallerVerification: false } } });
    await expect(services.verification.cover('local', 'usr_alan')).resolves.toBeUndefined();
    expect((await services.contacts.discloser())('usr_alan')).toBe(true);
    const view = await ok<VerificationView>('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
    await expect(services.verification.cover('local', 'usr_alan')).resolves.toMatchObject({ id: view.id });
  });

  it('is forgotten by a restart: verifications are never written anywhere', async () => {
    await build();
    const view = await ok<VerificationView>('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
    const dir = dataDir;
    await services.close();
    const again = createServices({
      dataDir: dir,
      keychainService: `authdesk-verification-test-${process.pid}`,
      appVersion: '0.0.0-test',
      localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    });
    await expect(again.verification.cover('local', 'usr_alan', { id: view.id })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(again.verification.check(view.id)).rejects.toMatchObject({ code: 'not-found' });
    await again.close();
  });
});

describe('the directory under the policy', () => {
  const removal = (userId: string, authenticatorId: string) => ({
    userId,
    authenticatorId,
    reason: 'Caller lost the phone this was on',
    ticket: 'INC-5005',
    confirmation: 'REMOVE',
    acknowledgedWarnings: [],
  });

  it('refuses a removal until the caller is verified, then stamps it; revoking sessions needs none', async () => {
    await build();
    const detail = await ok<{ authenticators: { ok: true; value: { id: string; method: string }[] } }>('users:get', { userId: 'usr_many' });
    const sms = detail.authenticators.value.find((a) => a.method === 'SMS')!;
    const refused = await call('authenticators:remove', removal('usr_many', sms.id));
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/Verify the caller first/) as unknown } });
    expect(emulator.store.getAuthenticator('usr_many', sms.id)).toBeDefined();

    const revoked = await call('users:revoke-sessions', { userId: 'usr_many', reason: 'Signing the user out everywhere', ticket: 'INC-5005' });
    expect(revoked.ok).toBe(true);

    const { view, code } = await sendCode('usr_many', 'edsger@example.com');
    const verified = await ok<VerificationView>('verification:submit-code', { verificationId: view.id, code });
    const removed = await call('authenticators:remove', removal('usr_many', sms.id));
    expect(removed).toMatchObject({ ok: true, value: { removed: [sms.id] } });
    expect(emulator.store.getAuthenticator('usr_many', sms.id)).toBeUndefined();
    const entries = await auditEntries();
    const byAction = (a: string) => entries.filter((e) => e.action === a);
    expect(byAction('authenticator.remove').map((e) => [e.outcome, e.verification?.id])).toEqual([
      ['error', undefined],
      ['ok', view.id],
    ]);
    expect(byAction('authenticator.remove')[1].verification).toEqual({ id: view.id, method: 'email-otp', expiresAt: verified.expiresAt });
    expect(byAction('sessions.revoke')).toMatchObject([{ outcome: 'ok' }]);
    expect(byAction('sessions.revoke')[0].verification).toBeUndefined();
  });

  it('masks contact details in main until the caller is verified', async () => {
    await build();
    type Detail = { profile: { email?: string; phoneNumber?: string }; authenticators: { ok: true; value: { email?: string; phoneNumber?: string; name: string }[] } };
    const masked = await ok<Detail>('users:get', { userId: 'usr_stale' });
    expect(masked.profile).toMatchObject({ email: 'c•••••s@example.com', phoneNumber: '+•••••••••26' });
    expect(JSON.stringify(masked)).not.toContain('charles@example.com');
    expect(JSON.stringify(masked)).not.toContain('4155550126');
    // A search shows back the field the agent typed, and masks the others.
    const search = await ok<{ results: { email?: string; phoneNumber?: string }[] }>('users:search', { query: 'charles@example.com', seq: 1 });
    expect(search.results).toMatchObject([{ email: 'charles@example.com', phoneNumber: '+•••••••••26' }]);
    const recent = await ok<{ users: { userId: string; label?: string }[] }>('users:recent', {});
    expect(JSON.stringify(recent)).not.toContain('4155550126');

    const { view, code } = await sendCode('usr_stale', '+14155550126', 'sms-otp');
    await ok('verification:submit-code', { verificationId: view.id, code });
    const full = await ok<Detail>('users:get', { userId: 'usr_stale' });
    expect(full.profile).toMatchObject({ email: 'charles@example.com', phoneNumber: '+14155550126' });
    expect(full.authenticators.value.find((a) => a.phoneNumber)?.phoneNumber).toBe('+14155550126');
    // Another user stays masked.
    expect((await ok<Detail>('users:get', { userId: 'usr_locked' })).profile.email).toBe('k•••n@example.com');
  });
});

describe('the rules of one check, on a clock the test moves', () => {
  // The service itself over the real tenant client and audit log of `build()`, with a clock of its
  // own: the deadlines, the poll gap and the forgetting are decided on it, not on the wall clock.
  let clock: number;
  let policy: TenantPolicy;
  const fresh = (options: Partial<VerificationServiceOptions> = {}) =>
    new VerificationService({
      tenants: services.tenants,
      audit: services.audit,
      policyFor: () => Promise.resolve(policy),
      now: () => new Date(clock),
      minPollGapMs: 1000,
      linkLifetimeMs: 5 * 60_000,
      ...options,
    });
  const lastEntry = async () => (await auditEntries()).at(-1)!;
  const startCode = async (service: VerificationService, userId: string, to: string) => {
    const target = (await service.options(userId)).targets.find((t) => t.method === 'email-otp')!;
    const before = await outboxCount(emulator, to);
    const view = await service.start({ userId, method: 'email-otp', targetRef: target.ref });
    return { view, code: (await latestMessage(emulator, to, before)).code! };
  };

  beforeEach(async () => {
    clock = Date.now();
    policy = { requireCallerVerification: true };
    await build();
  });

  it('records every wrong code; the tenant ending the check after too many ends it here too', async () => {
    const service = fresh();
    const { view, code } = await startCode(service, 'usr_katherine', 'katherine@example.com');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 1; i <= OTP_MAX_ATTEMPTS - 1; i++) {
      const refused = await service.submitCode({ verificationId: view.id, code: wrong });
      expect(refused).toMatchObject({ status: 'pending', failure: 'That code is not right or has expired. Ask the caller to read it again, or send a new code.' });
    }
    const fails = (await auditEntries()).filter((e) => e.action === 'verification.fail');
    expect(fails).toHaveLength(OTP_MAX_ATTEMPTS - 1);
    expect(fails.every((e) => e.details?.reason === 'wrong-code' && e.verification === undefined)).toBe(true);
    const over = await service.submitCode({ verificationId: view.id, code: wrong });
    expect(over).toMatchObject({ status: 'failed', failure: 'Too many wrong codes: this check is over. Start a new one.' });
    expect(await lastEntry()).toMatchObject({ action: 'verification.fail', details: { verificationId: view.id, method: 'email-otp', reason: 'max-attempts' } });
    // Even the right code is now too late, and says why.
    await expect(service.submitCode({ verificationId: view.id, code })).rejects.toMatchObject({ code: 'conflict', message: 'This check is over (failed). Start a new one.' });
    service.close();
  });

  it('has no code to enter for a challenge link, and records the action it polls', async () => {
    const service = fresh();
    const view = await service.start({ userId: 'usr_katherine', method: 'prebuilt-ui' });
    await expect(service.submitCode({ verificationId: view.id, code: '123456' })).rejects.toMatchObject({ code: 'validation', message: expect.stringMatching(/no code to enter/) as unknown });
    const start = await lastEntry();
    expect(start).toMatchObject({ action: 'verification.start', details: { method: 'prebuilt-ui', verificationId: view.id, actionCode: VERIFICATION_ACTION_CODE } });
    expect(start.details?.idempotencyKey).toEqual(expect.any(String));
    expect(start.details?.pendingUntil).toBe(new Date(clock + 5 * 60_000).toISOString());
    expect(start.details?.target).toBeUndefined();
    service.close();
  });

  it("ends a code at the tenant's deadline and a link at its lifetime, once, and names what to do", async () => {
    const service = fresh();
    const { view } = await startCode(service, 'usr_katherine', 'katherine@example.com');
    const link = await service.start({ userId: 'usr_ada', method: 'prebuilt-ui' });
    // Just before its deadline the link is still pending (and no poll gap has passed since its start).
    clock += 5 * 60_000 - 1;
    expect((await service.check(link.id)).status).toBe('pending');
    clock += 1;
    expect(await service.check(link.id)).toMatchObject({ status: 'expired', failure: 'The challenge link expired before the user completed it. Create a new one.' });
    clock = Date.parse(view.pendingUntil!);
    expect(await service.check(view.id)).toMatchObject({ status: 'expired', failure: 'The code expired. Send a new one.' });
    await expect(service.submitCode({ verificationId: view.id, code: '123456' })).rejects.toMatchObject({ code: 'expired' });
    const ends = (await auditEntries()).filter((e) => e.action === 'verification.fail');
    expect(ends.map((e) => [e.details?.verificationId, e.details?.reason])).toEqual([
      [link.id, 'not-completed-in-time'],
      [view.id, 'not-completed-in-time'],
    ]);
    expect(ends.every((e) => e.verification === undefined)).toBe(true);
    // Forgotten an hour after it began, not before.
    clock = Date.parse(view.startedAt) + FORGET_AFTER_MS;
    expect((await service.check(view.id)).status).toBe('expired');
    clock += 1;
    await expect(service.check(view.id)).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/Verify the caller again/) as unknown });
    service.close();
  });

  it('polls a challenge link at most once per gap, and ends it when the user fails the challenge', async () => {
    const service = fresh();
    const view = await service.start({ userId: 'usr_katherine', method: 'prebuilt-ui' });
    const key = (await lastEntry()).details?.idempotencyKey as string;
    const action = emulator.store.getAction('usr_katherine', VERIFICATION_ACTION_CODE, key)!;
    action.state = 'CHALLENGE_SUCCEEDED';
    clock += 999;
    expect((await service.check(view.id)).status).toBe('pending');
    clock += 1;
    expect((await service.check(view.id)).status).toBe('verified');

    for (const state of ['CHALLENGE_FAILED', 'BLOCK', 'REVIEW_FAILED'] as const) {
      const next = await service.start({ userId: 'usr_ada', method: 'prebuilt-ui' });
      const nextKey = (await lastEntry()).details?.idempotencyKey as string;
      emulator.store.getAction('usr_ada', VERIFICATION_ACTION_CODE, nextKey)!.state = state;
      clock += 1000;
      const failed = await service.check(next.id);
      expect(failed).toMatchObject({ status: 'failed', failure: `The user did not pass the challenge (${state}). Ask them to try again with a new link, or use another way.` });
      expect(await lastEntry()).toMatchObject({ action: 'verification.fail', details: { verificationId: next.id, reason: 'challenge-failed', state } });
    }
    service.close();
  });

  it('replaces a pending check with a newer one, and records a cancel once', async () => {
    const service = fresh();
    const first = await service.start({ userId: 'usr_katherine', method: 'prebuilt-ui' });
    const second = await service.start({ userId: 'usr_katherine', method: 'prebuilt-ui' });
    expect(await service.check(first.id)).toMatchObject({ status: 'cancelled', failure: 'A newer check replaced this one.' });
    expect(await service.cancel(second.id)).toMatchObject({ status: 'cancelled' });
    expect(await service.cancel(second.id)).toMatchObject({ status: 'cancelled' });
    const fails = (await auditEntries()).filter((e) => e.action === 'verification.fail');
    // The replaced check's end is the newer start; the cancel is recorded once.
    expect(fails.map((e) => [e.details?.verificationId, e.details?.reason])).toEqual([[second.id, 'cancelled']]);
    await expect(service.cover('local', 'usr_katherine')).rejects.toMatchObject({ code: 'forbidden' });
    service.close();
  });

  it('records the end of a verification by its own timer, stamped, without anyone asking', async () => {
    const service = new VerificationService({ tenants: services.tenants, audit: services.audit, policyFor: () => Promise.resolve(policy), lifetimeMs: 300 });
    const view = await service.recordOffline({ userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
    await expect.poll(async () => (await auditEntries()).map((e) => e.action), { timeout: 5000 }).toEqual(['verification.offline', 'verification.expire']);
    expect(await lastEntry()).toMatchObject({ details: { verificationId: view.id, reason: 'lifetime-over' }, verification: { id: view.id, method: 'offline', expiresAt: view.expiresAt } });
    service.close();
  });

  it('says when tickets are needed, shows the latest check, and counts what the user has when refusing the offline procedure', async () => {
    policy = { requireCallerVerification: true, requireTicket: true };
    const service = fresh();
    expect(await service.options('usr_alan')).toMatchObject({ ticketRequired: true, current: null });
    await expect(service.recordOffline({ userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' })).rejects.toMatchObject({ code: 'validation' });
    const view = await service.recordOffline({ userId: 'usr_alan', note: 'Checked the staff badge on a video call today.', ticket: 'INC-77' });
    expect((await service.options('usr_alan')).current).toMatchObject({ id: view.id, status: 'verified' });
    expect(await lastEntry()).toMatchObject({ action: 'verification.offline', details: { verificationId: view.id, ticket: 'INC-77' } });
    policy = { requireCallerVerification: true };
    expect((await service.options('usr_alan')).ticketRequired).toBe(false);
    for (const userId of ['usr_katherine', 'usr_many']) {
      const n = emulator.store.listAuthenticators(userId).length;
      await expect(service.recordOffline({ userId, note: 'Checked the staff badge on a video call today.' })).rejects.toMatchObject({
        code: 'conflict',
        message: `This user has ${n} authenticator${n === 1 ? '' : 's'}, so the offline procedure does not apply: send a code or a challenge link instead.`,
      });
    }
    service.close();
  });

  it('decides what a change is covered by: another user, a pending check, an ended one, and no policy', async () => {
    const service = fresh({ lifetimeMs: 60_000 });
    const alan = await service.recordOffline({ userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
    const pending = await service.start({ userId: 'usr_katherine', method: 'prebuilt-ui' });
    // A check not passed yet covers nothing, and is not "expired".
    await expect(service.cover('local', 'usr_katherine')).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/Verify the caller first/) as unknown });
    await expect(service.cover('local', 'usr_katherine', { id: pending.id })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.cover('local', 'usr_katherine', { id: alan.id })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/not for this user in this tenant/) as unknown });
    // Revoking sessions is stamped by a live verification, and by nothing else.
    const revoke = (userId: string) => service.changePolicy().authorize({ kind: 'sessions.revoke', tenantId: 'local', userId });
    await expect(revoke('usr_alan')).resolves.toEqual({ id: alan.id, method: 'offline', expiresAt: alan.expiresAt });
    await expect(revoke('usr_katherine')).resolves.toBeUndefined();
    expect(await service.liveStamp('local', 'usr_katherine')).toBeNull();
    clock += 60_000;
    await expect(service.cover('local', 'usr_alan')).rejects.toMatchObject({ code: 'expired', message: 'The caller verification has expired (it lasts 10 minutes). Verify the caller again, then retry.' });
    await expect(service.cover('local', 'usr_alan', { id: alan.id })).rejects.toMatchObject({ code: 'expired' });
    // Without the policy, a verification named for someone else is simply not used.
    policy = { requireCallerVerification: false };
    await expect(service.cover('local', 'usr_katherine', { id: alan.id })).resolves.toBeUndefined();
    await expect(service.cover('local', 'usr_alan')).resolves.toBeUndefined();
    service.close();
  });
  it('offers a switched-off method only with why, and refuses a tenant that would not challenge', async () => {
    const service = fresh({ configured: services.configuredMethods });
    try {
      emulator.setActiveMethods(['SMS', 'PASSKEY']);
      const options = await service.options('usr_katherine');
      expect(options.targets.find((t) => t.method === 'email-otp')?.unavailable).toBe(NOT_CONFIGURED_REASON);
      expect(options).not.toHaveProperty('methodsNote');
      await expect(service.start({ userId: 'usr_katherine', method: 'email-otp', targetRef: 'profile-email' })).rejects.toMatchObject({
        code: 'conflict',
        message: `Email codes: ${NOT_CONFIGURED_REASON}`,
      });
      // A tenant that cannot say which methods it has: everything offered, and the console told so.
      emulator.setActiveMethods(null);
      const unknown = await fresh({ configured: new ConfiguredMethods({ tenants: services.tenants, ttlMs: 0, failureTtlMs: 0 }) }).options('usr_katherine');
      expect(unknown.methodsNote).toBe(METHODS_UNKNOWN_NOTE);
      expect(unknown.targets.every((t) => t.unavailable === undefined)).toBe(true);
    } finally {
      emulator.setActiveMethods(TENANT_VERIFICATION_METHODS);
    }
    emulator.store.actionConfigs.set(VERIFICATION_ACTION_CODE, { defaultUserActionResult: 'ALLOW' });
    try {
      await expect(service.start({ userId: 'usr_katherine', method: 'prebuilt-ui' })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(new RegExp(`^The tenant answered ALLOW for the action "${VERIFICATION_ACTION_CODE}"`)) as unknown,
      });
    } finally {
      emulator.store.actionConfigs.delete(VERIFICATION_ACTION_CODE);
    }
    // Each refused start is recorded as an error, and nothing is left pending.
    const starts = (await auditEntries()).filter((e) => e.action === 'verification.start');
    expect(starts.map((e) => [e.outcome, e.error?.code])).toEqual([
      ['error', 'conflict'],
      ['error', 'conflict'],
    ]);
    expect((await service.options('usr_katherine')).current).toBeNull();
    service.close();
  });
});
