import type { Authsignal as BrowserAuthsignal } from '@authsignal/browser';
import { Authsignal, VerificationMethod } from '@authsignal/node';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index';
import { type ChromiumSession, launchChromium, runAxe } from '../support/chromium';
import { addVirtualAuthenticator, type AppPage, latestMessage, outboxCount, startAppPage } from '../support/emulator-page';

// The pre-built UI stand-in in real Chromium: what `track`'s url opens. Redirect mode lands back on
// the app with `token=`, popup mode (through @authsignal/browser's own `launch`) resolves with the
// token; either token is checked with @authsignal/node's validateChallenge. One Chromium per file.

type AppWindow = typeof window & { Authsignal: typeof BrowserAuthsignal };

// Asymmetric matchers typed as unknown (they are `any` in vitest's types).
const anyString: unknown = expect.any(String);
const matching = (pattern: RegExp | string): unknown => expect.stringMatching(pattern);
const like = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);

let emu: RunningEmulator;
let app: AppPage;
let chromium: ChromiumSession;
let page: Page;
let server: Authsignal;

beforeAll(async () => {
  app = await startAppPage();
  emu = await startEmulator({ tenantId: 'prebuilt-tenant', allowedOrigins: [app.origin] });
  server = new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await emu?.close();
  await app?.close();
});
beforeEach(async () => {
  await page?.close();
  page = await chromium.context.newPage();
});

const uid = (name: string) => `${name}-${Math.random().toString(36).slice(2, 8)}`;

/** Waits for the redirect back to the app and returns the token it carries. */
async function tokenFromRedirect(): Promise<string> {
  await page.waitForURL((url) => url.origin === app.origin && url.pathname === '/done');
  const token = new URL(page.url()).searchParams.get('token');
  expect(token).toBeTruthy();
  return token!;
}

/** axe-core violations (WCAG 2.x A/AA and best practice) on the current screen, as `id: targets`. */
async function axeViolations(): Promise<string[]> {
  return (await runAxe(page)).map((v) => `${v.id}: ${v.targets.join(', ')}`);
}

async function enterEmailCode(email: string, before: number): Promise<void> {
  const { code } = await latestMessage(emu, email, before);
  await page.getByLabel('Verification code').fill(code!);
  await page.getByRole('button', { name: 'Verify' }).click();
}

