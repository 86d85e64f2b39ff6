import { randomUUID } from 'node:crypto';
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index';
import { perProfile, STRICT } from '../../support/emulator-profile';

/**
 * What the official Authsignal server SDKs assert in their own live-API test suites (node
 * `test/client.test.ts`, Go `client/*_test.go`, Python and Ruby specs), restated here against the
 * local tenant through the real @authsignal/node client. These are the only behaviours of the real
 * service Authsignal itself pins down in code, so the emulator must show every one of them under
 * both profiles; where a profile deliberately differs, the test says which reading each one takes.
 *
 * Every flow reads the idempotency key the server returned from `track`, as the live tests do:
 * nothing here relies on a key the caller chose.
 */

const UNAUTHORIZED =
  'The request is unauthorized. Check that your API key and region base URL are correctly configured.';

let emu: RunningEmulator;
let sdk: Authsignal;

beforeAll(async () => {
  emu = await startEmulator({ seed: 'demo' });
  sdk = new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 });
});
afterAll(() => emu.close());

/** A user id nobody has written to yet (the live tests use a fresh uuid per run). */
const freshUser = () => `conformance-${randomUUID()}`;

/** The rejection of a promise, which must be an AuthsignalError. */
async function rejection(promise: Promise<unknown>): Promise<AuthsignalError> {
  const outcome: unknown = await promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(AuthsignalError);
  return outcome as AuthsignalError;
}

describe('users (node "user tests", Go TestUsers)', () => {
  it('creates a user implicitly by enrolling a verified SMS authenticator, then updates and deletes it', async () => {
    const userId = freshUser();
    const enrolled = await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: '+6427000000' } });
    expect(enrolled.authenticator.userAuthenticatorId).toEqual(expect.any(String));

    const before = await sdk.getUser({ userId });
    expect(before.isEnrolled).toBe(true);
    expect(before.email).toBeUndefined();

    const attributes = {
      email: 'test@example.com',
      emailVerified: true,
      phoneNumber: '+6427123456',
      phoneNumberVerified: false,
      username: 'test@example.com',
      displayName: 'Test User',
      custom: { foo: 'bar' },
    };
    const updated = await sdk.updateUser({ userId, attributes });
    // updateUser answers with the merged attributes, each as sent.
    expect(updated.email).toBe(attributes.email);
    expect(updated.emailVerified).toBe(true);
    expect(updated.phoneNumber).toBe(attributes.phoneNumber);
    expect(updated.phoneNumberVerified).toBeFalsy();
    expect(updated.username).toBe(attributes.username);
    expect(updated.displayName).toBe(attributes.displayName);
    expect(updated.custom?.foo).toBe('bar');

    await sdk.deleteUser({ userId });
    // A deleted user is not a 404: Get User answers 200 and the user is simply not enrolled.
    const after = await sdk.getUser({ userId });
    expect(after.isEnrolled).toBe(false);
  });

  it('updates a user nobody wrote to before and reads the same attributes back', async () => {
    const userId = freshUser();
    const updated = await sdk.updateUser({ userId, attributes: { phoneNumber: '+6421000001', displayName: 'A New User' } });
    expect(updated.phoneNumber).toBe('+6421000001');
    expect(updated.displayName).toBe('A New User');
    const read = await sdk.getUser({ userId });
    expect(read.phoneNumber).toBe('+6421000001');
    expect(read.displayName).toBe('A New User');
    await sdk.deleteUser({ userId });
    expect((await sdk.getUser({ userId })).isEnrolled).toBe(false);
  });

  it('stores a phone number that is not E.164 as the Go and Python live tests do (strict), or refuses it (default)', async () => {
    const userId = freshUser();
    const update = sdk.updateUser({ userId, attributes: { phoneNumber: '9876543210', displayName: 'A New User' } });
    if (STRICT) {
      const updated = await update;
      expect(updated.phoneNumber).toBe('9876543210');
      expect((await sdk.getUser({ userId })).phoneNumber).toBe('9876543210');
    } else {
      const error = await rejection(update);
      expect(error.statusCode).toBe(400);
      expect(error.errorCode).toBe('invalid_request');
    }
  });

  it('finds a user it just wrote by the exact email it was given (Go TestQueryUsers)', async () => {
    const userId = freshUser();
    const email = `query-${randomUUID().slice(0, 8)}@authsignal.example`;
    await sdk.updateUser({ userId, attributes: { email, displayName: 'Query Test User' } });
    const found = await sdk.queryUsers({ email });
    expect(found.users.map((u) => u.userId)).toContain(userId);
    expect(found.users.find((u) => u.userId === userId)?.email).toBe(email);
    await sdk.deleteUser({ userId });
  });
});

