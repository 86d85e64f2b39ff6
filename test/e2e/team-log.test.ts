import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { DEMO_USERS } from '../../src/emulator/seeds';
import { openConsole, type ConsoleSession } from '../support/chromium';
import { startPostgres, type TestPostgres } from '../support/postgres';

// Team mode end to end in real Chromium through the browser harness (which runs the shipper), with a
// real PostgreSQL: the DBA's steps (`team init`, `team add-agent`) set the store up, the agent turns
// team mode on in the console (Settings → Team audit store), searches a user, the entries reach the
// store, and the Audit log's team scope filters the team log by agent (database role).
let emulator: RunningEmulator;
let server: TestPostgres;
let ui: ConsoleSession;
let page: Page;
const GRACE = DEMO_USERS.find((d) => d.userId === 'auth0|5f1b2c3d4e')!;

beforeAll(async () => {
  server = await startPostgres();
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 'demo' });
  ui = await openConsole({
    keychainService: `authdesk-e2e-team-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
  page = ui.page;
}, 180_000);
afterAll(async () => {
  await ui?.close();
  await emulator?.close();
  await server?.stop();
});

describe('team mode in Chromium', { timeout: 180_000 }, () => {
  it('has no scope switch before team mode is on', async () => {
    await ui.goto('/admin/audit');
    await page.locator('h1', { hasText: 'Audit log' }).waitFor();
    await page.locator('#audit-entries-title').waitFor();
    expect(await page.locator('[data-testid="audit-scope"]').count()).toBe(0);
  });

  it('turns team mode on in Settings, searches a user, and filters the team log by agent', async () => {
    // The DBA's steps on this computer (`team init`, `team add-agent`): the store and two agent roles.
    const team = ui.harness.services.team;
    const installer = team.open(server.url('postgres'), server.password, 1);
    await installer.install();
    await installer.addMember('e2e_agent', 'e2e_agent-password-x');
    await installer.addMember('e2e_other', 'e2e_other-password-x');
    await installer.close();
    await team.saveConnection('admin', server.url('postgres'), server.password);

    // The agent turns team mode on in the console, from the keyboard.
    await ui.goto('/settings/general');
    const section = page.locator('[data-testid="team-store-settings"]');
    await section.locator('[data-testid="team-store-state"][data-state="off"]').waitFor();
    await section.getByLabel('Server host').fill('127.0.0.1');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(String(server.port));
    await section.getByLabel('Database', { exact: true }).fill(server.database);
    await section.getByLabel('Database role').fill('e2e_agent');
    await section.getByLabel('TLS, with the server’s certificate and host name checked (verify-full)').focus();
    await page.keyboard.press('ArrowDown'); // the radio group: no TLS, fine for a server on this computer
    expect(await section.getByLabel('No TLS: only for a server on this computer').isChecked()).toBe(true);
    await section.getByLabel('Role password').fill('e2e_agent-password-x');
    await page.keyboard.press('Enter');
    await section.locator('[data-testid="team-store-state"][data-state="in-sync"], [data-testid="team-store-state"][data-state="waiting"]').first().waitFor();
    expect(await section.textContent()).toContain(server.url('e2e_agent'));
    expect(await team.connection('agent')).toEqual({ url: server.url('e2e_agent'), password: 'e2e_agent-password-x' });

    // Act in the console: search a user.
    await ui.goto('/');
    const box = page.getByRole('combobox', { name: 'Email, phone number, username or user id' });
    await box.waitFor();
    await box.fill(GRACE.email!);
    await page.locator(`[role="option"][data-user-id="${GRACE.userId}"]`).waitFor();

    // Another agent's computer ships one entry of its own (another device, another role).
    const lines = (await readFile(ui.harness.services.audit.file, 'utf8')).split('\n').filter(Boolean);
    const other = team.open(server.url('e2e_other'), 'e2e_other-password-x', 1);
    await other.append(randomUUID(), [lines[0]]);
    await other.close();

    // The shipper gets this computer's entries to the store; the header says so.
    await expect.poll(async () => (await team.shipNow()).state, { timeout: 60_000 }).toBe('in-sync');
    await ui.goto('/admin/audit');
    const scope = page.locator('[data-testid="audit-scope"]');
    await scope.waitFor();
    // Keyboard: focus the first radio, arrow to "The team".
    await page.getByLabel('This computer').focus();
    await page.keyboard.press('ArrowDown');
    const teamLog = page.locator('[data-testid="team-log"]');
    await teamLog.waitFor();
    await page.locator('tr[data-team-seq]').first().waitFor();
    const agents = () => page.locator('[data-testid="team-agent"]').allTextContents();
    await expect.poll(async () => (await agents()).some((a) => a.trim().startsWith('e2e_other'))).toBe(true);
    expect((await agents()).some((a) => a.trim().startsWith('e2e_agent'))).toBe(true);

    // Filter by agent from the keyboard: only this computer's role, and its search of Grace is there.
    const role = page.getByLabel('Agent (database role)');
    await role.fill('e2e_agent');
    await role.press('Enter');
    // One poll for both: while the filtered page loads the table is empty, and "every" holds on [].
    await expect.poll(async () => {
      const shown = await agents();
      return shown.length > 0 && shown.every((a) => a.trim().startsWith('e2e_agent'));
    }).toBe(true);
    expect(await teamLog.textContent()).toContain('user.search');

    await role.fill('e2e_other');
    await role.press('Enter');
    await expect.poll(async () => (await agents()).map((a) => a.trim().split(/\s/)[0])).toEqual(['e2e_other']);
  });
});
