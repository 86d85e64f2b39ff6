import { randomUUID } from 'node:crypto';
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { TOTP, Secret } from 'otpauth';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import type { OutboxMessage } from '../../src/emulator/model';
import { STRICT } from '../support/emulator-profile';

/**
 * Conformance of the local tenant's Server API, driven only through the real @authsignal/node
 * 2.21 SDK (plus the outbox over HTTP, where a person would read their phone or inbox).
 */

const UNAUTHORIZED =
  'The request is unauthorized. Check that your API key and region base URL are correctly configured.';

let emu: RunningEmulator;
let sdk: Authsignal;

beforeAll(async () => {
  emu = await startEmulator({ secret: 'conformance-secret', tenantId: 'conformance', seed: 'demo' });
  sdk = new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 });
});
afterAll(() => emu.close());
afterEach(() => {
  vi.useRealTimers();
});

/** Messages sent to one recipient, newest first. */
async function outbox(to: string): Promise<OutboxMessage[]> {
  const res = await fetch(`${emu.origin}/__emulator/outbox?to=${encodeURIComponent(to)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${emu.secret}:`).toString('base64')}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: OutboxMessage[] }).messages;
}

async function latestCode(to: string): Promise<string> {
  const [message] = await outbox(to);
  expect(message?.code).toMatch(/^\d{6}$/);
  return message.code!;
}

/** The rejection of a promise as an AuthsignalError. */
async function failure(promise: Promise<unknown>): Promise<AuthsignalError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthsignalError);
  return error as AuthsignalError;
}

const freshId = () => `test-${randomUUID()}`;

describe('auth', () => {
  it('rejects a wrong secret with the live API’s exact 401 body', async () => {
    const wrong = new Authsignal({ apiSecretKey: 'not-the-secret', apiUrl: emu.apiUrl, retries: 0 });
    const error = await failure(wrong.getUser({ userId: 'usr_ada' }));
    expect(error.statusCode).toBe(401);
    expect(error.errorCode).toBe('unauthorized');
    expect(error.errorDescription).toBe(UNAUTHORIZED);
    const raw = await fetch(`${emu.apiUrl}/users/usr_ada`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ error: 'unauthorized', errorCode: 'unauthorized', errorDescription: UNAUTHORIZED });
  });
});

describe('users', () => {
  it('answers an unknown user with 200 and isEnrolled false (users are implicit)', async () => {
    const user = await sdk.getUser({ userId: freshId() });
    expect(user.isEnrolled).toBe(false);
    expect(user.email).toBeUndefined();
    expect(user.enrolledVerificationMethods).toEqual([]);
  });

  it('returns a demo user with enrolled methods (strict leaves out the undocumented *Verified flags)', async () => {
    const user = await sdk.getUser({ userId: 'usr_ada' });
    expect(user).toMatchObject({ isEnrolled: true, email: 'ada@example.com', username: 'ada' });
    if (STRICT) {
      expect('emailVerified' in user).toBe(false);
      expect('phoneNumberVerified' in user).toBe(false);
    } else {
      expect(user.emailVerified).toBe(true);
    }
    expect(user.enrolledVerificationMethods).toEqual(['PASSKEY', 'EMAIL_OTP']);
  });

  it.each([
    ['auth0|5f1b2c3d4e', 'grace@example.com'],
    ['sam+support@example.com', 'sam+support@example.com'],
    ['mia.wong@example.com', 'mia.wong@example.com'],
    ['usr_zoë', 'zoe.mueller@example.de'],
  ])('accepts the id %s raw and percent-encoded', async (userId, email) => {
    expect((await sdk.getUser({ userId })).email).toBe(email);
    expect((await sdk.getUser({ userId: encodeURIComponent(userId) })).email).toBe(email);
  });

  it('updates (merging, null clears) and deletes a user; a deleted user reads as not enrolled', async () => {
    const userId = freshId();
    const first = await sdk.updateUser({ userId, attributes: { email: 'new@example.com', displayName: 'Jo Ñandú 🌵', custom: { tier: 'gold' } } });
    expect(first).toMatchObject({ email: 'new@example.com', emailVerified: false, displayName: 'Jo Ñandú 🌵', custom: { tier: 'gold' } });
    const second = await sdk.updateUser({ userId, attributes: { phoneNumber: '+14155550999', phoneNumberVerified: true } });
    expect(second).toMatchObject({ email: 'new@example.com', phoneNumber: '+14155550999', phoneNumberVerified: true, displayName: 'Jo Ñandú 🌵' });
    const cleared = await sdk.updateUser({ userId, attributes: { email: null } as unknown as { email: string } });
    expect(cleared.email).toBeUndefined();
    await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: '+14155550999' } });
    expect((await sdk.getUser({ userId })).isEnrolled).toBe(true);
    await sdk.deleteUser({ userId });
    const after = await sdk.getUser({ userId });
    expect(after.isEnrolled).toBe(false);
    expect(after.phoneNumber).toBeUndefined();
    expect(await sdk.getAuthenticators({ userId })).toEqual([]);
  });

  it('rejects a phone number that is not E.164 with invalid_request (strict stores it as given)', async () => {
    const update = sdk.updateUser({ userId: freshId(), attributes: { phoneNumber: '(415) 555-0123' } });
    if (STRICT) {
      expect((await update).phoneNumber).toBe('(415) 555-0123');
      return;
    }
    const error = await failure(update);
    expect(error.statusCode).toBe(400);
    expect(error.errorCode).toBe('invalid_request');
  });
});

