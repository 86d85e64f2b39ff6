import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { panel, startEnrollmentBed, verifyByEmailCode, type EnrollmentBed } from './enrollment-support';

// Issue #5, journey 5, in real Chromium: a caller verification ends (its lifetime is 5 s here, made
// injectable for this test; 10 minutes in the app) and main refuses the removal the agent then
// tries, saying to verify again; the expiry and the refusal are in the audit log. Verifying again
// lets the same removal through, stamped with the new verification.

const USER = 'usr_stale';
const EMAIL = 'charles@example.com';
const LIFETIME_MS = 5000;
let bed: EnrollmentBed;
beforeAll(async () => {
  bed = await startEnrollmentBed({ verificationLifetimeMs: LIFETIME_MS });
});
afterAll(async () => {
  await bed?.close();
});

/** Opens the removal dialog on the SMS authenticator and fills it in. */
async function removeSms(page: Page) {
  await page.locator('tr[data-method="SMS"]').getByRole('button', { name: /Remove/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByLabel('Reason').fill('Caller says the number was ported away');
  await dialog.getByLabel('Ticket reference').fill('INC-7007');
  await dialog.getByLabel(/Type the user id/).fill('REMOVE');
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  return dialog;
}

describe('an expired caller verification', () => {
  it('blocks a removal once it has run out, with words that say to verify again', async () => {
    await bed.openUser(USER);
    await verifyByEmailCode(bed, EMAIL);
    const sms = bed.emulator.store.listAuthenticators(USER).find((a) => a.verificationMethod === 'SMS')!;
    // The countdown runs out; the panel says so (main recorded the expiry).
    const ended = panel(bed.page).locator('[data-testid="verification-ended"]');
    await ended.waitFor({ timeout: LIFETIME_MS + 5000 });
    expect(await ended.textContent()).toMatch(/expired/);
    expect(await panel(bed.page).getAttribute('data-state')).toBe('unverified');

    const dialog = await removeSms(bed.page);
    const summary = dialog.locator('.error-summary');
    await summary.waitFor();
    expect(await summary.getAttribute('data-error-code')).toBe('expired');
    expect(await summary.textContent()).toContain('The caller verification has expired');
    expect(await summary.textContent()).toContain('Verify the caller again');
    expect(bed.emulator.store.getAuthenticator(USER, sms.userAuthenticatorId)).toBeDefined();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('lets the removal through after the caller is verified again, stamped with the new verification', async () => {
    await panel(bed.page).locator('.choose').waitFor();
    await verifyByEmailCode(bed, EMAIL);
    await removeSms(bed.page);
    await bed.page.locator('[data-testid="removal-done"]').waitFor();
    expect(bed.emulator.store.listAuthenticators(USER).map((a) => a.verificationMethod)).toEqual(['AUTHENTICATOR_APP']);
  });

  it('recorded both verifications, the expiry, the refusal and the removal', async () => {
    const page = await bed.harness.services.audit.query({ action: ['verification.*', 'authenticator.*'], userId: USER, limit: 20 });
    const entries = [...page.entries].reverse();
    expect(entries.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'verification.start:ok',
      'verification.succeed:ok',
      'verification.expire:ok',
      'authenticator.remove:error',
      'verification.start:ok',
      'verification.succeed:ok',
      'authenticator.remove:ok',
    ]);
    const [first, second] = [entries[1].verification!, entries[5].verification!];
    expect(first.id).not.toBe(second.id);
    expect(entries[2]).toMatchObject({ verification: first, details: { reason: 'lifetime-over' } });
    expect(entries[3]).toMatchObject({ error: { code: 'expired' }, details: { ticket: 'INC-7007' } });
    expect(entries[6]).toMatchObject({ verification: second, details: { ticket: 'INC-7007' } });
    // The lifetime really was the injected one.
    expect(Date.parse(first.expiresAt) - Date.parse(entries[1].ts)).toBeLessThanOrEqual(LIFETIME_MS + 50);
  });

  it('wrote no code to the data dir or any log', async () => {
    expect(bed.problems).toEqual([]);
    await bed.expectNoLeaks();
  });
});
