import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { createServices, type Services } from '../../src/main/services/container';
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