describe('pre-built UI stand-in', () => {
  it('enrolls a first passkey (redirect mode); it shows up in getAuthenticators with its webauthnCredential; a later challenge uses it', async () => {
    const userId = uid('una');
    await addVirtualAuthenticator(page);
    const track = await server.track({ userId, action: 'enroll', attributes: { redirectUrl: `${app.origin}/done`, username: `${userId}@example.com` } });
    expect(new URL(track.url).origin).toBe(emu.uiOrigin);
    await page.goto(track.url);
    await page.getByRole('heading', { name: 'Set up a way to verify' }).waitFor();
    // SECURITY: the token is gone from the address bar (and history) once the page has it.
    expect(page.url()).not.toContain('token=');
    expect(await axeViolations()).toEqual([]);

    await page.locator('button[data-method="PASSKEY"]').click();
    const token = await tokenFromRedirect();
    expect(await server.validateChallenge({ token })).toMatchObject({ isValid: true, state: 'CHALLENGE_SUCCEEDED', userId, action: 'enroll', verificationMethod: 'PASSKEY' });

    const authenticators = await server.getAuthenticators({ userId });
    expect(authenticators).toEqual([
      like({
        verificationMethod: 'PASSKEY',
        verifiedAt: anyString,
        webauthnCredential: like({
          credentialId: anyString,
          deviceId: anyString,
          name: anyString,
          aaguid: matching(/^[0-9a-f-]{36}$/),
          credentialBackedUp: false,
          credentialDeviceType: 'singleDevice',
          authenticatorAttachment: 'platform',
          parsedUserAgent: like({ ua: matching(/Chrome/), browser: like({ name: matching(/Chrom/) }), os: like({ name: 'Linux' }) }),
        }),
      }),
    ]);

    // A challenge now offers the enrolled passkey, and the virtual authenticator answers it.
    const again = await server.track({ userId, action: 'signIn', attributes: { redirectUrl: `${app.origin}/done` } });
    expect(again.state).toBe('CHALLENGE_REQUIRED');
    await page.goto(again.url);
    await page.getByRole('heading', { name: 'Verify it’s you' }).waitFor();
    await page.locator('button[data-method="PASSKEY"]').click();
    const signInToken = await tokenFromRedirect();
    expect(await server.validateChallenge({ token: signInToken })).toMatchObject({ isValid: true, action: 'signIn', verificationMethod: 'PASSKEY' });
    const [after] = await server.getAuthenticators({ userId });
    expect(after.lastVerifiedAt).toBeTruthy();
  });

  it('challenges with an enrolled email code; a wrong code is refused on the page', async () => {
    const userId = uid('ed');
    const email = `${userId}@example.com`;
    await server.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: VerificationMethod.EMAIL_OTP, email } });
    const { url, idempotencyKey } = await server.track({ userId, action: 'transfer', attributes: { redirectUrl: `${app.origin}/done?from=emulator` } });
    await page.goto(url);
    const before = await outboxCount(emu, email);
    await page.locator('button[data-method="EMAIL_OTP"]').click();
    await page.getByLabel('Verification code').waitFor();
    await latestMessage(emu, email, before);
    await page.getByLabel('Verification code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not right');
    await enterEmailCode(email, before);
    const token = await tokenFromRedirect();
    expect(new URL(page.url()).searchParams.get('from')).toBe('emulator');
    expect(await server.validateChallenge({ token })).toMatchObject({ isValid: true, idempotencyKey, verificationMethod: 'EMAIL_OTP' });
  });

  it('settings after a challenge (redirectToSettings): add an authenticator app, remove a method, never the last', async () => {
    const userId = uid('sue');
    const email = `${userId}@example.com`;
    await server.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: VerificationMethod.EMAIL_OTP, email } });
    const { url } = await server.track({ userId, action: 'manage', attributes: { redirectUrl: `${app.origin}/done`, redirectToSettings: true } });
    await page.goto(url);
    const before = await outboxCount(emu, email);
    await page.locator('button[data-method="EMAIL_OTP"]').click();
    await page.getByLabel('Verification code').waitFor();
    await enterEmailCode(email, before);

    await page.getByRole('heading', { name: 'Your sign-in methods' }).waitFor();
    expect(await page.locator('[data-remove]').count()).toBe(1);
    expect(await page.locator('[data-remove]').isDisabled()).toBe(true);
    expect(await axeViolations()).toEqual([]);

    await page.locator('button[data-add="AUTHENTICATOR_APP"]').click();
    const secret = (await page.locator('#totp-secret').textContent())!;
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    await page.getByLabel('Code from the app').fill(new TOTP({ secret: Secret.fromBase32(secret) }).generate());
    await page.getByRole('button', { name: 'Verify' }).click();

    await page.getByRole('heading', { name: 'Your sign-in methods' }).waitFor();
    await expect.poll(() => page.locator('[data-remove]').count()).toBe(2);
    const emailRow = (await server.getAuthenticators({ userId })).find((a) => a.verificationMethod === VerificationMethod.EMAIL_OTP)!;
    await page.locator(`[data-remove="${emailRow.userAuthenticatorId}"]`).click();
    await expect.poll(() => page.locator('[data-remove]').count()).toBe(1);
    expect(await page.locator('[data-remove]').isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Done' }).click();
    const token = await tokenFromRedirect();
    expect(await server.validateChallenge({ token })).toMatchObject({ isValid: true, action: 'manage' });
    expect(await server.getAuthenticators({ userId })).toEqual([like({ verificationMethod: 'AUTHENTICATOR_APP' })]);
  });

  it('popup mode: @authsignal/browser launch() resolves with the token the page posts (JSON string, trusted origin only)', async () => {
    const userId = uid('pop');
    const email = `${userId}@example.com`;
    await server.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: VerificationMethod.EMAIL_OTP, email } });
    const { url } = await server.track({ userId, action: 'pay', attributes: {} });
    await page.goto(app.origin);
    const messages: string[] = [];
    await page.exposeFunction('recordMessage', (data: string) => void messages.push(data));
    const launched = page.evaluate(
      ({ tenantId, baseUrl, url }) => {
        const w = window as AppWindow & { recordMessage: (data: string) => void };
        window.addEventListener('message', (event) => w.recordMessage(typeof event.data === 'string' ? event.data : JSON.stringify(event.data)));
        const sdk = new w.Authsignal({ tenantId, baseUrl });
        return sdk.launch(url, { mode: 'popup' });
      },
      { tenantId: emu.tenantId, baseUrl: emu.apiUrl, url },
    );
    const frame = page.frameLocator('#__authsignal-popup-iframe');
    const before = await outboxCount(emu, email);
    await frame.locator('button[data-method="EMAIL_OTP"]').click();
    const { code } = await latestMessage(emu, email, before);
    await frame.getByLabel('Verification code').fill(code!);
    await frame.getByRole('button', { name: 'Verify' }).click();

    const result = await launched;
    expect(result).toEqual({ token: anyString });
    expect(await server.validateChallenge({ token: result.token! })).toMatchObject({ isValid: true, userId, action: 'pay' });
    expect(messages).toContain(JSON.stringify({ event: 'AUTHSIGNAL_READY' }));
    expect(messages).toContain(JSON.stringify({ event: 'AUTHSIGNAL_CLOSE_POPUP', token: result.token }));
  });

  it('frames only for trusted origins in popup mode, and says so when the page has expired', async () => {
    const { url } = await server.track({ userId: uid('csp'), action: 'signIn', attributes: {} });
    const popupCsp = (await fetch(`${url}&mode=popup`)).headers.get('content-security-policy')!;
    expect(popupCsp).toContain(`frame-ancestors 'self' ${emu.uiOrigin} ${app.origin}`);
    expect(popupCsp).toContain("script-src 'self'");
    expect(popupCsp).not.toContain('unsafe-inline');
    expect((await fetch(url)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    const short = await startEmulator({ tokenTtlSeconds: 1 });
    try {
      const node = new Authsignal({ apiSecretKey: short.secret, apiUrl: short.apiUrl, retries: 0 });
      const { url: expiring } = await node.track({ userId: 'late', action: 'signIn', attributes: {} });
      await new Promise((r) => setTimeout(r, 2100));
      await page.goto(expiring);
      await page.getByRole('heading', { name: 'This page has expired' }).waitFor();
    } finally {
      await short.close();
    }
  });
});
