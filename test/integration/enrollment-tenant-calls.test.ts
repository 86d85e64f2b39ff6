import { randomUUID } from 'node:crypto';
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { URI } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { newRecord, type EnrollmentRecord } from '../../src/main/services/enrollment/records';
import { confirmEnrollment, isTokenRefusal, linkState, trackEnrollment } from '../../src/main/services/enrollment/tenant-calls';
import type { EnrollmentMode } from '@shared/domain/enrollment';
import { latestMessage, outboxCount } from '../support/emulator-page';

// What enrollment asks the tenant (tenant-calls.ts), call by call, over real HTTP through the real
// SDK against both emulator profiles: the default one and the strict one, which ignores a caller's
// idempotency key, leaves a first enrollment's action at ALLOW and answers a bad token with 400
// (issue #13). The service tests run whole journeys; these pin each decision those journeys pass
// through without singling out (issue #17: mutants of these lines survived the journeys).

let lenient: RunningEmulator;
let strict: RunningEmulator;
const ACTION = 'authdesk-enroll';
const BASE = 'http://127.0.0.1:1/enrollment-done';
const STAMP = { id: 'ver_test', method: 'email-otp', expiresAt: new Date(Date.now() + 600_000).toISOString() };

const sdk = (emu: RunningEmulator) => new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 });

function record(emu: RunningEmulator, userId: string, mode: EnrollmentMode, actionCode = ACTION): EnrollmentRecord {
  const now = Date.now();
  return newRecord({
    id: randomUUID(),
    tenant: { id: 'local', name: 'Local tenant', kind: 'local', apiUrl: emu.apiUrl, tenantId: emu.tenantId },
    userId,
    mode,
    stamp: undefined,
    actionCode,
    startedAt: now,
    expiresAt: now + 600_000,
  });
}

/** The action as the tenant stored it for a record (by the key the record holds now). */
const stored = (emu: RunningEmulator, r: EnrollmentRecord) => emu.store.getAction(r.userId, r.action.code, r.action.idempotencyKey);

/** The Client API as the user's page calls it. */
async function clientApi(emu: RunningEmulator, token: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.apiUrl}/client${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  [lenient, strict] = await Promise.all([startEmulator({ seed: 'demo', profile: 'default' }), startEmulator({ seed: 'demo', profile: 'strict' })]);
});

afterAll(async () => {
  await Promise.all([lenient?.close(), strict?.close()]);
});

