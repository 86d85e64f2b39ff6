import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { openConsole, runAxe, seriousViolations, type ConsoleSession } from '../support/chromium';

// The Settings view in real Chromium through the browser harness, over the real settings and audit
// log services in the harness's throwaway data dir, with the local tenant on a real emulator.

let emulator: RunningEmulator;
let ui: ConsoleSession;

const AGENT = 'Grace Hopper (e2e)';

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 5 });
  ui = await openConsole({
    keychainService: `authdesk-e2e-settings-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
});

afterAll(async () => {
  await ui?.close();
  await emulator?.close();
});

const policyBox = () => ui.page.getByLabel('Require caller verification before changes on Local tenant');

describe('settings in Chromium', () => {
  it('saves the agent name and turns the policy off by keyboard, both persisted after a reload, with no serious axe violation', async () => {
    const page = ui.page;
    await ui.goto('/settings/general');
    await expect(page.title()).resolves.toBe('Settings · Authdesk');
    await expect(page.locator('main h1').textContent()).resolves.toBe('Settings');
    const name = page.getByLabel('Your name in the audit log');
    await name.waitFor();

    // The agent name, saved with Enter from the field; the live region confirms it.
    await name.fill(AGENT);
    await name.press('Enter');
    const notice = page.locator('.status-notice[role=status]');
    await notice.getByText('Settings saved').waitFor();
    // The notice shows beside the content, never over it (issue #14 point 7).
    const placement = await page.evaluate(() => {
      const n = document.querySelector('.status-notice')!.getBoundingClientRect();
      const m = document.querySelector('main')!.getBoundingClientRect();
      return { visible: n.width > 0 && n.height > 0, overlaps: !(n.right <= m.left || n.left >= m.right || n.bottom <= m.top || n.top >= m.bottom) };
    });
    expect(placement).toEqual({ visible: true, overlaps: false });

    // Caller verification is on by default; Space asks before turning it off.
    await expect(policyBox().isChecked()).resolves.toBe(true);
    await policyBox().focus();
    await page.keyboard.press('Space');
    const dialog = page.getByRole('dialog', { name: 'Turn off caller verification for Local tenant?' });
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('recorded in the audit log');
    // The safe choice has focus; the box still shows what is saved.
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Keep it on');
    await expect(policyBox().isChecked()).resolves.toBe(true);
    expect(seriousViolations(await runAxe(page))).toEqual([]);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await notice.getByText('Caller verification is off for “Local tenant”').waitFor();
    await expect(policyBox().isChecked()).resolves.toBe(false);

    // After a reload both come back from main.
    await page.reload();
    await page.locator('main h1').first().waitFor();
    await name.waitFor();
    await expect(name.inputValue()).resolves.toBe(AGENT);
    await expect(policyBox().isChecked()).resolves.toBe(false);
    await page.getByText('Off: agents can change this tenant’s users without verifying the caller.').waitFor();

    // Main holds them, and the audit log recorded both changes under the new agent name.
    const saved = await ui.harness.services.settings.get();
    expect(saved).toMatchObject({ agentName: AGENT, tenantPolicies: { local: { requireCallerVerification: false } } });
    const page1 = await ui.harness.services.audit.query({ action: ['settings.update'], limit: 10 });
    expect(page1.entries.map((e) => e.details)).toEqual([
      { changes: [{ setting: 'tenantPolicies.local.requireCallerVerification', tenantId: 'local', from: true, to: false }] },
      { changes: [{ setting: 'agentName', from: null, to: AGENT }] },
    ]);
    expect(page1.entries[0].actor.agentName).toBe(AGENT);
    expect(await ui.harness.services.audit.verify()).toMatchObject({ ok: true });

    expect(seriousViolations(await runAxe(page))).toEqual([]);
    expect(ui.problems).toEqual([]);
  });

  it('shows the validation error of a bad action code on its field, and axe finds nothing serious there either', async () => {
    const page = ui.page;
    await ui.goto('/settings/general');
    const code = page.getByLabel('Enrollment action code');
    await code.waitFor();
    await code.fill('enroll now!');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const summary = page.locator('.error-summary[data-error-code="validation"]');
    await summary.waitFor();
    await expect(summary.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await expect(code.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(summary.textContent()).resolves.toContain('only letters, digits, dashes and underscores');
    expect(seriousViolations(await runAxe(page))).toEqual([]);
    expect((await ui.harness.services.settings.get()).enrollmentActionCode).toBe('authdesk-enroll');
  });
});
