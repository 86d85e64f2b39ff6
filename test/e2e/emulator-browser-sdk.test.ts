import type { Authsignal as BrowserAuthsignal } from '@authsignal/browser';
import { Authsignal, VerificationMethod } from '@authsignal/node';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index';
import { type ChromiumSession, launchChromium } from '../support/chromium';
import { addVirtualAuthenticator, type AppPage, latestMessage, outboxCount, startAppPage } from '../support/emulator-page';

// Asymmetric matchers typed as unknown (they are `any` in vitest's types).
const anyString: unknown = expect.any(String);
const matching = (pattern: RegExp | string): unknown => expect.stringMatching(pattern);
const containing = (text: string): unknown => expect.stringContaining(text);
const like = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);

// Conformance of the emulator's Client API with the real @authsignal/browser 1.16, running in
// Chromium on its own origin (http://localhost:<port>), against the emulator over HTTP; the app's
// backend is the real @authsignal/node. One Chromium for the whole file.

type AppWindow = typeof window & { Authsignal: typeof BrowserAuthsignal; sdk: BrowserAuthsignal; expired?: boolean };
interface SdkResult {
  data?: Record<string, unknown> & { token?: string };
  error?: string;
  errorCode?: string;
}

let emu: RunningEmulator;
let app: AppPage;
let chromium: ChromiumSession;
let page: Page;
let server: Authsignal;

beforeAll(async () => {
  app = await startAppPage();
  emu = await startEmulator({ tenantId: 'sdk-tenant', allowedOrigins: [app.origin] });
  server = new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await emu?.close();
  await app?.close();
});
beforeEach(async () => {
  // A fresh page per test: the SDK's token cache is a module-level singleton.
  await page?.close();
  page = await chromium.context.newPage();
});

const uid = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

/** Opens the app page and creates the SDK client (optionally with a token set). */
async function openSdk(token?: string, target: RunningEmulator = emu): Promise<void> {
  await page.goto(app.origin);
  await page.evaluate(
    ({ tenantId, baseUrl, token }) => {
      const w = window as AppWindow;
      w.sdk = new w.Authsignal({ tenantId, baseUrl, onTokenExpired: () => (w.expired = true) });
      if (token) w.sdk.setToken(token);
    },
    { tenantId: target.tenantId, baseUrl: target.apiUrl, token },
  );
}

/** Runs one SDK call in the page: `sdk.<area>.<method>(arg)`. */
function call(area: string, method: string, arg?: unknown): Promise<SdkResult> {
  return page.evaluate(
    ({ area, method, arg }) => {
      const sdk = (window as AppWindow).sdk as unknown as Record<string, Record<string, (a?: unknown) => Promise<unknown>>>;
      return sdk[area][method](arg) as Promise<SdkResult>;
    },
    { area, method, arg },
  );
}

async function track(userId: string, attributes: Record<string, unknown> = {}): Promise<string> {
  return (await server.track({ userId, action: 'signIn', attributes })).token;
}

