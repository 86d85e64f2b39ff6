import { appendFile, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP, URI } from 'otpauth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_VERIFICATION_METHODS } from '../../src/emulator/actions';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { profileRules } from '../../src/emulator/profile';
import { createServices, type Services } from '../../src/main/services/container';
import type { EnrollmentHost, EnrollmentWindowRequest } from '../../src/main/services/enrollment/enrollment-host';
import { EnrollmentService, type EnrollmentServiceOptions } from '../../src/main/services/enrollment/enrollment.service';
import { FORGET_AFTER_MS } from '../../src/main/services/enrollment/records';
import { LinuxPolicyFileReader } from '../../src/main/services/policy/managed-policy';
import { ENROLLMENT_LINK_LIFETIME_MS, PASSKEY_UNAVAILABLE, PASSKEY_UNAVAILABLE_STEER, type EnrollmentOptions, type EnrollmentView, type GuidedSession } from '@shared/domain/enrollment';
import type { VerificationOptions, VerificationView } from '@shared/domain/verification';
import type { Result } from '@shared/ipc/result';
import { AppError } from '@shared/errors';
import type { EffectivePolicy } from '@shared/domain/policy';
import { auditEntries as entriesOf, filesUnder, routerOver } from '../support/data-dir';
import { latestMessage, outboxCount } from '../support/emulator-page';

// Enrollment over the real router and services against the local tenant over HTTP. The windows are
// played by a scripted host that does, over the real Client API, what the user does in the window
// (the same journeys run in Chromium in test/e2e/enrollment-*.test.ts); everything the service
// decides (verification required, binding, token validation, the before/after diff, the audit
// trail) runs for real.

let emulator: RunningEmulator;
let dataDir: string;
let services: Services;
let call: <T>(channel: string, input: unknown) => Promise<Result<T>>;
let ok: <T>(channel: string, input: unknown) => Promise<T>;

/** A host whose windows are records the test drives. */
class ScriptedHost implements EnrollmentHost {
  readonly opened: (EnrollmentWindowRequest & { closed: boolean })[] = [];
  guidedPage() {
    return { url: 'http://localhost:1/enroll/index.html', origin: 'http://localhost:1', webauthn: { available: true } };
  }
  open(request: EnrollmentWindowRequest) {
    const win = { ...request, closed: false };
    this.opened.push(win);
    return {
      close: () => {
        if (win.closed) return;
        win.closed = true;
        request.onClosed();
      },
    };
  }
  last() {
    const win = this.opened.at(-1);
    if (!win) throw new Error('no window opened');
    return win;
  }
}
let host: ScriptedHost;
/** A user nobody enrolled yet (users are implicit in Authsignal). */
const freshUser = () => `new-hire-${Math.random().toString(36).slice(2, 8)}`;

async function build(): Promise<void> {
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'enrollment-'));
  host = new ScriptedHost();
  services = createServices({
    dataDir,
    keychainService: `authdesk-enrollment-test-${process.pid}`,
    appVersion: '0.0.0-test',
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    enrollmentHost: host,
  });
  ({ call, ok } = routerOver(services));
}

const auditEntries = () => entriesOf(dataDir);
const dataDirText = async () => (await filesUnder(dataDir)).map((f) => f.text).join('\n');

