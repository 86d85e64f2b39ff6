import { Authsignal } from '@authsignal/node';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index';
import { STRICT } from '../support/emulator-profile';

// Asymmetric matchers typed as unknown (they are `any` in vitest's types).
const anyString: unknown = expect.any(String);
const matching = (pattern: RegExp | string): unknown => expect.stringMatching(pattern);
const containing = (text: string): unknown => expect.stringContaining(text);
const like = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);

// The Client API over real HTTP, called exactly as @authsignal/browser 1.16 calls it (same paths,
// bodies and headers; the browser half runs in Chromium in test/e2e/emulator-browser-sdk.test.ts),
// with @authsignal/node as the app's backend.

let emu: RunningEmulator;
let server: Authsignal;

beforeAll(async () => {
  emu = await startEmulator({ secret: 'client-api-secret', tenantId: 'client-api-tenant' });
  server = new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 });
});
afterAll(() => emu.close());

interface Reply {
  status: number;
  body: Record<string, unknown>;
  contentType: string | null;
}

/** One Client API call with the browser SDK's headers: Bearer token, or Basic base64(encodeURIComponent(tenantId)) with no colon. */
async function client(path: string, options: { token?: string; method?: string; body?: unknown } = {}): Promise<Reply> {
  const res = await fetch(`${emu.apiUrl}/client${path}`, {
    method: options.method ?? 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: options.token ? `Bearer ${options.token}` : `Basic ${btoa(encodeURIComponent(emu.tenantId))}`,
      'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, contentType: res.headers.get('content-type') };
}

/** The newest code sent to a recipient, read from the emulator's outbox over HTTP (secret auth). */
async function lastCode(to: string): Promise<string> {
  const res = await fetch(`${emu.origin}/__emulator/outbox?to=${encodeURIComponent(to)}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${emu.secret}:`).toString('base64')}` },
  });
  const { messages } = (await res.json()) as { messages: { code?: string; link?: string }[] };
  expect(messages.length).toBeGreaterThan(0);
  return messages[0].code ?? '';
}

const uid = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

async function trackToken(userId: string, attributes: Record<string, unknown> = {}): Promise<string> {
  return (await server.track({ userId, action: 'signIn', attributes })).token;
}

/** Enrolls email OTP for a new user through the Client API and returns the verify answer. */
async function enrollEmail(userId: string, email: string): Promise<Reply> {
  const token = await trackToken(userId);
  const enroll = await client('/user-authenticators/email-otp', { token, body: { email } });
  expect(enroll.status).toBe(200);
  return client('/verify/email-otp', { token, body: { verificationCode: await lastCode(email) } });
}

describe('email OTP', () => {
  it('enrolls a first authenticator with a plain track token, code from the outbox, and the token validates', async () => {
    const userId = uid('ada');
    const email = `${userId}@example.com`;
    const track = await server.track({ userId, action: 'signIn', attributes: {} });
    expect(track.state).toBe('ALLOW');

    const enroll = await client('/user-authenticators/email-otp', { token: track.token, body: { email } });
    expect(enroll).toMatchObject({ status: 200, body: { userId, userAuthenticatorId: anyString } });
    expect(await server.getAuthenticators({ userId })).toEqual([]); // pending until verified

    const wrong = await client('/verify/email-otp', { token: track.token, body: { verificationCode: '000000' } });
    expect(wrong.body).toMatchObject({ isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });

    const ok = await client('/verify/email-otp', { token: track.token, body: { verificationCode: await lastCode(email) } });
    expect(ok.body).toMatchObject({ isVerified: true, accessToken: anyString, userAuthenticator: { verificationMethod: 'EMAIL_OTP', isDefault: true } });
    expect((ok.body.userAuthenticator as { email: string }).email).not.toContain(userId.slice(1));

    const validation = await server.validateChallenge({ token: ok.body.accessToken as string });
    // A first enrollment's ALLOW action: the default moves it to CHALLENGE_SUCCEEDED; strict leaves
    // it ALLOW (nothing documents the move), so only the user and action identify the enrollment.
    if (STRICT) expect(validation).toMatchObject({ isValid: false, state: 'ALLOW', userId, action: 'signIn' });
    else expect(validation).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, action: 'signIn', verificationMethod: 'EMAIL_OTP' });
    const [authenticator] = await server.getAuthenticators({ userId });
    expect(authenticator).toMatchObject({ verificationMethod: 'EMAIL_OTP', email, verifiedAt: anyString, lastVerifiedAt: anyString });
    expect(JSON.stringify(authenticator)).not.toMatch(/_pending|_totpSecret|_credential/);
    expect(await server.getUser({ userId })).toMatchObject({ isEnrolled: true, email, ...(STRICT ? {} : { emailVerified: true }) });
  });

  it('challenges an enrolled user and moves the action to CHALLENGE_SUCCEEDED with verifiedByAuthenticatorId', async () => {
    const userId = uid('bob');
    const email = `${userId}@example.com`;
    await enrollEmail(userId, email);
    const track = await server.track({ userId, action: 'withdraw', attributes: {} });
    expect(track.state).toBe('CHALLENGE_REQUIRED');
    const challenge = await client('/challenge/email-otp', { token: track.token });
    expect(challenge.body).toEqual({ challengeId: anyString });
    const ok = await client('/verify/email-otp', { token: track.token, body: { verificationCode: await lastCode(email) } });
    expect(ok.body.isVerified).toBe(true);
    const [authenticator] = await server.getAuthenticators({ userId });
    const [action] = await server.queryUserActions({ userId, actionCodes: ['withdraw'] });
    expect(action).toMatchObject({ state: 'CHALLENGE_SUCCEEDED', verificationMethod: 'EMAIL_OTP', verifiedByAuthenticatorId: authenticator.userAuthenticatorId });
    // The same code cannot be used twice.
    const replay = await client('/verify/email-otp', { token: track.token, body: { verificationCode: await lastCode(email) } });
    expect(replay.body).toMatchObject({ isVerified: false });
  });
});

describe('SMS and WhatsApp', () => {
  it('enrolls SMS (E.164 only), challenges over SMS and WhatsApp, and masks the number', async () => {
    const userId = uid('sam');
    const phone = `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}`;
    const token = await trackToken(userId);
    const bad = await client('/user-authenticators/sms', { token, body: { phoneNumber: '0415 555' } });
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request', errorCode: 'invalid_request' } });
    await client('/user-authenticators/sms', { token, body: { phoneNumber: phone } });
    const ok = await client('/verify/sms', { token, body: { verificationCode: await lastCode(phone) } });
    expect(ok.body.isVerified).toBe(true);

    const next = await trackToken(userId);
    await client('/challenge/whatsapp', { token: next });
    const whatsapp = await client('/verify/whatsapp', { token: next, body: { verificationCode: await lastCode(phone) } });
    expect(whatsapp.body).toMatchObject({ isVerified: true, verificationMethod: 'WHATSAPP' });

    const list = await client('/user-authenticators', { token: next, method: 'GET' });
    expect(list.body).toEqual([like({ verificationMethod: 'SMS', phoneNumber: `+*******${phone.slice(-4)}`, isDefault: true })]);
  });
});

describe('sending limits', () => {
  it('answers 429 too_many_requests with Retry-After past 6 SMS to one number in 10 minutes', async () => {
    const userId = uid('lim');
    const phone = '+61491570156';
    const token = await trackToken(userId);
    await client('/user-authenticators/sms', { token, body: { phoneNumber: phone } });
    await client('/verify/sms', { token, body: { verificationCode: await lastCode(phone) } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await client('/challenge/sms', { token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const res = await fetch(`${emu.apiUrl}/client/challenge/sms`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await res.json()).toMatchObject({ error: 'too_many_requests', errorCode: 'too_many_requests' });
  });
});

describe('authenticator app (TOTP)', () => {
  it('enrolls with uri + secret and verifies a code computed from the secret (RFC 6238)', async () => {
    const userId = uid('tia');
    const token = await trackToken(userId);
    const enroll = await client('/user-authenticators/totp', { token });
    expect(enroll.body).toMatchObject({ userId, uri: matching(/^otpauth:\/\/totp\//), secret: matching(/^[A-Z2-7]+$/) });
    const totp = new TOTP({ secret: Secret.fromBase32(enroll.body.secret as string) });
    const wrong = await client('/verify/totp', { token, body: { verificationCode: String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, '0') } });
    expect(wrong.body).toMatchObject({ isVerified: false });
    const ok = await client('/verify/totp', { token, body: { verificationCode: totp.generate() } });
    expect(ok.body).toMatchObject({ isVerified: true, accessToken: anyString });
    expect(await server.getAuthenticators({ userId })).toEqual([like({ verificationMethod: 'AUTHENTICATOR_APP' })]);
  });
});

describe('the binding rule', () => {
  it('refuses a second authenticator with a plain token, allows it after a challenge or with add:authenticators', async () => {
    const userId = uid('cy');
    const email = `${userId}@example.com`;
    await enrollEmail(userId, email);
    // Another session's success must not open the window for this test: start from a clean clock.
    emu.store.updateUser(userId, { lastChallengeSucceededAt: null });

    const plain = await trackToken(userId);
    const refused = await client('/user-authenticators/totp', { token: plain });
    expect(refused).toMatchObject({ status: 403, body: { error: 'insufficient_scope', errorCode: 'insufficient_scope', errorDescription: containing('add:authenticators') } });
    const refusedPasskey = await client('/user-authenticators/passkey/registration-options', { token: plain, body: { username: email } });
    expect(refusedPasskey.status).toBe(403);

    const scoped = await trackToken(userId, { scope: 'add:authenticators' });
    expect((await client('/user-authenticators/totp', { token: scoped })).status).toBe(200);

    await client('/challenge/email-otp', { token: plain });
    const verify = await client('/verify/email-otp', { token: plain, body: { verificationCode: await lastCode(email) } });
    const access = verify.body.accessToken as string;
    const added = await client('/user-authenticators/sms', { token: access, body: { phoneNumber: '+14155550111' } });
    expect(added.status).toBe(200);
  });

  it('allows removal only with remove:authenticators, and never of the last authenticator', async () => {
    const userId = uid('dee');
    const email = `${userId}@example.com`;
    const first = await enrollEmail(userId, email);
    const access = first.body.accessToken as string;
    const [only] = await server.getAuthenticators({ userId });
    const last = await client(`/user-authenticators/${only.userAuthenticatorId}`, { token: access, method: 'DELETE' });
    expect(last).toMatchObject({ status: 400, body: { error: 'invalid_request' } });

    await client('/user-authenticators/totp', { token: access });
    const code = new TOTP({ secret: Secret.fromBase32((await client('/user-authenticators/totp', { token: access })).body.secret as string) }).generate();
    expect((await client('/verify/totp', { token: access, body: { verificationCode: code } })).body.isVerified).toBe(true);
    expect(await server.getAuthenticators({ userId })).toHaveLength(2);

    const plain = await trackToken(userId);
    expect((await client(`/user-authenticators/${only.userAuthenticatorId}`, { token: plain, method: 'DELETE' })).status).toBe(403);
    const removed = await client(`/user-authenticators/${only.userAuthenticatorId}`, { token: access, method: 'DELETE' });
    expect(removed).toMatchObject({ status: 200, body: { removed: true } });
    expect(await server.getAuthenticators({ userId })).toEqual([like({ verificationMethod: 'AUTHENTICATOR_APP' })]);
  });
});

describe('email magic link', () => {
  it('sends a link to an emulator page; approving it lets finalize succeed once', async () => {
    const userId = uid('mel');
    const email = `${userId}@example.com`;
    const token = await trackToken(userId);
    await client('/user-authenticators/email-magic-link', { token, body: { email } });
    expect((await client('/verify/email-magic-link/finalize', { token, body: {} })).body).toEqual({ isVerified: false });

    const res = await fetch(`${emu.origin}/__emulator/outbox?to=${encodeURIComponent(email)}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${emu.secret}:`).toString('base64')}` },
    });
    const link = ((await res.json()) as { messages: { link: string }[] }).messages[0].link;
    const url = new URL(link);
    expect(url.origin).toBe(emu.uiOrigin);
    const page = await fetch(link);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('Confirm and continue');
    // The GET alone approves nothing (mail scanners prefetch links).
    expect((await client('/verify/email-magic-link/finalize', { token, body: {} })).body).toEqual({ isVerified: false });
    const confirm = await fetch(`${emu.origin}${url.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ challengeId: url.searchParams.get('challengeId')!, secret: url.searchParams.get('secret')! }).toString(),
    });
    expect(confirm.status).toBe(200);
    const forged = await fetch(`${emu.origin}${url.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ challengeId: url.searchParams.get('challengeId')!, secret: 'x'.repeat(32) }).toString(),
    });
    expect(forged.status).toBe(400);

    const done = await client('/verify/email-magic-link/finalize', { token, body: {} });
    expect(done.body).toMatchObject({ isVerified: true, accessToken: anyString });
    expect((await server.validateChallenge({ token: done.body.accessToken as string })).isValid).toBe(!STRICT);
    expect((await client('/verify/email-magic-link/finalize', { token, body: {} })).body).toEqual({ isVerified: false });
  });
});