describe('queryUsers', () => {
  it('finds users by email (case-insensitive by default, exact under strict), phone number and username', async () => {
    // Ben's address is stored as Ben.Okafor@Example.com.
    const byEmail = await sdk.queryUsers({ email: 'Ben.Okafor@Example.com' });
    expect(byEmail.users.map((u) => u.userId)).toEqual(['usr_ben']);
    const byOtherCase = await sdk.queryUsers({ email: 'ben.okafor@example.com' });
    expect(byOtherCase.users.map((u) => u.userId)).toEqual(STRICT ? [] : ['usr_ben']);
    const byPhone = await sdk.queryUsers({ phoneNumber: '+14155550199' });
    expect(byPhone.users.map((u) => u.userId).sort()).toEqual(['usr_shared_phone_1', 'usr_shared_phone_2']);
    const byUsername = await sdk.queryUsers({ username: 'grace.hopper' });
    expect(byUsername.users).toHaveLength(1);
    expect(byUsername.users[0]).toMatchObject({ userId: 'auth0|5f1b2c3d4e', phoneNumber: '+14155550123', phoneNumberVerified: true });
    expect((await sdk.queryUsers({ email: 'nobody@nowhere.example' })).users).toEqual([]);
  });

  it('pages through every user with limit and lastEvaluatedUserId, each exactly once, in id order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await sdk.queryUsers({ limit: 7, lastEvaluatedUserId: cursor });
      expect(page.users.length).toBeLessThanOrEqual(7);
      seen.push(...page.users.map((u) => u.userId));
      cursor = page.lastEvaluatedUserId;
      pages++;
    } while (cursor && pages < 100);
    expect(seen.length).toBe(new Set(seen).size);
    expect(seen).toContain('auth0|5f1b2c3d4e');
    expect(seen).toContain('usr_zoë');
    expect(seen.length).toBe(emu.store.userCount);
    expect([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(seen);
  });

  it('filters by token and returns the token payload', async () => {
    const tracked = await sdk.track({ userId: 'usr_katherine', action: 'lookup', attributes: { scope: 'add:authenticators' } });
    const result = await sdk.queryUsers({ token: tracked.token });
    expect(result.users.map((u) => u.userId)).toEqual(['usr_katherine']);
    expect(result.tokenPayload).toMatchObject({ userId: 'usr_katherine', actionCode: 'lookup', scope: 'add:authenticators' });
  });
});