/** The Client API as the user's page calls it, with a Bearer token. */
async function client(token: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emulator.apiUrl}/client${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Verifies the caller with a code to their first verified email. */
async function verifyByEmail(userId: string, email: string): Promise<VerificationView> {
  const options = await ok<VerificationOptions>('verification:options', { userId });
  const target = options.targets.find((t) => t.method === 'email-otp')!;
  const before = await outboxCount(emulator, email);
  const view = await ok<VerificationView>('verification:start', { userId, method: 'email-otp', targetRef: target.ref });
  const { code } = await latestMessage(emulator, email, before);
  return ok<VerificationView>('verification:submit-code', { verificationId: view.id, code });
}

/** Enrolls TOTP with a token and returns the token the successful verify hands back, and the secret. */
async function enrollTotp(token: string): Promise<{ token: string; secret: string }> {
  const enrolled = await client(token, '/user-authenticators/totp');
  expect(enrolled.status).toBe(200);
  const code = URI.parse(enrolled.json.uri as string).generate();
  const verified = await client(token, '/verify/totp', { verificationCode: code });
  expect(verified.json).toMatchObject({ isVerified: true });
  return { token: verified.json.accessToken as string, secret: enrolled.json.secret as string };
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

describe('enrollment needs a verified caller', () => {
  it('offers nothing before the caller is verified, and refuses (and records) a start', async () => {
    await build();
    const options = await ok<EnrollmentOptions>('enrollment:options', { userId: 'usr_dorothy' });
    expect(options).toMatchObject({ enrolled: true, verificationRequired: true, verification: null, actionCode: 'authdesk-enroll' });
    for (const mode of ['prebuilt-window', 'guided-window', 'link'] as const) {
      expect(options.modes[mode]).toMatchObject({ available: false, reason: expect.stringMatching(/Verify the caller first/) as unknown });
    }
    const refused = await call('enrollment:start', { userId: 'usr_dorothy', mode: 'prebuilt-window' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(host.opened).toHaveLength(0);
    expect(await auditEntries()).toMatchObject([{ action: 'enrollment.launch', outcome: 'error', error: { code: 'forbidden' }, subject: { userId: 'usr_dorothy' } }]);
  });

  it('with the policy off, still hands a token that may add authenticators only to a verified caller', async () => {
    await build();
    await services.settings.update({ tenantPolicies: { local: { requireCallerVerification: false } } });
    const options = await ok<EnrollmentOptions>('enrollment:options', { userId: 'usr_dorothy' });
    expect(options.modes.link.available).toBe(true);
    expect(options.modes['prebuilt-window'].available).toBe(true);
    expect(options.modes['guided-window']).toMatchObject({ available: false, reason: expect.stringMatching(/verified caller/) as unknown });
    expect(await call('enrollment:start', { userId: 'usr_dorothy', mode: 'guided-window' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(host.opened).toHaveLength(0);
    // Refused at the track call itself: recorded with the action it would have tracked.
    expect((await auditEntries()).at(-1)).toMatchObject({
      action: 'enrollment.launch',
      outcome: 'error',
      error: { code: 'forbidden' },
      details: { mode: 'guided-window', actionCode: 'authdesk-enroll', idempotencyKey: expect.any(String) as unknown, firstEnrollment: false },
    });
  });
});

describe('pre-built UI in a window', () => {
  it('an enrolled user must pass a challenge before adding; the token that comes back is validated and the new authenticator found', async () => {
    await build();
    // Dorothy has only an authenticator app; the caller is verified by a code to her verified email.
    const verification = await verifyByEmail('usr_dorothy', 'dorothy@example.com');
    const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'prebuilt-window' });
    expect(view).toMatchObject({ status: 'open', mode: 'prebuilt-window', firstEnrollment: false, verification: { id: verification.id, method: 'email-otp' } });
    expect(view.link).toBeUndefined();
    const win = host.last();
    expect(win).toMatchObject({ kind: 'prebuilt', redirectUrl: `https://authdesk.invalid/enrollment/done/${view.id}` });
    expect(win.allowedOrigins.sort()).toEqual([emulator.origin, emulator.uiOrigin].sort());
    const token = new URL(win.url).searchParams.get('token')!;
    // The pre-built UI was told to land on settings after the challenge (the binding rule).
    const context = (await fetch(`${emulator.uiOrigin}/prebuilt/api/context`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())) as unknown;
    expect(context).toMatchObject({ redirectToSettings: true, actionCode: 'authdesk-enroll', state: 'CHALLENGE_REQUIRED' });

    // Adding before the challenge is refused by the tenant: the caller check in the console does not count.
    const early = await client(token, '/user-authenticators/totp');
    expect(early).toMatchObject({ status: 403, json: { errorCode: 'insufficient_scope' } });

    // The challenge with her authenticator app (her seeded secret), then a new method.
    const secret = emulator.store.listAuthenticators('usr_dorothy')[0]._totpSecret!;
    const passed = await client(token, '/verify/totp', { verificationCode: new TOTP({ secret: Secret.fromBase32(secret) }).generate() });
    expect(passed.json).toMatchObject({ isVerified: true });
    const before = await outboxCount(emulator, 'dorothy.new@example.com');
    const accessToken = passed.json.accessToken as string;
    await client(accessToken, '/user-authenticators/email-otp', { email: 'dorothy.new@example.com' });
    const { code } = await latestMessage(emulator, 'dorothy.new@example.com', before);
    const added = await client(accessToken, '/verify/email-otp', { verificationCode: code });
    expect(added.json).toMatchObject({ isVerified: true });

    // The window intercepts the redirect with the token the pre-built UI appends.
    win.onRedirect!(added.json.accessToken as string);
    await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status).toBe('completed');
    const done = await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id });
    expect(done.added).toEqual([{ id: expect.any(String) as unknown, method: 'EMAIL_OTP', name: 'Email code' }]);
    expect(win.closed).toBe(true);

    const entries = await auditEntries();
    const launch = entries.find((e) => e.action === 'enrollment.launch')!;
    const complete = entries.find((e) => e.action === 'enrollment.complete')!;
    expect(launch).toMatchObject({ outcome: 'ok', details: { mode: 'prebuilt-window', actionCode: 'authdesk-enroll' }, verification: { id: verification.id } });
    expect(complete).toMatchObject({ details: { added: [{ method: 'EMAIL_OTP' }] }, verification: { id: verification.id } });
    // Closing after completion is not a cancellation.
    expect(entries.some((e) => e.action === 'enrollment.cancel')).toBe(false);
    const disk = await dataDirText();
    expect(disk).not.toContain(token);
    expect(disk).not.toContain(accessToken);
  });

  it('accepts no token of another user or action, and fails when the window returns without one', async () => {
    await build();
    await ok('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
    const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_alan', mode: 'prebuilt-window' });
    expect(view.firstEnrollment).toBe(true);
    // A valid token, but of another user's action.
    const other = await services.tenants.withClient((c) => c.track({ userId: 'usr_ben', action: 'authdesk-enroll' }));
    const { token: foreign } = await enrollTotp(other.token);
    host.last().onRedirect!(foreign);
    await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status).toBe('failed');
    const failed = await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id });
    expect(failed.failure).toMatch(/another user or action/);
    expect(failed.added).toEqual([]);
    expect(host.last().closed).toBe(true);
    expect((await auditEntries()).at(-1)).toMatchObject({ action: 'enrollment.fail', outcome: 'error', subject: { userId: 'usr_alan' } });

    const second = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_alan', mode: 'prebuilt-window' });
    host.last().onRedirect!(null);
    await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: second.id })).status).toBe('failed');
  });

  it('regression #17: refuses a token of another user when its action, key and validity all match and the user did add', async () => {
    // Planted bug this catches: completion without the user-id comparison. Every other check must
    // pass for that to show: the default profile honours a caller's idempotency key, so Ben's action
    // can carry this enrollment's key; Alan really added an authenticator; Ben's token is valid.
    const shared = emulator;
    emulator = await startEmulator({ seed: 'demo', profile: 'default' });
    try {
      await build();
      await ok('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
      const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_alan', mode: 'prebuilt-window' });
      const win = host.last();
      const alanToken = new URL(win.url).searchParams.get('token')!;
      const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { other: { userId: string; actionCode: string; idempotencyKey: string } };
      const { actionCode, idempotencyKey } = claims(alanToken).other;
      await enrollTotp(alanToken);
      const other = await services.tenants.withClient((c) => c.track({ userId: 'usr_ben', action: actionCode, attributes: { idempotencyKey } }));
      const { token: foreign } = await enrollTotp(other.token);
      const validated = await services.tenants.withClient((c) => c.validateChallenge({ token: foreign }));
      expect(validated).toMatchObject({ isValid: true, userId: 'usr_ben', action: actionCode, idempotencyKey });

      win.onRedirect!(foreign);
      await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status).toBe('failed');
      const failed = await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id });
      expect(failed.failure).toMatch(/another user or action/);
      expect(failed.added).toEqual([]);
    } finally {
      await services.close();
      await emulator.close();
      emulator = shared;
    }
  });

  it('records a window the agent or the user closed as cancelled', async () => {
    await build();
    await ok('verification:record-offline', { userId: 'usr_alan', note: 'Checked the staff badge on a video call today.' });
    const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_alan', mode: 'prebuilt-window' });
    expect(await call('enrollment:start', { userId: 'usr_alan', mode: 'link' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const cancelled = await ok<EnrollmentView>('enrollment:cancel', { enrollmentId: view.id });
    expect(cancelled.status).toBe('cancelled');
    expect(host.last().closed).toBe(true);
    const view2 = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_alan', mode: 'prebuilt-window' });
    host.last().onClosed(); // the user closed it
    await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: view2.id })).status).toBe('cancelled');
    const reasons = async () => (await auditEntries()).filter((e) => e.action === 'enrollment.cancel').map((e) => e.details.reason);
    await expect.poll(reasons).toEqual(['cancelled-by-agent', 'window-closed']);
  });
});