describe('@authsignal/browser against the emulator', () => {
  it('email OTP: enroll and verify with the code from the outbox; the returned token validates', async () => {
    const userId = uid('eve');
    const email = `${userId}@example.com`;
    await openSdk(await track(userId));
    expect(await call('email', 'enroll', { email })).toEqual({ data: { userAuthenticatorId: anyString, userId } });
    const wrong = await call('email', 'verify', { code: '000000' });
    expect(wrong.data).toMatchObject({ isVerified: false, failureReason: 'CODE_INVALID_OR_EXPIRED' });
    const { code } = await latestMessage(emu, email);
    const ok = await call('email', 'verify', { code });
    expect(ok.data).toMatchObject({ isVerified: true, token: anyString });
    expect(await server.validateChallenge({ token: ok.data!.token! })).toMatchObject({ isValid: true, userId, verificationMethod: 'EMAIL_OTP' });

    // A later challenge through the SDK, with the cached access token.
    const before = await outboxCount(emu, email);
    expect((await call('email', 'challenge')).data).toEqual({ challengeId: anyString });
    const again = await call('email', 'verify', { code: (await latestMessage(emu, email, before)).code });
    expect(again.data?.isVerified).toBe(true);
  });

  it('SMS: enroll and verify', async () => {
    const userId = uid('sid');
    const phone = '+447700900123';
    await openSdk(await track(userId));
    expect((await call('sms', 'enroll', { phoneNumber: phone })).data).toMatchObject({ userId });
    const ok = await call('sms', 'verify', { code: (await latestMessage(emu, phone)).code });
    expect(ok.data).toMatchObject({ isVerified: true, token: anyString });
    expect(await server.getAuthenticators({ userId })).toEqual([like({ verificationMethod: 'SMS', phoneNumber: phone })]);
  });

  it('TOTP: enroll returns uri + secret; a code computed from the secret verifies', async () => {
    const userId = uid('tom');
    await openSdk(await track(userId));
    const enroll = await call('totp', 'enroll');
    expect(enroll.data).toMatchObject({ uri: matching(/^otpauth:\/\/totp\//), secret: anyString });
    const code = new TOTP({ secret: Secret.fromBase32(enroll.data!.secret as string) }).generate();
    const ok = await call('totp', 'verify', { code });
    expect(ok.data).toMatchObject({ isVerified: true, token: anyString });
  });

  it('email magic link: the SDK polls finalize until the link is confirmed', async () => {
    const userId = uid('mia');
    const email = `${userId}@example.com`;
    await openSdk(await track(userId));
    expect((await call('emailML', 'enroll', { email })).data).toMatchObject({ userId });
    const polling = call('emailML', 'checkVerificationStatus');
    const link = new URL((await latestMessage(emu, email)).link!);
    const linkPage = await chromium.context.newPage();
    await linkPage.goto(link.toString());
    await linkPage.getByRole('button', { name: 'Confirm and continue' }).click();
    await linkPage.getByRole('heading', { name: 'You’re verified' }).waitFor();
    await linkPage.close();
    const result = await polling;
    expect(result.data).toMatchObject({ isVerified: true, token: anyString });
  });

  it('binding rule: a second enrollment is refused without scope or challenge, allowed after a challenge', async () => {
    const userId = uid('bea');
    const email = `${userId}@example.com`;
    await server.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: VerificationMethod.EMAIL_OTP, email } });
    await openSdk(await track(userId));
    const refused = await call('totp', 'enroll');
    expect(refused).toMatchObject({ errorCode: 'insufficient_scope', error: containing('add:authenticators') });
    expect(await server.getAuthenticators({ userId })).toHaveLength(1);

    await call('email', 'challenge');
    const verified = await call('email', 'verify', { code: (await latestMessage(emu, email)).code });
    expect(verified.data?.isVerified).toBe(true);
    // The SDK now holds the access token the verification returned; it carries add:authenticators.
    const allowed = await call('totp', 'enroll');
    expect(allowed.data).toMatchObject({ secret: anyString });

    const scoped = uid('sco');
    await server.enrollVerifiedAuthenticator({ userId: scoped, attributes: { verificationMethod: VerificationMethod.EMAIL_OTP, email: `${scoped}@example.com` } });
    await openSdk(await track(scoped, { scope: 'add:authenticators' }));
    expect((await call('sms', 'enroll', { phoneNumber: '+14155550199' })).data).toMatchObject({ userId: scoped });
  });

  it('passkey: sign-up, then sign-in with a token and by action, through a virtual authenticator', async () => {
    const userId = uid('pat');
    await openSdk(await track(userId));
    await addVirtualAuthenticator(page);
    const signUp = await call('passkey', 'signUp', { username: `${userId}@example.com` });
    expect(signUp.data).toMatchObject({ token: anyString, userAuthenticator: { verificationMethod: 'PASSKEY' } });

    const [passkey] = await server.getAuthenticators({ userId });
    expect(passkey).toMatchObject({
      verificationMethod: 'PASSKEY',
      webauthnCredential: {
        credentialId: anyString,
        deviceId: anyString,
        name: anyString,
        credentialDeviceType: matching(/singleDevice|multiDevice/),
        authenticatorAttachment: 'platform',
        parsedUserAgent: { ua: containing('Chrome'), browser: { name: matching(/Chrom/) }, os: { name: 'Linux' } },
      },
    });

    // Sign-in with a fresh track token (allowCredentials = the user's passkeys); signIn takes it as a parameter.
    const withToken = await call('passkey', 'signIn', { token: await track(userId) });
    expect(withToken.data).toMatchObject({ isVerified: true, userId, userAuthenticatorId: passkey.userAuthenticatorId, token: anyString });

    // Sign-in by action: tenant auth, a discoverable credential; the user is found from the passkey.
    const byAction = await call('passkey', 'signIn', { action: 'checkout' });
    expect(byAction.data).toMatchObject({ isVerified: true, userId, token: anyString });
    expect(await server.validateChallenge({ token: byAction.data!.token! })).toMatchObject({ isValid: true, userId, action: 'checkout', verificationMethod: 'PASSKEY' });

    // Usernameless sign-in with neither token nor action (what autofill does): tenant auth, no challengeId.
    const bare = await call('passkey', 'signIn', {});
    expect(bare.data).toMatchObject({ isVerified: true, userId, token: anyString });
    // The stored public key and counter stay inside the emulator.
    expect(JSON.stringify(await server.getAuthenticators({ userId }))).not.toMatch(/publicKey|_credential|counter/);
  });

  it('security key: enroll and verify (raw options and responses) with a roaming virtual authenticator', async () => {
    const userId = uid('kay');
    await openSdk(await track(userId));
    await addVirtualAuthenticator(page, { transport: 'usb', hasResidentKey: false, hasUserVerification: false, isUserVerified: false });
    const enroll = await call('securityKey', 'enroll');
    expect(enroll.data).toMatchObject({ token: anyString });
    const verify = await call('securityKey', 'verify');
    expect(verify.data).toMatchObject({ isVerified: true, token: anyString });
    expect(await server.getAuthenticators({ userId })).toEqual([
      like({ verificationMethod: 'SECURITY_KEY', webauthnCredential: like({ authenticatorAttachment: 'cross-platform' }) }),
    ]);
  });

  it('token expiry: the SDK gets expired_token and calls onTokenExpired', async () => {
    const short = await startEmulator({ tokenTtlSeconds: 1, allowedOrigins: [app.origin] });
    try {
      const node = new Authsignal({ apiSecretKey: short.secret, apiUrl: short.apiUrl, retries: 0 });
      const { token } = await node.track({ userId: 'soon-expired', action: 'signIn', attributes: {} });
      await openSdk(token, short);
      await new Promise((r) => setTimeout(r, 2100));
      const result = await call('totp', 'enroll');
      expect(result).toMatchObject({ errorCode: 'expired_token' });
      expect(await page.evaluate(() => (window as AppWindow).expired)).toBe(true);
    } finally {
      await short.close();
    }
  });
});
