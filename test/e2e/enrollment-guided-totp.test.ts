import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAxe, seriousViolations } from '../support/chromium';
import { TENANT_VERIFICATION_METHODS } from '../../src/emulator/actions';
import { addVirtualAuthenticator } from '../support/emulator-page';
import { clickThatCloses, enrollmentPanel, nextWindow, panel, startEnrollmentBed, verifyByEmailCode, type EnrollmentBed } from './enrollment-support';

// Issue #5, journey 1, in real Chromium through the browser harness against the local tenant: the
// agent verifies the caller with a code emailed to their verified address (read from the outbox),
// then enrolls an authenticator app in Authdesk's guided page in its own window; the code is
// computed from the secret the page reveals, as the user's app would. Then no token, code or
// secret is in the data dir or any log.

let bed: EnrollmentBed;
/** When set, the next windows' WebAuthn prompt is refused, as a platform without a passkey authenticator does. */
let refuseWebauthn = false;
beforeAll(async () => {
  // Enrollment windows have a platform authenticator (CDP), for the passkey at the end.
  bed = await startEnrollmentBed({
    prepare: async (page) => {
      await addVirtualAuthenticator(page);
      if (refuseWebauthn) {
        await page.addInitScript(() => {
          navigator.credentials.create = () => Promise.reject(new DOMException('The operation is not allowed.', 'NotAllowedError'));
        });
      }
    },
  });
});
afterAll(async () => {
  await bed?.close();
});