describe('guided page in a window', () => {
  it('gets a token scoped add:authenticators for a verified enrolled caller; a bogus result is refused; a real one completes', async () => {
    await build();
    await verifyByEmail('usr_dorothy', 'dorothy@example.com');
    const options = await ok<EnrollmentOptions>('enrollment:options', { userId: 'usr_dorothy' });
    expect(options.modes['guided-window'].available).toBe(true);
    const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'guided-window' });
    const win = host.last();
    expect(win).toMatchObject({ kind: 'guided', url: 'http://localhost:1/enroll/index.html' });
    expect(win.allowedOrigins).toEqual(['http://localhost:1', emulator.origin]);
    expect(win.url).not.toContain('token');
    const session = win.bridge!.session() as GuidedSession;
    expect(session).toMatchObject({
      sessionId: view.id,
      tenantId: emulator.tenantId,
      baseUrl: emulator.apiUrl,
      firstEnrollment: false,
      localTenant: true,
      user: { userId: 'usr_dorothy', label: 'Dorothy Vaughan', email: 'dorothy@example.com' },
    });
    expect(session.methods.map((m) => m.method)).toEqual(['EMAIL_OTP', 'SMS', 'AUTHENTICATOR_APP', 'PASSKEY', 'SECURITY_KEY']);

    // The token may add straight away: Authdesk verified the caller.
    await expect(Promise.resolve(win.bridge!.complete({ method: 'AUTHENTICATOR_APP', token: 'not-a-token' }))).rejects.toMatchObject({ code: 'conflict' });
    await expect(Promise.resolve(win.bridge!.complete({ method: 'HACK', token: 'x' }))).rejects.toMatchObject({ code: 'validation' });
    expect((await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status).toBe('open');
    const before = await outboxCount(emulator, 'dorothy@example.com');
    await client(session.token, '/user-authenticators/email-otp', { email: 'dorothy@example.com' });
    const { code } = await latestMessage(emulator, 'dorothy@example.com', before);
    const verified = await client(session.token, '/verify/email-otp', { verificationCode: code });
    const result = (await win.bridge!.complete({ method: 'EMAIL_OTP', token: verified.json.accessToken })) as { added: { method: string }[] };
    expect(result.added).toMatchObject([{ method: 'EMAIL_OTP' }]);
    expect(win.closed).toBe(true);
    expect(() => win.bridge!.session()).toThrow(/over/);
    const actions = (await auditEntries()).map((e) => `${e.action}:${e.outcome}`);
    expect(actions).toEqual([
      'verification.start:ok',
      'verification.succeed:ok',
      'enrollment.launch:ok',
      'enrollment.fail:error',
      'enrollment.complete:ok',
    ]);
    expect(await dataDirText()).not.toContain(session.token);
  });

  it('regression #17: the guided token itself may add, once the binding window of the caller check has closed', async () => {
    // Planted bug this catches: the enrollment track call without scope: 'add:authenticators'. The
    // code the caller read back opens the tenant's binding window (default profile) and hid it;
    // with that window closed (as 10 minutes later) only the token's scope lets the page add,
    // under either profile.
    await build();
    await verifyByEmail('usr_katherine', 'katherine@example.com');
    emulator.store.updateUser('usr_katherine', { lastChallengeSucceededAt: new Date(Date.now() - 11 * 60_000).toISOString() });
    const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_katherine', mode: 'guided-window' });
    expect(view.firstEnrollment).toBe(false);
    const win = host.last();
    const session = win.bridge!.session() as GuidedSession;
    const { token } = await enrollTotp(session.token);
    const result = (await win.bridge!.complete({ method: 'AUTHENTICATOR_APP', token })) as { added: { method: string }[] };
    expect(result.added).toMatchObject([{ method: 'AUTHENTICATOR_APP' }]);
  });

  it('gives a first enrollment an unscoped token and says when passkeys cannot run on the page', async () => {
    await build();
    host.guidedPage = () => ({ url: 'app://authdesk/enroll/index.html', origin: 'app://authdesk', webauthn: { available: false, reason: 'bound to its own domain' } });
    const userId = freshUser();
    await ok('verification:record-offline', { userId, note: 'Checked the staff badge on a video call today.' });
    await ok<EnrollmentView>('enrollment:start', { userId, mode: 'guided-window' });
    const session = host.last().bridge!.session() as GuidedSession;
    expect(session.firstEnrollment).toBe(true);
    expect(session.methods.filter((m) => !m.available)).toEqual([
      { method: 'PASSKEY', available: false, reason: 'bound to its own domain' },
      { method: 'SECURITY_KEY', available: false, reason: 'bound to its own domain' },
    ]);
    const { token } = await enrollTotp(session.token);
    await expect(Promise.resolve(host.last().bridge!.complete({ method: 'AUTHENTICATOR_APP', token }))).resolves.toMatchObject({ added: [{ method: 'AUTHENTICATOR_APP' }] });
  });
});

