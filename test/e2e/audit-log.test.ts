import { spawn } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { openConsole, runAxe, seriousViolations, type ConsoleSession } from '../support/chromium';

// The audit log view in real Chromium through the browser harness, over the real services: read
// it by keyboard, verify the chain, break a line of the file on disk and watch both the view and
// the real `bin/authdesk audit verify` name that line, then repair a crash's torn tail.

const BIN = fileURLToPath(new URL('../../bin/authdesk', import.meta.url));
let emulator: RunningEmulator;
let ui: ConsoleSession;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 5 });
  ui = await openConsole({
    keychainService: `authdesk-e2e-audit-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
  const tenant = { id: 'local', name: 'Local tenant' };
  const audit = ui.harness.services.audit;
  await audit.append({ action: 'user.search', tenant, details: { query: 'grace@example.com' } });
  await audit.append({ action: 'user.lookup', tenant, subject: { userId: 'user-grace' } });
  await audit.append({
    action: 'authenticator.remove',
    tenant,
    subject: { userId: 'user-grace' },
    details: { reason: 'Phone stolen', ticket: 'SEC-881', authenticatorId: 'auth-1' },
  });
});

afterAll(async () => {
  await ui?.close();
  await emulator?.close();
});

function authdesk(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, AUTHDESK_HOME: ui.harness.dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('audit log view in Chromium', () => {
  it('lists the entries, filters them from the keyboard, and passes axe', async () => {
    await ui.goto('/admin/audit');
    const page = ui.page;
    await expect(page.title()).resolves.toBe('Audit log · Authdesk');
    const rows = page.locator('tr[data-seq]');
    await rows.first().waitFor();
    await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-seq')))).resolves.toEqual(['3', '2', '1']);
    expect(await rows.first().textContent()).toContain('SEC-881');

    // Keyboard only: focus the text filter, type, Enter applies it.
    await page.getByLabel('Text', { exact: true }).focus();
    await page.keyboard.type('phone stolen');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-seq]').length === 1);
    expect(await rows.first().getAttribute('data-seq')).toBe('3');
    // Tab reaches "Clear filters" after "Apply filters"; Enter on it shows everything again.
    await page.getByRole('button', { name: 'Apply filters' }).focus();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Clear filters');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-seq]').length === 3);

    expect(seriousViolations(await runAxe(page))).toEqual([]);
    expect(ui.problems).toEqual([]);
  });

  it('verifies the chain, then names the line broken on disk, as the CLI does', async () => {
    const page = ui.page;
    const verify = page.getByRole('button', { name: 'Verify chain' });
    await verify.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('[data-verdict=ok]').textContent()).resolves.toContain('All 3 entries verify, up to #3');

    // Break line 2 on disk, the way someone editing the file would.
    const file = ui.harness.services.audit.file;
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[1] = lines[1].replace('user-grace', 'user-other');
    await writeFile(file, lines.join('\n'));

    await verify.click();
    const broken = page.locator('[data-verdict=broken]');
    await broken.waitFor();
    expect(await broken.textContent()).toContain('Chain broken at line 2 (#2): the entry was changed');
    expect(seriousViolations(await runAxe(page))).toEqual([]);

    const cli = await authdesk(['audit', 'verify']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('BROKEN at line 2 (seq 2): hash-mismatch');

    // Put it back so the next journey starts from a valid chain.
    lines[1] = lines[1].replace('user-other', 'user-grace');
    await writeFile(file, lines.join('\n'));
    expect((await authdesk(['audit', 'verify'])).code).toBe(0);
  });

  it('shows a torn tail after a crash and repairs it with a keyboard confirmation', async () => {
    await appendFile(ui.harness.services.audit.file, '{"action":"authenticator.re');
    await ui.page.reload();
    await ui.page.locator('main h1').waitFor();
    const page = ui.page;
    const alert = page.getByRole('alert').filter({ hasText: 'The audit log needs a repair' });
    await alert.waitFor();
    expect(seriousViolations(await runAxe(page))).toEqual([]);

    await alert.getByRole('button', { name: 'Repair the log…' }).focus();
    await page.keyboard.press('Enter');
    // Focus moves to the confirmation, so Enter again confirms.
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Yes, repair it');
    await page.keyboard.press('Enter');
    await page.locator('.status-notice').getByText(/moved to quarantine\//).waitFor();
    await expect(page.locator('tr[data-seq="4"]').textContent()).resolves.toContain('Repaired the log after a crash');

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict=ok]').textContent()).resolves.toContain('1 crash repair(s)');
    const cli = await authdesk(['audit', 'verify']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('OK: 4 entries');
    expect(ui.problems).toEqual([]);
  });
});
