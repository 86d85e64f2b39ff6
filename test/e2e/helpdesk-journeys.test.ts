import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { DEMO_USERS } from '../../src/emulator/seeds';
import { openConsole, runAxe, seriousViolations, type ConsoleSession } from '../support/chromium';

// The helpdesk journeys of issue #4 in real Chromium, through the browser harness (the real
// router, services, audit log and keychain-backed vault), against the local tenant seeded with the
// demo users over HTTP. Chromium runs in en-US, so local phone numbers are read as US numbers.

let emulator: RunningEmulator;
let ui: ConsoleSession;
let page: Page;

const user = (id: string) => {
  const u = DEMO_USERS.find((d) => d.userId === id);
  if (!u) throw new Error(`no demo user ${id}`);
  return u;
};
const GRACE = user('auth0|5f1b2c3d4e');
const TIM = user('google-oauth2|103920485761234567890');
const DOROTHY = user('usr_dorothy');
const EDSGER = user('usr_many');
const MARGARET = user('usr_margaret');

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 'demo' });
  ui = await openConsole({
    keychainService: `authdesk-e2e-helpdesk-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
  page = ui.page;
  // These journeys are the helpdesk core of issue #4; the caller verification that the tenant policy
  // requires before removals by default has its own journeys (enrollment-*.test.ts, issue #5).
  await ui.harness.services.settings.update({ tenantPolicies: { local: { requireCallerVerification: false } } });
});

afterAll(async () => {
  await ui?.close();
  await emulator?.close();
});

const box = () => page.getByRole('combobox', { name: 'Email, phone number, username or user id' });

/** Goes to the search from anywhere with the keyboard shortcut, types, and opens the only match. */
async function find(query: string, expectedUserId: string, expectedName: string) {
  await page.keyboard.press('Control+k');
  await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('combobox');
  await box().fill(query);
  const option = page.locator(`[role="option"][data-user-id="${expectedUserId.replace(/["\\]/g, '\\$&')}"]`);
  await option.waitFor();
  // The first match is the active descendant, so Enter opens it.
  await expect.poll(() => box().getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
  await box().press('Enter');
  await page.locator('main h1', { hasText: expectedName }).waitFor();
}