describe("the tenant's configured methods (GET /authenticators)", () => {
  it('offers only what the tenant switched on, in the panel, the guided page and caller verification; refuses a code by a method it has not', async () => {
    emulator.setActiveMethods(['EMAIL_OTP', 'AUTHENTICATOR_APP']);
    try {
      await build();
      const verification = await ok<VerificationOptions>('verification:options', { userId: 'auth0|5f1b2c3d4e' });
      expect(verification.methodsNote).toBeUndefined();
      expect(verification.targets.map((t) => [t.method, t.unavailable ?? 'ok'])).toEqual([
        ['email-otp', 'ok'],
        ['sms-otp', 'Not configured for this tenant — enable it in the Authsignal portal.'],
      ]);
      const sms = verification.targets.find((t) => t.method === 'sms-otp')!;
      const refused = await call('verification:start', { userId: 'auth0|5f1b2c3d4e', method: 'sms-otp', targetRef: sms.ref });
      expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/^Text message codes: Not configured for this tenant/) as unknown } });

      await verifyByEmail('usr_dorothy', 'dorothy@example.com');
      const options = await ok<EnrollmentOptions>('enrollment:options', { userId: 'usr_dorothy' });
      const offered = (methods: { method: string; available: boolean; reason?: string }[] | undefined) =>
        Object.fromEntries((methods ?? []).map((m) => [m.method, m.available ? 'offered' : m.reason]));
      const expected = {
        EMAIL_OTP: 'offered',
        SMS: 'Not configured for this tenant — enable it in the Authsignal portal.',
        AUTHENTICATOR_APP: 'offered',
        PASSKEY: 'Not configured for this tenant — enable it in the Authsignal portal.',
        SECURITY_KEY: 'Not configured for this tenant — enable it in the Authsignal portal.',
      };
      expect(offered(options.methods)).toEqual(expected);
      expect(options.methodsNote).toBeUndefined();
      expect(options.modes['guided-window'].available).toBe(true);
      await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'guided-window' });
      const session = host.last().bridge!.session() as GuidedSession;
      expect(offered(session.methods)).toEqual(expected);
      expect(session.methodsNote).toBeUndefined();

      // A tenant with none of the guided page's methods: the guided page is not offered at all.
      await ok('enrollment:cancel', { enrollmentId: session.sessionId });
      emulator.setActiveMethods(['PUSH']);
      services.configuredMethods.forget();
      const none = await ok<EnrollmentOptions>('enrollment:options', { userId: 'usr_dorothy' });
      expect(none.modes['guided-window']).toMatchObject({ available: false, reason: expect.stringMatching(/None of the guided page’s methods is configured/) as unknown });
    } finally {
      emulator.setActiveMethods(TENANT_VERIFICATION_METHODS);
    }
  });

  it('offers everything, with a note, when the configuration cannot be read', async () => {
    emulator.setActiveMethods(null);
    try {
      await build();
      const verification = await ok<VerificationOptions>('verification:options', { userId: 'auth0|5f1b2c3d4e' });
      expect(verification.methodsNote).toMatch(/could not read which methods this tenant has configured, so it offers them all/);
      expect(verification.targets.filter((t) => t.unavailable)).toEqual([]);
      await verifyByEmail('usr_dorothy', 'dorothy@example.com');
      const options = await ok<EnrollmentOptions>('enrollment:options', { userId: 'usr_dorothy' });
      expect(options.methods?.every((m) => m.available)).toBe(true);
      expect(options.methodsNote).toMatch(/could not read which methods/);
      await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'guided-window' });
      const session = host.last().bridge!.session() as GuidedSession;
      expect(session.methods.every((m) => m.available)).toBe(true);
      expect(session.methodsNote).toMatch(/could not read which methods/);
    } finally {
      emulator.setActiveMethods(TENANT_VERIFICATION_METHODS);
    }
  });
});

describe('a guided window that cannot create a passkey', () => {
  it('ends with a steer to the link for the user device, which is then offered', async () => {
    await build();
    await verifyByEmail('usr_dorothy', 'dorothy@example.com');
    const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'guided-window' });
    await host.last().bridge!.cancel(PASSKEY_UNAVAILABLE);
    expect(host.last().closed).toBe(true);
    const ended = await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id });
    expect(ended).toMatchObject({ status: 'cancelled', failure: PASSKEY_UNAVAILABLE_STEER });
    const options = await ok<EnrollmentOptions>('enrollment:options', { userId: 'usr_dorothy' });
    expect(options.modes.link.available).toBe(true);
    // Any other reason stays a plain cancel.
    const other = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'guided-window' });
    await host.last().bridge!.cancel('cancelled');
    expect((await ok<EnrollmentView>('enrollment:check', { enrollmentId: other.id })).failure).toBeUndefined();
  });
});

describe('origins the policy grants enrollment windows', () => {
  it('hands the window the https origins of a trusted managed policy (allowedEnrollmentOrigins)', async () => {
    await build();
    await services.close();
    const file = join(dataDir, 'managed-policy.json');
    await writeFile(file, JSON.stringify({ allowedEnrollmentOrigins: ['https://cdn.example.com'] }), { mode: 0o644 });
    await chmod(file, 0o644);
    services = createServices({
      dataDir,
      keychainService: `authdesk-enrollment-test-${process.pid}`,
      appVersion: '0.0.0-test',
      localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
      enrollmentHost: host,
      managedPolicy: new LinuxPolicyFileReader(file),
    });
    ({ call, ok } = routerOver(services));
    // Root-owned and not writable by others is what makes a managed file trusted for grants.
    const trusted = process.getuid?.() === 0;
    await verifyByEmail('usr_dorothy', 'dorothy@example.com');
    await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'prebuilt-window' });
    expect(host.last().grantedOrigins).toEqual(trusted ? ['https://cdn.example.com'] : []);
    // The grant is shown where the policy in force is (Settings, `authdesk policy show`).
    expect((await ok<EffectivePolicy>('settings:policy', {})).grants).toEqual({ enrollmentOrigins: trusted ? ['https://cdn.example.com'] : [], plaintextTeamStore: false });
  });
});