describe('tracking an enrollment', () => {
  it('asks the pre-built UI to come back to Authdesk, and an enrolled user to pass a challenge first, with her verified email pre-filled', async () => {
    const r = record(lenient, 'usr_ada', 'prebuilt-window');
    const { url, token, facts } = await trackEnrollment(sdk(lenient), r, undefined, BASE);
    expect(url).toMatch(/^http/);
    expect(token.length).toBeGreaterThan(10);
    expect(facts.authenticators.length).toBeGreaterThan(0);
    expect(stored(lenient, r)).toMatchObject({ redirectUrl: `${BASE}/${r.id}`, redirectToSettings: true, email: 'ada@example.com' });
    expect(stored(lenient, r)?.scope).not.toContain('add:authenticators');
  });

  it('sends a link without a way back, a first enrollment without the detour to settings, and no unverified email', async () => {
    const r = record(lenient, 'usr_alan', 'link');
    await trackEnrollment(sdk(lenient), r, undefined, BASE);
    const action = stored(lenient, r);
    expect(action).toBeDefined();
    expect(action?.redirectUrl).toBeUndefined();
    expect(action?.redirectToSettings).toBeUndefined();
    // alan@example.com is on file but not verified: the page must not offer it as his.
    expect(action?.email).toBeUndefined();
  });

  it('does not pre-fill a phone number the user never verified', async () => {
    const userId = `new-hire-${randomUUID().slice(0, 8)}`;
    // Set over the Server API, as an admin would: on file, not verified.
    await sdk(lenient).updateUser({ userId, attributes: { phoneNumber: '+14155550199' } });
    const r = record(lenient, userId, 'link');
    const { facts } = await trackEnrollment(sdk(lenient), r, undefined, BASE);
    expect(facts.profile.phoneNumber).toBe('+14155550199');
    expect(stored(lenient, r)?.phoneNumber).toBeUndefined();
  });

  it('gives the guided page of a verified caller a token scoped to add, with the verified phone, and no detour', async () => {
    const r = record(lenient, 'usr_margaret', 'guided-window');
    await trackEnrollment(sdk(lenient), r, STAMP, BASE);
    const action = stored(lenient, r);
    expect(action).toMatchObject({ scope: 'add:authenticators', phoneNumber: '+14155550124' });
    expect(action?.redirectToSettings).toBeUndefined();
    expect(action?.redirectUrl).toBeUndefined();
  });

  it('refuses the guided page for an enrolled user without a verified caller, before anything is tracked', async () => {
    const r = record(lenient, 'usr_margaret', 'guided-window');
    const refusal = await trackEnrollment(sdk(lenient), r, undefined, BASE).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'forbidden' });
    expect(String((refusal as Error).message)).toContain('Verify the caller');
    expect(stored(lenient, r)).toBeUndefined();
  });

  it('gives the guided page of a first enrollment a plain token, no verified caller needed (nothing to bind to yet)', async () => {
    const r = record(lenient, `new-hire-${randomUUID().slice(0, 8)}`, 'guided-window');
    const { facts } = await trackEnrollment(sdk(lenient), r, undefined, BASE);
    expect(facts.authenticators).toEqual([]);
    const action = stored(lenient, r);
    expect(action).toBeDefined();
    expect(action?.scope ?? '').not.toContain('add:authenticators');
    expect(action?.redirectToSettings).toBeUndefined();
  });

  it('follows the idempotency key the tenant names when it ignores the one Authdesk sent (strict)', async () => {
    const r = record(strict, 'usr_alan', 'link');
    const sent = r.action.idempotencyKey;
    await trackEnrollment(sdk(strict), r, undefined, BASE);
    expect(r.action.idempotencyKey).not.toBe(sent);
    expect(stored(strict, r)).toBeDefined();
    // And the link's state is read with that key: the tenant finds the action.
    expect((await linkState(sdk(strict), r)).state).toBe('ALLOW');
  });

  it('keeps its own key where the tenant honours it (default)', async () => {
    const r = record(lenient, 'usr_alan', 'link');
    const sent = r.action.idempotencyKey;
    await trackEnrollment(sdk(lenient), r, undefined, BASE);
    expect(r.action.idempotencyKey).toBe(sent);
  });
});

