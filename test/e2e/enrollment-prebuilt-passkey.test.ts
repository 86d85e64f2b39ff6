import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator } from '../support/emulator-page';
import { runAxe, seriousViolations } from '../support/chromium';
import { enrollmentPanel, nextWindow, panel, startEnrollmentBed, type EnrollmentBed } from './enrollment-support';

// Issue #5, journey 2, in real Chromium: a user with nothing enrolled cannot be verified with an
// authenticator, so the agent follows the offline procedure and records how; then the pre-built UI
// opens in its own window (a fresh context, the redirect intercepted) and the user registers a
// first passkey with CDP's virtual authenticator. Main validates the token the window returns, and
// the new passkey is highlighted in the console.

let bed: EnrollmentBed;
beforeAll(async () => {
  bed = await startEnrollmentBed({
    // Every enrollment window of this file has a platform authenticator, as a laptop would.
    prepare: async (page) => void (await addVirtualAuthenticator(page)),
  });
});
afterAll(async () => {
  await bed?.close();
});

describe('first passkey through the pre-built UI for an unenrolled user', () => {
  it('marks the user unverifiable and needs an account of the offline check', async () => {
    await bed.openUser('usr_alan');
    const offline = panel(bed.page).locator('[data-testid="verification-offline"]');
    await offline.waitFor();
    expect(await offline.textContent()).toContain('Unverifiable: follow your offline procedure');
    // Alan's email is not verified: no code can be sent, and no challenge link (nothing to challenge with).
    expect(await panel(bed.page).locator('button[data-target-method]').count()).toBe(0);
    expect(await panel(bed.page).getByRole('button', { name: 'Create a challenge link' }).count()).toBe(0);

    const note = offline.getByLabel('How you checked the caller');
    await note.fill('badge');
    await offline.getByRole('button', { name: 'Record the offline check' }).click();
    await offline.getByText('at least 20 characters').first().waitFor();
    expect(await note.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await bed.harness.services.verification.liveStamp('local', 'usr_alan')).toBeNull();
    expect(seriousViolations(await runAxe(bed.page))).toEqual([]);

    await note.fill('Called back on the desk phone listed in the HR system; confirmed the employee number.');
    await offline.getByRole('button', { name: 'Record the offline check' }).click();
    const live = bed.page.locator('[data-testid="verification-live"]');
    await live.waitFor();
    expect(await live.textContent()).toContain('offline procedure');
  });

  it('enrolls a first passkey in the pre-built UI window and highlights it', async () => {
    const open = enrollmentPanel(bed.page).locator('button[data-mode="prebuilt-window"]');
    await expect.poll(() => open.isDisabled()).toBe(false);
    expect(await enrollmentPanel(bed.page).textContent()).toContain('this is their first');
    await open.click();
    const win = await nextWindow(bed);
    expect(win.request).toMatchObject({ kind: 'prebuilt', title: expect.stringContaining('pre-built UI') as unknown });
    expect(new URL(win.request.url).origin).toBe(bed.emulator.uiOrigin);
    expect(win.request.allowedOrigins.sort()).toEqual([bed.emulator.origin, bed.emulator.uiOrigin].sort());
    expect(win.request.redirectUrl).toMatch(/^https:\/\/authdesk\.invalid\/enrollment\/done\/enr_/);

    await win.page.getByRole('heading', { name: 'Set up a way to verify' }).waitFor();
    // The window cannot be walked off its origins.
    await win.page.evaluate(() => void (location.href = 'https://example.org/phish')).catch(() => undefined);
    await expect.poll(() => win.refusedNavigations).toContain('https://example.org');
    await win.page.locator('button[data-method="PASSKEY"]').click();
    await win.closed;

    const done = enrollmentPanel(bed.page).locator('[data-testid="enrollment-completed"]');
    await done.waitFor();
    const row = bed.page.locator('tr[data-method="PASSKEY"][data-new="true"]');
    await row.waitFor();
    const stored = bed.emulator.store.listAuthenticators('usr_alan');
    expect(stored.map((a) => a.verificationMethod)).toEqual(['PASSKEY']);
    expect(await row.getAttribute('data-authenticator-id')).toBe(stored[0].userAuthenticatorId);
    expect(bed.problems).toEqual([]);
  });

  it('recorded the offline check, the launch and the completion, each with the stamp', async () => {
    const page = await bed.harness.services.audit.query({ action: ['verification.*', 'enrollment.*'], userId: 'usr_alan', limit: 20 });
    const entries = [...page.entries].reverse();
    expect(entries.map((e) => `${e.action}:${e.outcome}`)).toEqual(['verification.offline:ok', 'enrollment.launch:ok', 'enrollment.complete:ok']);
    expect(entries[0].details.note).toContain('Called back on the desk phone');
    const stamp = entries[0].verification!;
    expect(stamp.method).toBe('offline');
    expect(entries.every((e) => e.verification?.id === stamp.id)).toBe(true);
    expect(entries[2].details).toMatchObject({ mode: 'prebuilt-window', firstEnrollment: true, verificationMethod: 'PASSKEY' });
  });

  it('wrote no token to the data dir or any log', async () => {
    await bed.expectNoLeaks();
  });
});