describe('authenticators', () => {
  it('enrolls verified email, SMS and authenticator app on a brand-new user (implicitly created), lists and deletes them', async () => {
    const userId = freshId();
    const email = await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'EMAIL_OTP' as never, email: 'enrolled@example.com' } });
    expect(email.authenticator).toMatchObject({ userId, verificationMethod: 'EMAIL_OTP', email: 'enrolled@example.com' });
    expect(email.authenticator.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const user = await sdk.getUser({ userId });
    expect(user.isEnrolled).toBe(true);
    expect(user.email).toBeUndefined();

    const again = await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'EMAIL_OTP' as never, email: 'enrolled@example.com' } });
    expect(again.authenticator.userAuthenticatorId).toBe(email.authenticator.userAuthenticatorId);

    await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: '+14155550777' } });
    const otpUri = new TOTP({ issuer: 'Test', label: 'user', secret: new Secret({ size: 20 }) }).toString();
    const app = await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'AUTHENTICATOR_APP' as never, otpUri } as never });
    expect(app.authenticator.verificationMethod).toBe('AUTHENTICATOR_APP');

    const list = await sdk.getAuthenticators({ userId });
    expect(list.map((a) => a.verificationMethod)).toEqual(['EMAIL_OTP', 'SMS', 'AUTHENTICATOR_APP']);
    for (const a of list) expect(Object.keys(a).filter((k) => k.startsWith('_'))).toEqual([]);

    await sdk.deleteAuthenticator({ userId, userAuthenticatorId: email.authenticator.userAuthenticatorId });
    expect((await sdk.getAuthenticators({ userId })).map((a) => a.verificationMethod)).toEqual(['SMS', 'AUTHENTICATOR_APP']);
    const missing = await failure(sdk.deleteAuthenticator({ userId, userAuthenticatorId: email.authenticator.userAuthenticatorId }));
    expect(missing.statusCode).toBe(404);
  });

  it('refuses methods that cannot be enrolled as verified, and missing destinations', async () => {
    const passkey = await failure(sdk.enrollVerifiedAuthenticator({ userId: freshId(), attributes: { verificationMethod: 'PASSKEY' as never } }));
    expect(passkey.statusCode).toBe(400);
    expect(passkey.errorCode).toBe('invalid_request');
    const noEmail = await failure(sdk.enrollVerifiedAuthenticator({ userId: freshId(), attributes: { verificationMethod: 'EMAIL_OTP' as never } }));
    expect(noEmail.statusCode).toBe(400);
  });

  it('shows seeded passkeys with AAGUID names, backup state, attachment and parsed user agent, never key material', async () => {
    const [passkey] = (await sdk.getAuthenticators({ userId: 'usr_ada' })).filter((a) => String(a.verificationMethod) === 'PASSKEY');
    expect(passkey.webauthnCredential).toMatchObject({
      aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
      aaguidMapping: { name: 'Apple Passwords' },
      credentialBackedUp: true,
      credentialDeviceType: 'multiDevice',
      authenticatorAttachment: 'platform',
      parsedUserAgent: { browser: { name: 'Safari' }, os: { name: 'Mac OS' } },
    });
    expect(JSON.stringify(passkey)).not.toMatch(/publicKey|_credential|_totpSecret/);
    const [key] = await sdk.getAuthenticators({ userId: 'usr_frances' });
    expect(key.verificationMethod).toBe('SECURITY_KEY');
    expect(key.webauthnCredential?.aaguidMapping?.name).toBe('YubiKey 5 Series');
  });
});