describe('confirming a returned token', () => {
  it('says so when the page came back without a token', async () => {
    const r = record(lenient, 'usr_alan', 'prebuilt-window');
    expect(await confirmEnrollment(sdk(lenient), r, null)).toEqual({
      added: [],
      problem: 'The enrollment page returned without a token, so nothing can be confirmed.',
      verificationMethod: undefined,
    });
  });

  it('accepts nothing from a token of the same user for another action, or for the same action under another key', async () => {
    const mine = record(lenient, 'usr_ada', 'prebuilt-window');
    await trackEnrollment(sdk(lenient), mine, undefined, BASE);
    const otherAction = record(lenient, 'usr_ada', 'prebuilt-window', 'authdesk-other');
    // Same key, same user: only the action code differs.
    otherAction.action.idempotencyKey = mine.action.idempotencyKey;
    const { token: otherActionToken } = await trackEnrollment(sdk(lenient), otherAction, undefined, BASE);
    const otherKey = record(lenient, 'usr_ada', 'prebuilt-window');
    const { token: otherKeyToken } = await trackEnrollment(sdk(lenient), otherKey, undefined, BASE);
    for (const token of [otherActionToken, otherKeyToken]) {
      const answer = await confirmEnrollment(sdk(lenient), mine, token);
      expect(answer.problem).toBe('The token that came back belongs to another user or action; nothing is accepted from it.');
      expect(answer.added).toEqual([]);
    }
  });

  it('accepts nothing from a valid token of another user, even on this action under this key', async () => {
    const mine = record(lenient, `new-hire-${randomUUID().slice(0, 8)}`, 'prebuilt-window');
    await trackEnrollment(sdk(lenient), mine, undefined, BASE);
    // The default profile honours a caller's key: another user's action can carry this one's code and key.
    const otherUser = `new-hire-${randomUUID().slice(0, 8)}`;
    const other = await sdk(lenient).track({ userId: otherUser, action: ACTION, attributes: { idempotencyKey: mine.action.idempotencyKey } });
    const enrolled = await clientApi(lenient, other.token, '/user-authenticators/totp', {});
    const verified = await clientApi(lenient, other.token, '/verify/totp', { verificationCode: URI.parse(enrolled.uri as string).generate() });
    const foreign = verified.accessToken as string;
    expect(await sdk(lenient).validateChallenge({ token: foreign })).toMatchObject({ isValid: true, userId: otherUser, action: ACTION, idempotencyKey: mine.action.idempotencyKey });
    expect(await confirmEnrollment(sdk(lenient), mine, foreign)).toEqual({
      added: [],
      problem: 'The token that came back belongs to another user or action; nothing is accepted from it.',
      verificationMethod: undefined,
    });
  });

  it('passes a tenant failure on /validate up as one, not as the token’s fault', async () => {
    const r = record(lenient, 'usr_ada', 'prebuilt-window');
    const { token } = await trackEnrollment(sdk(lenient), r, undefined, BASE);
    lenient.setFaults({ errorRate: 1 });
    try {
      const failure = await confirmEnrollment(sdk(lenient), r, token).catch((error: unknown) => error);
      expect(isTokenRefusal(failure)).toBe(false);
      expect(failure).toBeInstanceOf(AuthsignalError);
    } finally {
      lenient.setFaults({ errorRate: 0 });
    }
  });

  it('refuses a first enrollment whose token the tenant does not call valid when nothing new is listed (strict)', async () => {
    const r = record(strict, `new-hire-${randomUUID().slice(0, 8)}`, 'prebuilt-window');
    r.firstEnrollment = true;
    const { token } = await trackEnrollment(sdk(strict), r, undefined, BASE);
    expect(await confirmEnrollment(sdk(strict), r, token)).toEqual({
      added: [],
      problem: 'The tenant did not confirm the enrollment (ALLOW), and no new authenticator is listed.',
      verificationMethod: undefined,
    });
  });

  it('treats a token the tenant refuses with 400 as the token’s fault, not the secret’s (strict)', async () => {
    const r = record(strict, 'usr_ada', 'prebuilt-window');
    const answer = await confirmEnrollment(sdk(strict), r, 'not-a-token');
    expect(answer.problem).toBe('The tenant did not accept the token that came back, so nothing is accepted from it.');
  });

  it('confirms a first enrollment on an action left at ALLOW, naming the method just enrolled (strict)', async () => {
    const userId = `new-hire-${randomUUID().slice(0, 8)}`;
    const email = `${userId}@example.com`;
    const r = record(strict, userId, 'prebuilt-window');
    r.firstEnrollment = true;
    const { token } = await trackEnrollment(sdk(strict), r, undefined, BASE);
    const before = await outboxCount(strict, email);
    await clientApi(strict, token, '/user-authenticators/email-otp', { email });
    const { code } = await latestMessage(strict, email, before);
    const verified = await clientApi(strict, token, '/verify/email-otp', { verificationCode: code });
    expect(verified.isVerified).toBe(true);
    const answer = await confirmEnrollment(sdk(strict), r, typeof verified.accessToken === 'string' ? verified.accessToken : token);
    expect(answer.problem).toBeNull();
    expect(answer.added.map((a) => a.method)).toEqual(['EMAIL_OTP']);
    expect(answer.verificationMethod).toBe('EMAIL_OTP');
  });

  it('refuses a further enrollment whose token the tenant does not call valid, naming the state', async () => {
    const r = record(lenient, 'usr_ada', 'prebuilt-window');
    const { token } = await trackEnrollment(sdk(lenient), r, undefined, BASE);
    // Ada is enrolled: her action waits on a challenge nobody passed.
    const answer = await confirmEnrollment(sdk(lenient), r, token);
    expect(answer).toEqual({ added: [], problem: 'The tenant did not confirm the enrollment (CHALLENGE_REQUIRED).', verificationMethod: undefined });
  });
});

describe('which SDK errors are about the token', () => {
  it('is a 4xx other than 429, from the SDK only', () => {
    const status = (s: number) => isTokenRefusal(new AuthsignalError(s, 'invalid_request'));
    expect([400, 401, 404, 499].map(status)).toEqual([true, true, true, true]);
    expect([399, 429, 500, 503].map(status)).toEqual([false, false, false, false]);
    expect(isTokenRefusal(new Error('socket hang up'))).toBe(false);
  });
});