describe('verify by email code, then guided authenticator app', () => {
  it('masks the contact details and offers no enrollment until the caller is verified', async () => {
    await bed.openUser('usr_katherine');
    const profile = bed.page.locator('section.profile');
    await expect.poll(() => profile.textContent()).toContain('k•••••••e@example.com');
    expect(await bed.page.content()).not.toContain('katherine@example.com');
    expect(await panel(bed.page).getAttribute('data-state')).toBe('unverified');
    const guided = enrollmentPanel(bed.page).locator('button[data-mode="guided-window"]');
    await guided.waitFor();
    expect(await guided.isDisabled()).toBe(true);
    expect(await enrollmentPanel(bed.page).textContent()).toContain('Verify the caller first');
    expect(seriousViolations(await runAxe(bed.page))).toEqual([]);
  });

  it('verifies the caller with the code they read back, and shows how long it lasts', async () => {
    await verifyByEmailCode(bed, 'katherine@example.com');
    const live = bed.page.locator('[data-testid="verification-live"]');
    expect(await live.textContent()).toContain('Caller verified by email code');
    const left = Number(await live.locator('[role="timer"]').getAttribute('data-seconds-left'));
    expect(left).toBeGreaterThan(9 * 60);
    expect(left).toBeLessThanOrEqual(10 * 60);
    // Main now shows the full address.
    await expect.poll(() => bed.page.locator('section.profile').textContent()).toContain('katherine@example.com');
  });

  it('enrolls an authenticator app in the guided window: key hidden until revealed, code from the app', async () => {
    const button = enrollmentPanel(bed.page).locator('button[data-mode="guided-window"]');
    await expect.poll(() => button.isDisabled()).toBe(false);
    await button.click();
    const win = await nextWindow(bed);
    expect(win.request.kind).toBe('guided');
    expect(win.request.url).not.toContain('token');
    await enrollmentPanel(bed.page).locator('[data-testid="enrollment-open"]').waitFor();

    const page = win.page;
    await page.getByRole('heading', { name: 'Add a way to sign in' }).waitFor();
    expect(await page.locator('.say').first().textContent()).toContain('Say:');
    await page.locator('button[data-method="AUTHENTICATOR_APP"]').click();
    await page.getByRole('heading', { name: 'Authenticator app' }).waitFor();
    await page.getByRole('img', { name: /QR code/ }).waitFor();
    // SECURITY: the secret is not on screen until the agent asks for it.
    expect(await page.locator('[data-testid="totp-secret"]').count()).toBe(0);
    const reveal = page.getByRole('button', { name: 'Show the key to read out' });
    expect(await reveal.getAttribute('aria-expanded')).toBe('false');
    await reveal.click();
    const secret = (await page.locator('[data-testid="totp-secret"]').textContent())!.trim();
    bed.secrets.add(secret);
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(seriousViolations(await runAxe(page))).toEqual([]);

    // A wrong code first: refused on the page, nothing reported to main.
    await page.getByLabel('Code from the user’s app').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('[data-testid="enroll-problem"]').waitFor();
    // Then the code the user's app shows.
    const totp = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
    await page.getByLabel('Code from the user’s app').fill(totp);
    await page.getByRole('button', { name: 'Verify' }).click();
    await win.closed;

    const done = enrollmentPanel(bed.page).locator('[data-testid="enrollment-completed"]');
    await done.waitFor();
    expect(await done.textContent()).toContain('Authenticator app');
    const row = bed.page.locator('tr[data-method="AUTHENTICATOR_APP"][data-new="true"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('New');
    expect(win.refusedNavigations).toEqual([]);
    expect(bed.emulator.store.listAuthenticators('usr_katherine').map((a) => a.verificationMethod).sort()).toEqual(['AUTHENTICATOR_APP', 'EMAIL_OTP']);
  });

  it('enrolls a passkey on the guided page too: the local tenant trusts the page origin for WebAuthn', async () => {
    const button = enrollmentPanel(bed.page).locator('button[data-mode="guided-window"]');
    await expect.poll(() => button.isDisabled()).toBe(false);
    await button.click();
    const win = await nextWindow(bed);
    await win.page.locator('button[data-method="PASSKEY"]').click();
    await win.page.getByRole('heading', { name: 'Passkey' }).waitFor();
    expect(await win.page.locator('.say').textContent()).toContain('create a passkey');
    await win.page.getByTestId('webauthn-start').click();
    await win.closed;
    await bed.page.locator('tr[data-method="PASSKEY"][data-new="true"]').waitFor();
    // The previous enrollment's highlight moved to the new one.
    expect(await bed.page.locator('tr[data-new="true"]').count()).toBe(1);
    expect(win.logs.filter((l) => /error/i.test(l))).toEqual([]);
  });

  it('recorded every step with the verification that covered it', async () => {
    const page = await bed.harness.services.audit.query({ action: ['verification.*', 'enrollment.*'], userId: 'usr_katherine', limit: 20 });
    const entries = [...page.entries].reverse();
    expect(entries.map((e) => e.action)).toEqual([
      'verification.start',
      'verification.succeed',
      'enrollment.launch',
      'enrollment.complete',
      'enrollment.launch',
      'enrollment.complete',
    ]);
    const stamp = entries[1].verification!;
    expect(stamp.method).toBe('email-otp');
    expect(entries[2].verification).toEqual(stamp);
    expect(entries[3]).toMatchObject({ verification: stamp, details: { mode: 'guided-window', added: [{ method: 'AUTHENTICATOR_APP' }] } });
    expect(entries[5]).toMatchObject({ verification: stamp, details: { mode: 'guided-window', added: [{ method: 'PASSKEY' }] } });
  });

  it('offers only the methods the tenant configured, and steers to the link when the window cannot create a passkey', async () => {
    bed.emulator.setActiveMethods(['EMAIL_OTP', 'PASSKEY']);
    bed.harness.services.configuredMethods.forget();
    refuseWebauthn = true;
    try {
      const button = enrollmentPanel(bed.page).locator('button[data-mode="guided-window"]');
      await expect.poll(() => button.isDisabled()).toBe(false);
      await button.click();
      const win = await nextWindow(bed);
      const page = win.page;
      await page.locator('button[data-method="PASSKEY"]').waitFor();
      expect(await page.locator('button[data-method="SMS"]').isDisabled()).toBe(true);
      expect(await page.locator('[data-unavailable="SMS"]').textContent()).toBe('Not configured for this tenant — enable it in the Authsignal portal.');
      await page.locator('button[data-method="PASSKEY"]').click();
      await page.getByTestId('webauthn-start').click();
      const steer = page.getByTestId('webauthn-steer');
      await steer.waitFor();
      expect(await steer.textContent()).toContain('NotAllowedError');
      expect(seriousViolations(await runAxe(page))).toEqual([]);
      // The button closes the window at once, so the click can outlive its page.
      await clickThatCloses(win, page.getByTestId('send-link-instead'));
      const ended = enrollmentPanel(bed.page).locator('[data-testid="enrollment-ended"]');
      await ended.waitFor();
      expect(await ended.textContent()).toContain('could not create a passkey in the enrollment window. Create a link for their device');
      await expect.poll(() => enrollmentPanel(bed.page).locator('button[data-mode="link"]').isDisabled()).toBe(false);
    } finally {
      refuseWebauthn = false;
      bed.emulator.setActiveMethods(TENANT_VERIFICATION_METHODS);
      bed.harness.services.configuredMethods.forget();
    }
  });

  it('wrote no token, code or secret to the data dir or any log', async () => {
    expect(bed.problems).toEqual([]);
    await bed.expectNoLeaks();
  });
});