describe('track, validate and actions', () => {
  it('challenges an enrolled user, with a pre-built UI url and a token that validates at once', async () => {
    const tracked = await sdk.track({ userId: 'usr_ada', action: 'signIn', attributes: { redirectUrl: 'https://app.example/done' } });
    expect(tracked).toMatchObject({ state: 'CHALLENGE_REQUIRED', isEnrolled: true, ruleIds: [] });
    expect(tracked.idempotencyKey).toMatch(/[0-9a-f-]{36}/);
    expect(tracked.url.startsWith(`${emu.uiOrigin}/prebuilt/start?token=`)).toBe(true);
    expect(tracked.allowedVerificationMethods).toContain('PASSKEY');
    const validated = await sdk.validateChallenge({ token: tracked.token });
    expect(validated).toMatchObject({ isValid: false, state: 'CHALLENGE_REQUIRED', action: 'signIn', userId: 'usr_ada', idempotencyKey: tracked.idempotencyKey });
  });

  it('refuses a redirectUrl that is not http(s) and an invalid action code', async () => {
    const script = await failure(sdk.track({ userId: 'usr_ada', action: 'signIn', attributes: { redirectUrl: 'javascript:alert(1)' } }));
    expect(script.statusCode).toBe(400);
    expect(script.errorCode).toBe('invalid_request');
    const code = await failure(sdk.track({ userId: 'usr_ada', action: 'sign in!' }));
    expect(code.statusCode).toBe(400);
  });

  it('allows an unenrolled user without a challenge', async () => {
    const tracked = await sdk.track({ userId: 'usr_alan', action: 'signIn' });
    expect(tracked).toMatchObject({ state: 'ALLOW', isEnrolled: false });
    expect(tracked.url).toContain('token=');
  });

  it('addresses the same action again for a known idempotency key (no duplicate); strict ignores the caller’s key', async () => {
    const idempotencyKey = randomUUID();
    const first = await sdk.track({ userId: 'usr_dorothy', action: 'resetPassword', attributes: { idempotencyKey } });
    const second = await sdk.track({ userId: 'usr_dorothy', action: 'resetPassword', attributes: { idempotencyKey } });
    expect(second.state).toBe(first.state);
    const actions = await sdk.queryUserActions({ userId: 'usr_dorothy', actionCodes: ['resetPassword'] });
    if (STRICT) {
      // Two actions, each under a key the server minted; the caller's key names neither.
      expect(first.idempotencyKey).not.toBe(idempotencyKey);
      expect(second.idempotencyKey).not.toBe(first.idempotencyKey);
      expect(actions.filter((a) => a.idempotencyKey === idempotencyKey)).toHaveLength(0);
      expect(actions.filter((a) => a.idempotencyKey === first.idempotencyKey || a.idempotencyKey === second.idempotencyKey)).toHaveLength(2);
    } else {
      expect(second.idempotencyKey).toBe(idempotencyKey);
      expect(actions.filter((a) => a.idempotencyKey === idempotencyKey)).toHaveLength(1);
    }
  });

  it('validates CHALLENGE_SUCCEEDED after a server-side email challenge for the tracked action', async () => {
    const tracked = await sdk.track({ userId: 'usr_katherine', action: 'signIn' });
    expect(tracked.state).toBe('CHALLENGE_REQUIRED');
    const { challengeId } = await sdk.challenge({
      verificationMethod: 'EMAIL_OTP',
      userId: 'usr_katherine',
      action: 'signIn',
      idempotencyKey: tracked.idempotencyKey,
    });
    const code = await latestCode('katherine@example.com');
    expect(await sdk.verify({ challengeId, verificationCode: code })).toMatchObject({ isVerified: true, email: 'katherine@example.com', verificationMethod: 'EMAIL_OTP' });
    const validated = await sdk.validateChallenge({ token: tracked.token, action: 'signIn', userId: 'usr_katherine' });
    expect(validated).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', action: 'signIn', verificationMethod: 'EMAIL_OTP' });
    if (STRICT) expect((await failure(sdk.validateChallenge({ token: tracked.token, userId: 'someone-else' }))).statusCode).toBe(400);
    else expect((await sdk.validateChallenge({ token: tracked.token, userId: 'someone-else' })).isValid).toBe(false);
    const action = await sdk.getAction({ userId: 'usr_katherine', action: 'signIn', idempotencyKey: tracked.idempotencyKey });
    expect(action).toMatchObject({ state: 'CHALLENGE_SUCCEEDED', verificationMethod: 'EMAIL_OTP' });
  });

  it('reports a bad token as isValid false (strict: 400 invalid_token), never as a wrong secret', async () => {
    if (STRICT) {
      const error = await failure(sdk.validateChallenge({ token: 'not.a.token' }));
      expect(error.statusCode).toBe(400);
      expect(error.errorCode).toBe('invalid_token');
      return;
    }
    const validated = await sdk.validateChallenge({ token: 'not.a.token' });
    expect(validated.isValid).toBe(false);
    expect(validated.error).toBeTruthy();
  });

  it('updates an action and reads it back; queries a user’s actions by code, state and date', async () => {
    const tracked = await sdk.track({ userId: 'usr_radia', action: 'payment' });
    expect(await sdk.updateAction({ userId: 'usr_radia', action: 'payment', idempotencyKey: tracked.idempotencyKey, attributes: { state: 'REVIEW_REQUIRED' as never } })).toMatchObject({ state: 'REVIEW_REQUIRED' });
    const action = await sdk.getAction({ userId: 'usr_radia', action: 'payment', idempotencyKey: tracked.idempotencyKey });
    expect(action).toMatchObject({ state: 'REVIEW_REQUIRED' });
    expect(action.output).not.toBeNull();
    expect(action.stateUpdatedAt).toMatch(/\.\d{3}Z$/);
    const missing = await failure(sdk.getAction({ userId: 'usr_radia', action: 'payment', idempotencyKey: randomUUID() }));
    expect(missing.statusCode).toBe(404);

    const failed = await sdk.queryUserActions({ userId: 'usr_locked', state: 'CHALLENGE_FAILED' as never });
    expect(failed).toHaveLength(4);
    expect(failed.every((a) => a.actionCode === 'signIn' && a.state === 'CHALLENGE_FAILED')).toBe(true);
    const all = await sdk.queryUserActions({ userId: 'usr_locked', actionCodes: ['signIn', 'withdrawFunds'] });
    expect(all.map((a) => a.state)).toContain('BLOCK');
    expect(all.length).toBe(6);
    // History older than 30 days is never returned, whatever fromDate says.
    const review = await sdk.queryUserActions({ userId: 'usr_review', fromDate: new Date(Date.now() - 90 * 86_400_000).toISOString() });
    // (The sign-in that last used their authenticator, within the 30 days, is there too: demo data agrees with itself.)
    expect(review.map((a) => a.state).sort()).toEqual(['CHALLENGE_FAILED', 'CHALLENGE_SUCCEEDED', 'REVIEW_REQUIRED']);
    const recent = await sdk.queryUserActions({ userId: 'usr_locked', fromDate: new Date(Date.now() - 86_400_000).toISOString() });
    expect(recent.length).toBe(3);
  });
});