describe('a link for the user device', () => {
  it('waits, then completes when the user enrolls on their own device', async () => {
    await build();
    const userId = freshUser();
    await ok('verification:record-offline', { userId, note: 'Called back on the number in the HR system.' });
    const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'link' });
    expect(view).toMatchObject({ status: 'open', mode: 'link', progress: 'waiting', firstEnrollment: true });
    const link = new URL(view.link!);
    expect(link.origin).toBe(emulator.uiOrigin);
    expect(host.opened).toHaveLength(0);
    const token = link.searchParams.get('token')!;
    const checked = await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id });
    expect(checked).toMatchObject({ status: 'open', progress: 'waiting' });
    expect(checked.link).toBeUndefined();
    await enrollTotp(token);
    await expect
      .poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status, { interval: 500, timeout: 5000 })
      .toBe('completed');
    expect((await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).added).toMatchObject([{ method: 'AUTHENTICATOR_APP' }]);
    const entries = await auditEntries();
    expect(entries.map((e) => e.action)).toEqual(['verification.offline', 'enrollment.link-create', 'enrollment.complete']);
    expect(await dataDirText()).not.toContain(token);
  });

  it('expires with the token, and says so', async () => {
    await build();
    const short = new EnrollmentService({
      tenants: services.tenants,
      audit: services.audit,
      settings: services.settings,
      verification: services.verification,
      linkLifetimeMs: 150,
    });
    const userId = freshUser();
    await ok('verification:record-offline', { userId, note: 'Called back on the number in the HR system.' });
    const view = await short.start(userId, 'link');
    await new Promise((r) => setTimeout(r, 200));
    expect(await short.check(view.id)).toMatchObject({ status: 'expired', failure: expect.stringMatching(/expired/) as unknown });
    expect((await auditEntries()).at(-1)).toMatchObject({ action: 'enrollment.fail', error: { code: 'expired' }, details: { reason: 'link-expired' } });
  });
});

// ---- issue #17: decisions the journeys above pass through without singling out ----------------

/** The enrollment service over the built container's parts, on a clock the test moves. */
function clockedService(options: Partial<EnrollmentServiceOptions> = {}): { service: EnrollmentService; clock: { now: number } } {
  const clock = { now: Date.now() };
  const service = new EnrollmentService({
    tenants: services.tenants,
    audit: services.audit,
    settings: services.settings,
    verification: services.verification,
    host,
    now: () => new Date(clock.now),
    ...options,
  });
  return { service, clock };
}

/** What `fn` throws (synchronously or not). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** The action a user token addresses (the emulator's claims). */
const tokenAction = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { other: { userId: string; actionCode: string; idempotencyKey: string } }).other;

/** A new user whose caller was checked offline. */
async function offlineVerifiedUser(): Promise<string> {
  const userId = freshUser();
  await ok('verification:record-offline', { userId, note: 'Called back on the number in the HR system.' });
  return userId;
}

describe('a link on the clock', () => {
  it('asks the tenant at most once per poll gap, and completes on the first poll after the user enrolled', async () => {
    await build();
    const { service, clock } = clockedService();
    const userId = await offlineVerifiedUser();
    const view = await service.start(userId, 'link');
    const token = new URL(view.link!).searchParams.get('token')!;
    expect(await service.check(view.id)).toMatchObject({ status: 'open', progress: 'waiting' });
    await enrollTotp(token);
    clock.now += 1499;
    expect(await service.check(view.id)).toMatchObject({ status: 'open', progress: 'waiting' });
    clock.now += 1;
    const done = await service.check(view.id);
    expect(done).toMatchObject({ status: 'completed', added: [{ method: 'AUTHENTICATOR_APP' }], endedAt: new Date(clock.now).toISOString() });
    expect(done.progress).toBeUndefined();
    const complete = (await auditEntries()).at(-1)!;
    expect(complete).toMatchObject({
      action: 'enrollment.complete',
      outcome: 'ok',
      subject: { userId },
      // A first enrollment may leave the action at ALLOW (the strict reading of the API, issue #13).
      details: { enrollmentId: view.id, mode: 'link', firstEnrollment: true, added: [{ id: done.added[0].id, method: 'AUTHENTICATOR_APP' }], actionState: profileRules(emulator.profile).firstEnrollmentSucceedsAction ? 'CHALLENGE_SUCCEEDED' : 'ALLOW' },
      verification: { method: 'offline' },
    });
  });

  it('expires exactly at the end of its lifetime, and an ended one is forgotten an hour later, an open one never', async () => {
    await build();
    const { service, clock } = clockedService();
    const userId = await offlineVerifiedUser();
    const view = await service.start(userId, 'link');
    clock.now += ENROLLMENT_LINK_LIFETIME_MS - 1;
    expect((await service.check(view.id)).status).toBe('open');
    clock.now += 1;
    const expired = await service.check(view.id);
    expect(expired).toMatchObject({ status: 'expired', failure: 'The link expired before the user finished. Create a new one if they still need it.', endedAt: new Date(clock.now).toISOString() });
    expect((await auditEntries()).at(-1)).toMatchObject({ action: 'enrollment.fail', subject: { userId }, error: { code: 'expired', message: 'The link expired before the user finished.' }, details: { enrollmentId: view.id, mode: 'link', reason: 'link-expired' }, verification: { method: 'offline' } });
    const open = await service.start(await offlineVerifiedUser(), 'prebuilt-window');
    clock.now += FORGET_AFTER_MS;
    expect((await service.check(view.id)).status).toBe('expired');
    clock.now += 1;
    expect((await service.check(view.id)).status).toBe('expired');
    expect(await thrown(() => service.check(view.id))).toMatchObject({ code: 'not-found', message: expect.stringMatching(/not known .* Start it again/) as unknown });
    expect((await service.check(open.id)).status).toBe('open');
  });
});