async function expectAccessible(what: string) {
  const serious = seriousViolations(await runAxe(page));
  expect(serious, `${what}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

describe('helpdesk journeys in Chromium', () => {
  it('opens on the search with the box focused and recent users empty', async () => {
    await page.goto(ui.harness.url);
    await page.locator('main h1', { hasText: 'Find a user' }).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('combobox');
    expect(await page.locator('[role="option"]').count()).toBe(0);
    await expectAccessible('search view');
  });

  it('finds a user by email', async () => {
    await find(GRACE.email!, GRACE.userId, 'Grace Hopper');
    expect(await page.locator('main').textContent()).toContain(GRACE.userId);
  });

  it('finds a user by a phone number typed in a local format', async () => {
    await page.keyboard.press('Control+k');
    await box().fill('(415) 555-0123');
    await page.locator('.search-status', { hasText: 'Read as phone number +14155550123' }).waitFor();
    await box().press('Enter');
    await page.locator('main h1', { hasText: 'Grace Hopper' }).waitFor();
  });

  it('finds a user by an id with "|" in it, and reads a passkey provider and its last use', async () => {
    await find(TIM.userId, TIM.userId, 'Tim Berners-Lee');
    const passkey = page.locator('tr[data-method="PASSKEY"]').first();
    await expect.poll(() => passkey.locator('.auth-name').textContent()).toBe('Passkey (Pixel 8)');
    expect(await passkey.locator('.auth-provider').textContent()).toBe('Google Password Manager');
    const lastUsed = passkey.locator('td.last-used time');
    const iso = await lastUsed.getAttribute('datetime');
    expect(Number.isNaN(Date.parse(iso ?? ''))).toBe(false);
    const shown = (await lastUsed.textContent()) ?? '';
    expect(shown).toMatch(/ago|yesterday|today|just now/);
    expect(shown).toMatch(/\d{4}/); // the absolute date, with its year, next to the relative one
    await expectAccessible('user view');
  });

  it('finds a user by username, with arrow keys reaching every result', async () => {
    await page.keyboard.press('Control+k');
    await box().fill('+1 415 555 0199');
    await page.locator('[role="option"]').nth(1).waitFor();
    const ids = await page.locator('[role="option"]').evaluateAll((els) => els.map((e) => e.id));
    await box().press('ArrowDown');
    await expect.poll(() => box().getAttribute('aria-activedescendant')).toBe(ids[1]);
    await expectAccessible('search results');
    await find(DOROTHY.username!, DOROTHY.userId, 'Dorothy Vaughan');
  });

  it('removes an authenticator with its reason and ticket, by keyboard', async () => {
    await find(EDSGER.email!, EDSGER.userId, 'Edsger Dijkstra');
    const before = await page.locator('tr[data-authenticator-id]').count();
    const sms = page.locator('tr[data-method="SMS"]');
    await sms.getByRole('button', { name: /Remove/ }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.locator('[data-testid="removal-warning"]').count()).toBe(0);
    // Focus starts in the reason box; everything else is a Tab away.
    await page.keyboard.type('Caller reports the number was ported away');
    await page.keyboard.press('Tab');
    await page.keyboard.type('INC-4242');
    await page.keyboard.press('Tab');
    await page.keyboard.type('REMOVE');
    await expectAccessible('removal dialog');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="removal-done"]').waitFor();
    expect(await page.locator('[data-testid="removal-done"]').textContent()).toContain('INC-4242');
    await expect.poll(() => page.locator('tr[data-authenticator-id]').count()).toBe(before - 1);
    expect(await page.locator('tr[data-method="SMS"]').count()).toBe(0);
    await expectAccessible('user view after a removal');
  });

  it('warns loudly on a user with one authenticator and says what remains', async () => {
    await find(MARGARET.phoneNumber!, MARGARET.userId, 'Margaret Hamilton');
    await page.locator('tr[data-authenticator-id]').getByRole('button', { name: /Remove/ }).click();
    const warning = page.getByRole('dialog').locator('[data-testid="removal-warning"]');
    await warning.waitFor();
    expect(await warning.getAttribute('role')).toBe('alert');
    const text = (await warning.textContent()) ?? '';
    expect(text).toContain('This is the last authenticator');
    expect(text).toContain('Verified phone +14155550124');
    await expectAccessible('removal dialog with the last-authenticator warning');
    // Go ahead, acknowledging the warning.
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Lost phone; a new number will be enrolled today');
    await dialog.getByLabel('Ticket reference').fill('INC-4243');
    await dialog.getByLabel(/I have read the warning/).check();
    await dialog.getByLabel(/Type the user id/).fill(MARGARET.userId);
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.locator('[data-testid="removal-done"]').waitFor();
    await page.getByText('No authenticators: the user cannot pass a challenge').waitFor();
  });

  it('shows the lookups and both removals in the audit log view', async () => {
    await ui.goto('/admin/audit');
    const rows = page.locator('tr[data-seq]');
    await rows.first().waitFor();
    const table = (await page.locator('table.audit-table').textContent()) ?? '';
    for (const action of ['user.search', 'user.lookup', 'authenticator.remove']) expect(table).toContain(action);
    const removal = rows.filter({ hasText: 'INC-4242' });
    expect(await removal.count()).toBe(1);
    expect(await removal.textContent()).toContain('Caller reports the number was ported away');
    expect(await removal.textContent()).toContain(EDSGER.userId);
    const last = rows.filter({ hasText: 'INC-4243' });
    expect(await last.count()).toBe(1);
    expect(await last.textContent()).toContain(MARGARET.userId);
    expect(ui.problems).toEqual([]);
  });
});