describe('protocol', () => {
  it('answers JSON for errors, unknown routes and missing auth; CORS preflight only under /v1/client', async () => {
    const noAuth = await fetch(`${emu.apiUrl}/client/user-authenticators`, { headers: { Origin: 'http://localhost:5173' } });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('content-type')).toContain('application/json');
    expect(noAuth.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(await noAuth.json()).toMatchObject({ error: 'unauthorized', errorCode: 'unauthorized' });

    const unknown = await client('/no-such-thing', { token: await trackToken(uid('x')) });
    expect(unknown).toMatchObject({ status: 404, contentType: containing('application/json') });

    const tenantOnly = await client('/user-authenticators/totp');
    expect(tenantOnly).toMatchObject({ status: 401, body: { error: 'unauthorized' } });

    const preflight = await fetch(`${emu.apiUrl}/client/verify/passkey`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('opens a passkey sign-in challenge with tenant auth (with or without the colon), and refuses a wrong tenant', async () => {
    const noColon = await client('/challenge', { body: { action: 'signIn' } });
    expect(noColon.body).toEqual({ challengeId: anyString });
    const withColon = await fetch(`${emu.apiUrl}/client/challenge`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${emu.tenantId}:`)}` },
      body: JSON.stringify({ action: 'signIn' }),
    });
    expect(withColon.status).toBe(200);
    const options = await client('/user-authenticators/passkey/authentication-options', { body: { challengeId: noColon.body.challengeId } });
    expect(options.body).toMatchObject({ challengeId: noColon.body.challengeId, options: { rpId: 'localhost', challenge: anyString, allowCredentials: [] } });
    const wrongTenant = await fetch(`${emu.apiUrl}/client/challenge`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa('someone-else')}` },
      body: JSON.stringify({ action: 'signIn' }),
    });
    expect(wrongTenant.status).toBe(401);
  });
});

describe('token expiry', () => {
  it('answers 401 expired_token once the token lifetime has passed', async () => {
    // 2 s, not 1: JWT `exp` is whole seconds, so a 1 s token may already be expired when first used.
    const short = await startEmulator({ tokenTtlSeconds: 2 });
    try {
      const node = new Authsignal({ apiSecretKey: short.secret, apiUrl: short.apiUrl, retries: 0 });
      const { token } = await node.track({ userId: 'expiring', action: 'signIn', attributes: {} });
      const call = () =>
        fetch(`${short.apiUrl}/client/user-authenticators/totp`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } });
      expect((await call()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 3100));
      const expired = await call();
      expect(expired.status).toBe(401);
      expect(await expired.json()).toMatchObject({ error: 'expired_token', errorCode: 'expired_token' });
    } finally {
      await short.close();
    }
  });
});