describe('authenticators (node "authenticator tests", Go TestAuthenticators)', () => {
  it('enrolls a verified SMS authenticator, lists it, deletes it, and then lists none', async () => {
    const userId = freshUser();
    await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: '+6427000000' } });
    const listed = await sdk.getAuthenticators({ userId });
    expect(listed.length).toBeGreaterThan(0);
    expect(listed[0].verificationMethod).toBe('SMS');
    await sdk.deleteAuthenticator({ userId, userAuthenticatorId: listed[0].userAuthenticatorId });
    expect(await sdk.getAuthenticators({ userId })).toEqual([]);
  });

  it('answers an email OTP enrollment with the authenticator it created, for that user and address', async () => {
    const userId = freshUser();
    const email = 'not-a-real-email@authsignal.example';
    const { authenticator } = await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'EMAIL_OTP' as never, email } });
    expect(authenticator.userAuthenticatorId).not.toBe('');
    expect(authenticator.verificationMethod).toBe('EMAIL_OTP');
    expect(authenticator.email).toBe(email);
    expect(authenticator.userId).toBe(userId);
    const [listed] = await sdk.getAuthenticators({ userId });
    expect(listed).toMatchObject({ userAuthenticatorId: authenticator.userAuthenticatorId, verificationMethod: 'EMAIL_OTP', email });
    await sdk.deleteAuthenticator({ userId, userAuthenticatorId: listed.userAuthenticatorId });
    expect((await sdk.getAuthenticators({ userId })).some((a) => a.userAuthenticatorId === listed.userAuthenticatorId)).toBe(false);
  });

  it('describes a passkey with its provider name and the browser it was made in (node "test passkey authenticator")', async () => {
    // The demo's Ada holds a synced Apple passkey made in Safari, like the live test's fixed user.
    const passkeys = (await sdk.getAuthenticators({ userId: 'usr_ada' })).filter((a) => String(a.verificationMethod) === 'PASSKEY');
    expect(passkeys.length).toBeGreaterThan(0);
    for (const passkey of passkeys) {
      const name = passkey.webauthnCredential?.aaguidMapping?.name;
      expect(typeof name).toBe('string');
      expect(name?.length).toBeGreaterThan(0);
      expect(passkey.webauthnCredential?.parsedUserAgent?.browser?.name).toEqual(expect.any(String));
    }
  });
});

