import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAxe, seriousViolations } from '../support/chromium';
import { enrollmentPanel, startEnrollmentBed, verifyByEmailCode, type EnrollmentBed } from './enrollment-support';

// Issue #5, journey 4, in real Chromium: the agent verifies Ben (no authenticator, a verified email)
// and creates a pre-built UI link for his own device: shown with its QR code, an email to send and
// its ten-minute countdown. The link is opened in a separate page (another browser context: "his
// phone"), where he enrolls an email code; the console's live status goes from waiting to completed
// by itself (main polls the action state and the authenticator list).

const USER = 'usr_ben';
const EMAIL = 'Ben.Okafor@Example.com';
let bed: EnrollmentBed;
beforeAll(async () => {
  bed = await startEnrollmentBed();
});
afterAll(async () => {
  await bed?.close();
});

describe('an enrollment link completed on the user device', () => {
  it('creates a link with a QR code, an email and a countdown, and waits', async () => {
    await bed.openUser(USER);
    await verifyByEmailCode(bed, EMAIL);
    const create = enrollmentPanel(bed.page).locator('button[data-mode="link"]');
    await expect.poll(() => create.isDisabled()).toBe(false);
    await create.click();
    const open = enrollmentPanel(bed.page).locator('[data-testid="enrollment-open"][data-mode="link"]');
    await open.waitFor();
    const link = await open.locator('[data-testid="share-link"]').inputValue();
    bed.secrets.add(new URL(link).searchParams.get('token')!);
    expect(new URL(link).origin).toBe(bed.emulator.uiOrigin);
    await open.getByRole('img', { name: /QR code of the link/ }).waitFor();
    const mail = open.getByRole('link', { name: `Email it to ${EMAIL}` });
    const href = (await mail.getAttribute('href'))!;
    expect(href.startsWith(`mailto:${encodeURIComponent(EMAIL)}?`)).toBe(true);
    expect(decodeURIComponent(href)).toContain(link);
    const left = Number(await open.locator('[role="timer"]').getAttribute('data-seconds-left'));
    expect(left).toBeGreaterThan(9 * 60);
    expect(await open.locator('[data-testid="link-status"]').getAttribute('data-progress')).toBe('waiting');
    // No window opened: the link is for his device.
    expect(bed.host.windows).toHaveLength(0);
    expect(seriousViolations(await runAxe(bed.page))).toEqual([]);
  });

  it('completes when he enrolls on his own device; the console follows by itself', async () => {
    const link = await enrollmentPanel(bed.page).locator('[data-testid="share-link"]').inputValue();
    const phone = await bed.browser.newContext();
    try {
      const page = await phone.newPage();
      await page.goto(link);
      await page.getByRole('heading', { name: 'Set up a way to verify' }).waitFor();
      await page.locator('button[data-method="EMAIL_OTP"]').click();
      const address = page.getByLabel('Email address');
      // The pre-built UI was given his verified email to offer.
      expect(await address.inputValue()).toBe(EMAIL);
      const before = await bed.outboxCount(EMAIL);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Verification code').fill(await bed.codeFor(EMAIL, before));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'All done' }).waitFor();
    } finally {
      await phone.close();
    }
    await enrollmentPanel(bed.page).locator('[data-testid="enrollment-completed"]').waitFor({ timeout: 15_000 });
    await bed.page.locator('tr[data-method="EMAIL_OTP"][data-new="true"]').waitFor();
    // The link is gone from the console once the enrollment is over.
    expect(await bed.page.locator('[data-testid="share-link"]').count()).toBe(0);
  });

  it('recorded the link and its completion with the stamp, never the link itself', async () => {
    const page = await bed.harness.services.audit.query({ action: ['enrollment.*'], userId: USER, limit: 20 });
    const entries = [...page.entries].reverse();
    expect(entries.map((e) => e.action)).toEqual(['enrollment.link-create', 'enrollment.complete']);
    expect(entries[0].verification?.method).toBe('email-otp');
    expect(entries[1]).toMatchObject({ details: { mode: 'link', firstEnrollment: true, added: [{ method: 'EMAIL_OTP' }] } });
    expect(JSON.stringify(entries)).not.toContain('/prebuilt/');
  });

  it('wrote no token or code to the data dir or any log', async () => {
    expect(bed.problems).toEqual([]);
    await bed.expectNoLeaks();
  });
});