describe('server-side OTP challenge and verify', () => {
  it('sends an SMS code, refuses a wrong one, accepts the right one once, and lists the pending challenge', async () => {
    const { challengeId, idempotencyKey, expiresAt } = await sdk.challenge({ verificationMethod: 'SMS', phoneNumber: '+14155550124', userId: 'usr_margaret', action: 'callerCheck' });
    expect(idempotencyKey).toBeTruthy();
    // Epoch milliseconds by default; epoch seconds under the strict profile.
    expect(STRICT ? expiresAt * 1000 : expiresAt).toBeGreaterThan(Date.now() + 9 * 60_000 - (STRICT ? 1000 : 0));
    const pending = await sdk.getChallenge({ userId: 'usr_margaret', action: 'callerCheck' });
    expect(pending).toMatchObject({ challengeId, verificationMethod: 'SMS', phoneNumber: '+14155550124', action: 'callerCheck' });
    const [message] = await outbox('+14155550124');
    expect(message).toMatchObject({ channel: 'sms', kind: 'otp', userId: 'usr_margaret' });
    const wrong = message.code === '000000' ? '000001' : '000000';
    expect(await sdk.verify({ challengeId, verificationCode: wrong })).toMatchObject({ isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });
    expect(await sdk.verify({ challengeId, verificationCode: message.code! })).toMatchObject({ isVerified: true, phoneNumber: '+14155550124', verificationMethod: 'SMS' });
    expect(await sdk.verify({ challengeId, verificationCode: message.code! })).toMatchObject({ isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });
    expect(await sdk.getChallenge({ challengeId })).toEqual({});
    const actions = await sdk.queryUserActions({ userId: 'usr_margaret', actionCodes: ['callerCheck'] });
    expect(actions[0]).toMatchObject({ state: 'CHALLENGE_SUCCEEDED', verificationMethod: 'SMS' });
  });

  it('sends WhatsApp codes through the WhatsApp channel', async () => {
    const { challengeId } = await sdk.challenge({ verificationMethod: 'SMS', smsChannel: 'WHATSAPP' as never, phoneNumber: '+447700900123' });
    const [message] = await outbox('+447700900123');
    expect(message.channel).toBe('whatsapp');
    expect(await sdk.verify({ challengeId, verificationCode: message.code! })).toMatchObject({ isVerified: true, verificationMethod: 'WHATSAPP' });
  });

  it('burns the challenge after 10 wrong codes (MAX_ATTEMPTS_EXCEEDED) and fails the action', async () => {
    const { challengeId } = await sdk.challenge({ verificationMethod: 'EMAIL_OTP', userId: 'usr_review', action: 'bruteForce' });
    const code = await latestCode('mary@example.com');
    const wrong = code === '123456' ? '654321' : '123456';
    const reasons: (string | undefined)[] = [];
    for (let i = 0; i < 10; i++) reasons.push((await sdk.verify({ challengeId, verificationCode: wrong })).failureReason);
    expect(reasons.slice(0, 9).every((r) => r === 'CODE_INVALID_OR_EXPIRED')).toBe(true);
    expect(reasons[9]).toBe('MAX_ATTEMPTS_EXCEEDED');
    expect((await sdk.verify({ challengeId, verificationCode: code })).failureReason).toBe('MAX_ATTEMPTS_EXCEEDED');
    const [action] = await sdk.queryUserActions({ userId: 'usr_review', actionCodes: ['bruteForce'] });
    expect(action.state).toBe('CHALLENGE_FAILED');
  });

  it('expires a code after 10 minutes', async () => {
    const { challengeId } = await sdk.challenge({ verificationMethod: 'EMAIL_OTP', email: 'expiry@example.com' });
    const code = await latestCode('expiry@example.com');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1_000 });
    expect(await sdk.verify({ challengeId, verificationCode: code })).toMatchObject({ isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });
  });

  it('needs somewhere to send the code', async () => {
    const error = await failure(sdk.challenge({ verificationMethod: 'SMS', userId: 'usr_nobody' }));
    expect(error.statusCode).toBe(400);
  });

  it('claims a verified challenge for a user and returns a token that validates', async () => {
    const { challengeId } = await sdk.challenge({ verificationMethod: 'EMAIL_OTP', email: 'claim@example.com', action: 'signUp' });
    const early = await failure(sdk.claimChallenge({ challengeId, userId: 'usr_claimer' }));
    expect(early.statusCode).toBe(400);
    await sdk.verify({ challengeId, verificationCode: await latestCode('claim@example.com') });
    const claimed = await sdk.claimChallenge({ challengeId, userId: 'usr_claimer' });
    expect(claimed.verificationMethod).toBe('EMAIL_OTP');
    expect(await sdk.validateChallenge({ token: claimed.token })).toMatchObject({ isValid: true, userId: 'usr_claimer', action: 'signUp' });
    const stolen = await failure(sdk.claimChallenge({ challengeId, userId: 'usr_thief' }));
    expect(stolen.statusCode).toBe(403);
  });
});