describe('a window on the clock and at shutdown', () => {
  it('hands the guided page its session until the token expires, then says to start again', async () => {
    await build();
    const { service, clock } = clockedService();
    const userId = await offlineVerifiedUser();
    await service.start(userId, 'guided-window');
    const bridge = host.last().bridge!;
    clock.now += ENROLLMENT_LINK_LIFETIME_MS - 1;
    expect(bridge.session()).toMatchObject({ user: { userId } });
    clock.now += 1;
    expect(await thrown(() => bridge.session())).toMatchObject({ code: 'expired', message: expect.stringMatching(/expired.*start again/) as unknown });
  });

  it('drops every token at shutdown, before the windows report closed', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    await ok<EnrollmentView>('enrollment:start', { userId, mode: 'guided-window' });
    const win = host.last();
    expect(win.bridge!.session()).toMatchObject({ user: { userId } });
    services.enrollment.close();
    expect(win.closed).toBe(true);
    expect(() => win.bridge!.session()).toThrow(/over/);
  });

  it('fails, and records, a window that cannot open; the user is not left with an open enrollment', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    const open = host.open.bind(host);
    host.open = () => {
      throw new AppError('unavailable', 'No display to open a window on.');
    };
    expect(await call('enrollment:start', { userId, mode: 'prebuilt-window' })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await expect.poll(async () => (await auditEntries()).at(-1)?.action).toBe('enrollment.fail');
    const fail = (await auditEntries()).at(-1)!;
    expect(fail).toMatchObject({ outcome: 'error', subject: { userId }, details: { reason: 'window-failed' }, verification: { method: 'offline' } });
    const failed = await ok<EnrollmentView>('enrollment:check', { enrollmentId: fail.details.enrollmentId });
    expect(failed).toMatchObject({ status: 'failed', failure: 'The enrollment window could not open. Try again, or send the user a link.' });
    host.open = open;
    await ok<EnrollmentView>('enrollment:start', { userId, mode: 'prebuilt-window' });
    expect(host.last().title).toBe('Enroll an authenticator (pre-built UI)');
  });

  it('records what the guided page gave as its reason to cancel: at most 100 characters, "cancelled" when empty', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    for (const reason of ['', 'x'.repeat(150)]) {
      await ok<EnrollmentView>('enrollment:start', { userId, mode: 'guided-window' });
      expect(host.last().title).toBe('Enroll an authenticator (guided)');
      await host.last().bridge!.cancel(reason);
    }
    const reasons = (await auditEntries()).filter((e) => e.action === 'enrollment.cancel').map((e) => e.details.reason);
    expect(reasons).toEqual(['cancelled', 'x'.repeat(100)]);
  });
});

describe('the desktop-only ways, without windows (the CLI)', () => {
  it('offers and opens no window, and says to send a link instead', async () => {
    await build();
    const cli = new EnrollmentService({ tenants: services.tenants, audit: services.audit, settings: services.settings, verification: services.verification });
    const userId = await offlineVerifiedUser();
    const options = await cli.options(userId);
    expect(options.modes['prebuilt-window']).toEqual({ available: false, reason: 'Enrollment windows need the Authdesk desktop app. Send the user a link instead.' });
    expect(options.modes.link).toEqual({ available: true });
    expect(options.webauthnInGuided).toEqual({ available: false, reason: 'No enrollment window here.' });
    expect(await thrown(() => cli.start(userId, 'guided-window'))).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Send the user a link instead/) as unknown });
    expect((await auditEntries()).at(-1)).toMatchObject({ action: 'enrollment.launch', outcome: 'error', error: { code: 'unavailable' }, details: { mode: 'guided-window' }, verification: { method: 'offline' } });
    expect((await cli.start(userId, 'link')).status).toBe('open');
  });
});

describe("a reloaded console's view of an open enrollment", () => {
  it("shows this user's open link again, nobody else's, and nothing once it ended", async () => {
    await build();
    const userId = await offlineVerifiedUser();
    const before = await ok<EnrollmentOptions>('enrollment:options', { userId });
    expect(before).toMatchObject({ enrolled: false, current: null, webauthnInGuided: { available: true } });
    const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'link' });
    expect((await ok<EnrollmentOptions>('enrollment:options', { userId })).current).toMatchObject({ id: view.id, status: 'open', link: view.link });
    const other = await offlineVerifiedUser();
    expect((await ok<EnrollmentOptions>('enrollment:options', { userId: other })).current).toBeNull();
    // Another user's open enrollment blocks nobody else.
    expect((await ok<EnrollmentView>('enrollment:start', { userId: other, mode: 'link' })).status).toBe('open');
    await ok('enrollment:cancel', { enrollmentId: view.id });
    expect((await ok<EnrollmentOptions>('enrollment:options', { userId })).current).toBeNull();
  });
});