describe('actions (node "action tests", Go TestActions, TestValidateChallenge, TestTrackWithoutAttributes)', () => {
  /** An enrolled fresh user, as every live action test starts with. */
  async function enrolledUser(): Promise<string> {
    const userId = freshUser();
    await sdk.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: 'SMS' as never, phoneNumber: '+6427000000' } });
    return userId;
  }

  it('challenges an enrolled user and hands back everything a client needs to run the challenge', async () => {
    const userId = await enrolledUser();
    const tracked = await sdk.track({
      userId,
      action: 'go-sdk-test',
      attributes: {
        redirectUrl: 'http://localhost:3000',
        redirectToSettings: true,
        email: 'not-a-real-email@authsignal.example',
        // Track attributes are context, not the user's record: the live test sends a bare number.
        phoneNumber: '1234567890',
        ipAddress: '127.0.0.1',
        userAgent: 'Authdesk-Conformance/1.0',
        deviceId: 'device123',
        custom: { hello: 'world' },
      },
    });
    expect(tracked.state).toBe('CHALLENGE_REQUIRED');
    expect(tracked.idempotencyKey).not.toBe('');
    expect(tracked.isEnrolled).toBe(true);
    expect(tracked.url).not.toBe('');
    expect(tracked.token).not.toBe('');
    expect(tracked.allowedVerificationMethods?.length).toBeGreaterThan(0);
  });

  it('tracks with no attributes at all', async () => {
    const tracked = await sdk.track({ userId: await enrolledUser(), action: 'go-sdk-test' });
    expect(tracked.state).toBe('CHALLENGE_REQUIRED');
    expect(tracked.idempotencyKey).not.toBe('');
    expect(tracked.token).not.toBe('');
  });

  it('validates the track token itself before any challenge: not valid yet, but naming the user, action and key', async () => {
    const userId = await enrolledUser();
    const tracked = await sdk.track({ userId, action: 'Login' });
    const bare = await sdk.validateChallenge({ token: tracked.token });
    expect(bare.action).toBe('Login');
    expect(bare.userId).toBe(userId);
    expect(bare.state).toBe('CHALLENGE_REQUIRED');
    expect(bare.isValid).toBe(false);
    const named = await sdk.validateChallenge({ token: tracked.token, userId, action: 'Login' });
    expect(named.isValid).toBe(false);
    expect(named.userId).toBe(userId);
    expect(named.action).toBe('Login');
    expect(named.idempotencyKey).toBe(tracked.idempotencyKey);
  });

  it('moves an action to review and to block with the key track returned, and Get Action reflects it', async () => {
    const userId = await enrolledUser();
    const tracked = await sdk.track({ userId, action: 'Login' });
    const key = tracked.idempotencyKey;
    await sdk.updateAction({ userId, action: 'Login', idempotencyKey: key, attributes: { state: 'REVIEW_REQUIRED' as never } });
    const reviewed = await sdk.getAction({ userId, action: 'Login', idempotencyKey: key });
    expect(reviewed?.state).toBe('REVIEW_REQUIRED');
    const blocked = await sdk.updateAction({ userId, action: 'Login', idempotencyKey: key, attributes: { state: 'BLOCK' as never } });
    expect(blocked.state).toBe('BLOCK');
    const read = (await sdk.getAction({ userId, action: 'Login', idempotencyKey: key })) as { state: string; output?: unknown } | undefined;
    expect(read?.state).toBe('BLOCK');
    expect(read?.output).toBeDefined();
  });

  it('answers Get Action for the key track returned even when the caller suggested its own (strict ignores the suggestion)', async () => {
    const userId = await enrolledUser();
    const suggested = `caller-${randomUUID()}`;
    const tracked = await sdk.track({ userId, action: 'Login', attributes: { idempotencyKey: suggested } });
    expect(tracked.idempotencyKey).toBe(perProfile({ default: suggested, strict: tracked.idempotencyKey }));
    if (STRICT) expect(tracked.idempotencyKey).not.toBe(suggested);
    const read = await sdk.getAction({ userId, action: 'Login', idempotencyKey: tracked.idempotencyKey });
    expect(read?.state).toBe('CHALLENGE_REQUIRED');
  });
});

describe('the invalid-secret error (node "invalid secret error", Go TestGetActionWithBadSecret)', () => {
  it('refuses a wrong secret with 401, the unauthorized code and the live API’s exact words', async () => {
    const wrong = new Authsignal({ apiSecretKey: 'invalid_secret', apiUrl: emu.apiUrl, retries: 0 });
    const error = await rejection(wrong.getUser({ userId: freshUser() }));
    expect(error.statusCode).toBe(401);
    expect(error.errorCode).toBe('unauthorized');
    expect(error.errorDescription).toBe(UNAUTHORIZED);
    expect(error.message).toBe(`AuthsignalError: 401 - ${UNAUTHORIZED}`);
  });

  it('checks the secret before the path: Get Action with no idempotency key is still a 401, not a missing route', async () => {
    const wrong = new Authsignal({ apiSecretKey: 'bad-secret', apiUrl: emu.apiUrl, retries: 0 });
    const error = await rejection(wrong.getAction({ userId: 'test-user', action: 'go-sdk-test', idempotencyKey: '' }));
    expect(error.statusCode).toBe(401);
    expect(error.errorCode).toBe('unauthorized');
    expect(error.errorDescription).toBe(UNAUTHORIZED);
  });
});