describe('sessions', () => {
  it('creates, validates, refreshes and revokes sessions, one by one and per user', async () => {
    const tracked = await sdk.track({ userId: 'usr_alan', action: 'signIn' });
    expect(tracked.state).toBe('ALLOW');
    const created = await sdk.createSession({ clientId: 'web', token: tracked.token });
    const valid = await sdk.validateSession({ accessToken: created.accessToken, clientIds: ['web'] });
    expect(valid.user).toMatchObject({ userId: 'usr_alan', email: 'alan@example.com' });
    expect(valid.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect((await failure(sdk.validateSession({ accessToken: created.accessToken, clientIds: ['mobile'] }))).statusCode).toBe(401);

    const refreshed = await sdk.refreshSession({ refreshToken: created.refreshToken });
    expect(refreshed.accessToken).not.toBe(created.accessToken);
    expect((await failure(sdk.validateSession({ accessToken: created.accessToken }))).statusCode).toBe(401);
    await sdk.revokeSession({ accessToken: refreshed.accessToken });
    expect((await failure(sdk.validateSession({ accessToken: refreshed.accessToken }))).statusCode).toBe(401);

    const a = await sdk.createSession({ clientId: 'web', token: tracked.token });
    const b = await sdk.createSession({ clientId: 'mobile', token: tracked.token });
    await sdk.revokeUserSessions({ userId: 'usr_alan' });
    for (const s of [a, b]) expect((await failure(sdk.validateSession({ accessToken: s.accessToken }))).statusCode).toBe(401);
  });

  it('refuses a session for an action that still needs a challenge', async () => {
    const tracked = await sdk.track({ userId: 'usr_ada', action: 'signIn' });
    expect((await failure(sdk.createSession({ clientId: 'web', token: tracked.token }))).statusCode).toBe(400);
  });
});