describe("what an enrolled user's link or window reports back", () => {
  it('fails a link whose challenge the user failed, or the tenant blocked, and shows a passed challenge as progress', async () => {
    await build();
    await verifyByEmail('usr_dorothy', 'dorothy@example.com');
    const totp = () => new TOTP({ secret: Secret.fromBase32(emulator.store.listAuthenticators('usr_dorothy')[0]._totpSecret!) }).generate();
    const start = async () => {
      const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'link' });
      return { view, token: new URL(view.link!).searchParams.get('token')! };
    };

    const failedOne = await start();
    await client(failedOne.token, '/verify/totp', { verificationCode: totp() === '000000' ? '111111' : '000000' });
    const failed = await ok<EnrollmentView>('enrollment:check', { enrollmentId: failedOne.view.id });
    expect(failed).toMatchObject({ status: 'failed', failure: "The tenant ended the user's attempt (CHALLENGE_FAILED). Create a new link if they still need one." });
    expect((await auditEntries()).at(-1)).toMatchObject({
      action: 'enrollment.fail',
      subject: { userId: 'usr_dorothy' },
      error: { code: 'forbidden', message: 'The tenant ended the attempt (CHALLENGE_FAILED).' },
      details: { enrollmentId: failedOne.view.id, mode: 'link', reason: 'challenge-failed', actionState: 'CHALLENGE_FAILED' },
      verification: { method: 'email-otp' },
    });

    const passedOne = await start();
    await client(passedOne.token, '/verify/totp', { verificationCode: totp() });
    expect(await ok<EnrollmentView>('enrollment:check', { enrollmentId: passedOne.view.id })).toMatchObject({ status: 'open', progress: 'challenge-passed' });
    await ok('enrollment:cancel', { enrollmentId: passedOne.view.id });

    const blocked = await start();
    const { actionCode, idempotencyKey } = tokenAction(blocked.token);
    emulator.store.getAction('usr_dorothy', actionCode, idempotencyKey)!.state = 'BLOCK';
    expect(await ok<EnrollmentView>('enrollment:check', { enrollmentId: blocked.view.id })).toMatchObject({ status: 'failed', failure: expect.stringContaining('(BLOCK)') as unknown });
  });

  it('fails a window whose valid token comes back with nothing added, and a cancel after it ended changes nothing', async () => {
    await build();
    await verifyByEmail('usr_dorothy', 'dorothy@example.com');
    const view = await ok<EnrollmentView>('enrollment:start', { userId: 'usr_dorothy', mode: 'prebuilt-window' });
    expect((await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).progress).toBeUndefined();
    const win = host.last();
    const token = new URL(win.url).searchParams.get('token')!;
    const secret = emulator.store.listAuthenticators('usr_dorothy')[0]._totpSecret!;
    const passed = await client(token, '/verify/totp', { verificationCode: new TOTP({ secret: Secret.fromBase32(secret) }).generate() });
    win.onRedirect!(passed.json.accessToken as string);
    await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status).toBe('failed');
    expect((await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).failure).toBe('The user finished without adding an authenticator.');
    expect((await auditEntries()).at(-1)).toMatchObject({
      action: 'enrollment.fail',
      error: { code: 'conflict', message: 'The user finished without adding an authenticator.' },
      details: { enrollmentId: view.id, mode: 'prebuilt-window', reason: 'The user finished without adding an authenticator.' },
      verification: { method: 'email-otp' },
    });
    expect(win.closed).toBe(true);
    const cancelled = await ok<EnrollmentView>('enrollment:cancel', { enrollmentId: view.id });
    expect(cancelled).toMatchObject({ status: 'failed', failure: 'The user finished without adding an authenticator.' });
    expect((await auditEntries()).some((e) => e.action === 'enrollment.cancel')).toBe(false);
  });
});

/** Leaves the audit log as a crash during an append would: nothing more is recorded until it is repaired. */
const tearAuditLog = () => appendFile(join(dataDir, 'audit', 'audit.jsonl'), '{"action":"enrollment.comp');
const UNRECORDED = 'The enrollment happened, but the audit log could not record it. Check the disk and the data folder.';

describe('an audit log that cannot record', () => {
  it('opens nothing: no track call, no window', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    await tearAuditLog();
    expect(await call('enrollment:start', { userId, mode: 'prebuilt-window' })).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/audit repair/) as unknown } });
    expect(host.opened).toHaveLength(0);
    expect(emulator.store.listActions(userId)).toEqual([]);
  });

  it('still completes an enrollment that happened, saying it went unrecorded (window and link)', async () => {
    await build();
    const windowUser = await offlineVerifiedUser();
    const inWindow = await ok<EnrollmentView>('enrollment:start', { userId: windowUser, mode: 'prebuilt-window' });
    const win = host.last();
    const { token: accessToken } = await enrollTotp(new URL(win.url).searchParams.get('token')!);
    const linkUser = await offlineVerifiedUser();
    const byLink = await ok<EnrollmentView>('enrollment:start', { userId: linkUser, mode: 'link' });
    await enrollTotp(new URL(byLink.link!).searchParams.get('token')!);
    await tearAuditLog();
    win.onRedirect!(accessToken);
    await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: inWindow.id })).status).toBe('completed');
    expect(await ok<EnrollmentView>('enrollment:check', { enrollmentId: inWindow.id })).toMatchObject({ failure: UNRECORDED, added: [{ method: 'AUTHENTICATOR_APP' }] });
    expect(await ok<EnrollmentView>('enrollment:check', { enrollmentId: byLink.id })).toMatchObject({ status: 'completed', failure: UNRECORDED, added: [{ method: 'AUTHENTICATOR_APP' }] });
  });
});

describe('an enrollment cancelled while the tenant is being asked', () => {
  it('stays cancelled, window or link: the answer that comes back later completes nothing', async () => {
    await build();
    const { service } = clockedService();
    const windowUser = await offlineVerifiedUser();
    const inWindow = await service.start(windowUser, 'prebuilt-window');
    const win = host.last();
    const { token: accessToken } = await enrollTotp(new URL(win.url).searchParams.get('token')!);
    const linkUser = await offlineVerifiedUser();
    const byLink = await service.start(linkUser, 'link');
    await enrollTotp(new URL(byLink.link!).searchParams.get('token')!);
    emulator.setFaults({ latencyMs: 300 });
    try {
      win.onRedirect!(accessToken);
      const polling = service.check(byLink.id);
      await service.cancel(inWindow.id);
      await service.cancel(byLink.id);
      await polling;
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      emulator.setFaults({ latencyMs: 0 });
    }
    expect((await service.check(inWindow.id)).status).toBe('cancelled');
    expect((await service.check(byLink.id)).status).toBe('cancelled');
    const actions = (await auditEntries()).map((e) => e.action);
    expect(actions.filter((a) => a === 'enrollment.complete' || a === 'enrollment.fail')).toEqual([]);
  });

  it('completes a link once when two polls find the new authenticator together', async () => {
    await build();
    const { service } = clockedService({ minPollGapMs: 0 });
    const view = await service.start(await offlineVerifiedUser(), 'link');
    await enrollTotp(new URL(view.link!).searchParams.get('token')!);
    const both = await Promise.all([service.check(view.id), service.check(view.id)]);
    // The poll that found it second answers from before the first one's record was written.
    expect(both.map((v) => v.status).sort()).toEqual(['completed', 'open']);
    expect((await service.check(view.id)).status).toBe('completed');
    expect((await auditEntries()).filter((e) => e.action === 'enrollment.complete')).toHaveLength(1);
  });
});

describe('a tenant that asks for the ticket of every call', () => {
  it('opens nothing without one, and carries it on the enrollment entries', async () => {
    await build();
    await services.settings.update({ tenantPolicies: { local: { requireTicket: true } } });
    const userId = freshUser();
    await ok('verification:record-offline', { userId, note: 'Called back on the number in the HR system.', ticket: 'INC-1234' });
    expect(await call('enrollment:start', { userId, mode: 'link' })).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringMatching(/ticket/) as unknown } });
    const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'link', ticket: 'INC-1234' });
    await ok('enrollment:cancel', { enrollmentId: view.id });
    const mine = (await auditEntries()).filter((e) => e.details.enrollmentId === view.id);
    expect(mine.map((e) => [e.action, e.details.ticket])).toEqual([
      ['enrollment.link-create', 'INC-1234'],
      ['enrollment.cancel', 'INC-1234'],
    ]);
  });
});

describe('a window that reports back after its enrollment ended', () => {
  it('is not even checked with the tenant', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'prebuilt-window' });
    const win = host.last();
    await ok('enrollment:cancel', { enrollmentId: view.id });
    const requests = emulator.faults.stats.requests;
    win.onRedirect!(new URL(win.url).searchParams.get('token'));
    await new Promise((r) => setTimeout(r, 300));
    expect(emulator.faults.stats.requests).toBe(requests);
    expect((await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status).toBe('cancelled');
    expect((await auditEntries()).map((e) => e.action)).toEqual(['verification.offline', 'enrollment.launch', 'enrollment.cancel']);
  });
});

describe('what the guided page and the tenant answer back', () => {
  it('tells the page why its result was refused, and records the method the tenant says was verified', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'guided-window' });
    const win = host.last();
    const refusal = await thrown(() => win.bridge!.complete({ method: 'AUTHENTICATOR_APP', token: 'not-a-token' }));
    // A tenant may answer a bad token with 200 and isValid false, or with a 400 (issue #13): either way the page is told.
    expect(refusal).toMatchObject({
      code: 'conflict',
      message: profileRules(emulator.profile).validateAnswers200ForBadTokens
        ? 'The token that came back belongs to another user or action; nothing is accepted from it.'
        : 'The tenant did not accept the token that came back, so nothing is accepted from it.',
    });
    expect(await thrown(() => win.bridge!.complete({ method: 'HACK', token: 'x' }))).toMatchObject({ code: 'validation', message: expect.stringMatching(/unexpected result.*start again/) as unknown });
    const { token } = await enrollTotp((win.bridge!.session() as GuidedSession).token);
    await win.bridge!.complete({ method: 'AUTHENTICATOR_APP', token });
    expect((await auditEntries()).at(-1)).toMatchObject({ action: 'enrollment.complete', details: { enrollmentId: view.id, mode: 'guided-window', firstEnrollment: true, verificationMethod: 'AUTHENTICATOR_APP' } });
  });

  it('fails a window when the tenant itself fails to answer, with what went wrong and what to do', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'prebuilt-window' });
    const win = host.last();
    const { token } = await enrollTotp(new URL(win.url).searchParams.get('token')!);
    emulator.setFaults({ errorRate: 1 });
    try {
      win.onRedirect!(token);
      await expect.poll(async () => (await auditEntries()).at(-1)?.action).toBe('enrollment.fail');
    } finally {
      emulator.setFaults({ errorRate: 0 });
    }
    await expect.poll(async () => (await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id })).status).toBe('failed');
    const failed = await ok<EnrollmentView>('enrollment:check', { enrollmentId: view.id });
    expect(failed).toMatchObject({ status: 'failed', added: [], failure: expect.stringMatching(/had a problem answering \(HTTP 50[03]\)\. Try again/) as unknown });
    expect((await auditEntries()).at(-1)).toMatchObject({ error: { code: 'unavailable' }, details: { enrollmentId: view.id, reason: failed.failure } });
    expect(win.closed).toBe(true);
  });
});

describe('enrollments of one user in two tenants', () => {
  it('are separate: one open in each, and each console sees its own', async () => {
    await build();
    const userId = freshUser();
    // A second tenant record over the same local tenant (another tenant id, the same API).
    await ok('tenants:add', { name: 'Second desk', apiUrl: emulator.apiUrl, tenantId: 'second-desk', secret: emulator.secret });
    await ok('verification:record-offline', { userId, note: 'Called back on the number in the HR system.' });
    const inSecond = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'link' });
    await ok('tenants:set-active', { id: 'local' });
    expect((await ok<EnrollmentOptions>('enrollment:options', { userId })).current).toBeNull();
    await ok('verification:record-offline', { userId, note: 'Called back on the number in the HR system.' });
    const inLocal = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'link' });
    expect(await call('enrollment:start', { userId, mode: 'link' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: 'An enrollment is already open for this user. Finish or cancel it first.' },
    });
    expect(inLocal.id).not.toBe(inSecond.id);
    expect((await ok<EnrollmentOptions>('enrollment:options', { userId })).current).toMatchObject({ id: inLocal.id });
  });
});

describe('a guided page that reports a result after its enrollment ended', () => {
  it('is told the enrollment could not be confirmed', async () => {
    await build();
    const userId = await offlineVerifiedUser();
    const view = await ok<EnrollmentView>('enrollment:start', { userId, mode: 'guided-window' });
    const bridge = host.last().bridge!;
    await ok('enrollment:cancel', { enrollmentId: view.id });
    expect(await thrown(() => bridge.complete({ method: 'AUTHENTICATOR_APP', token: 'x' }))).toMatchObject({ code: 'conflict', message: 'The enrollment could not be confirmed.' });
  });
});
