import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { TOKEN_HEADER } from '../harness/server';
import { openConsole, runAxe, seriousViolations, type ConsoleSession } from '../support/chromium';

// The tenant settings journey in real Chromium, through the browser harness, against the real
// vault (keychain included) and a real local Authsignal-compatible tenant over HTTP.

let emulator: RunningEmulator;
let ui: ConsoleSession;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 10 });
  ui = await openConsole({
    recordTraffic: true,
    keychainService: `authdesk-e2e-tenants-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
});

afterAll(async () => {
  await ui?.close();
  await emulator?.close();
});

/** Every response and event that crossed the bridge, as sent. */
function outbound(): string {
  return ui.harness
    .traffic()
    .map((t) => (t.kind === 'call' ? t.response : t.payload))
    .join('\n');
}

async function fillAddForm(name: string, secret: string) {
  const form = ui.page.locator('form.tenant-add-form');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('A custom Server API URL').check();
  await form.getByLabel('Server API URL', { exact: true }).fill(emulator.apiUrl);
  await form.getByLabel('Tenant ID').fill(emulator.tenantId);
  await form.getByLabel('Server API secret key').fill(secret);
}

describe('tenant settings in Chromium', () => {
  it('loads the console on the local tenant with the banner and the switcher', async () => {
    await ui.goto('/settings/tenants');
    const page = ui.page;
    await expect(page.locator('main h1').textContent()).resolves.toBe('Tenants');
    await expect(page.title()).resolves.toBe('Tenants · Authdesk');
    const local = page.locator('tbody tr[data-tenant-id="local"]');
    await local.waitFor();
    await expect(local.textContent()).resolves.toMatch(/Local tenant.*Active.*Local demo/s);
    await expect(local.textContent()).resolves.toContain(emulator.apiUrl);
    await expect(page.getByRole('region', { name: 'Local demo tenant' }).textContent()).resolves.toContain(
      'You are on the local demo tenant',
    );
    await expect(page.getByLabel('Tenant', { exact: true }).inputValue()).resolves.toBe('local');
    expect(ui.problems).toEqual([]);
  });

  it('refuses a bad secret against the real endpoint with an actionable error, and keeps it out of every answer', async () => {
    const BAD = 'sk_e2e_wrong_secret_0123456789';
    ui.harness.clearTraffic();
    await fillAddForm('Wrong secret', BAD);
    await ui.page.getByRole('button', { name: 'Test and add tenant' }).click();

    const summary = ui.page.locator('.error-summary[data-error-code="unauthorized"]');
    await summary.waitFor();
    const text = (await summary.textContent()) ?? '';
    expect(text).toContain('The tenant refused the secret');
    expect(text).toContain('Nothing was saved');
    expect(text).toMatch(/secret/i);
    // Focus moved to the summary, so keyboard and screen reader users land on it.
    await expect(summary.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    // The field was emptied and nothing shows the secret.
    await expect(ui.page.getByLabel('Server API secret key').inputValue()).resolves.toBe('');
    await expect(ui.page.content()).resolves.not.toContain(BAD);
    // SECURITY: the secret crossed once, inward, and never came back in an answer or event.
    const calls = ui.harness.traffic().filter((t) => t.kind === 'call' && t.request.includes(BAD));
    expect(calls.map((t) => t.kind === 'call' && t.channel)).toEqual(['tenants:add']);
    expect(outbound()).not.toContain(BAD);
    // Nothing was saved.
    await expect(ui.page.locator('tbody tr').count()).resolves.toBe(1);
  });

  it('has no serious or critical accessibility violation, with the form errors showing', async () => {
    const violations = seriousViolations(await runAxe(ui.page));
    expect(violations).toEqual([]);
  });

  it('adds the tenant with the right secret, switches to it, and removes it again from the keyboard', async () => {
    const page = ui.page;
    await fillAddForm('E2E tenant', emulator.secret);
    await page.getByRole('button', { name: 'Test and add tenant' }).click();
    const row = page.locator('tbody tr', { hasText: 'E2E tenant' });
    // Either the row or an error summary; a failure then reads as what the person would see.
    await row.or(page.locator('.error-summary')).first().waitFor();
    expect(await page.locator('.error-summary').allTextContents()).toEqual([]);
    await expect(row.textContent()).resolves.toMatch(/Active.*Stored in keychain.*Fingerprint [0-9a-f]{8}/s);
    // The list event can render the row before the add call's own answer sets the notice: wait for it.
    await page.locator('.status-notice', { hasText: '“E2E tenant” connected and saved' }).waitFor({ timeout: 10_000 });
    // No longer on the local tenant: the banner goes, the switcher follows.
    await page.getByRole('region', { name: 'Local demo tenant' }).waitFor({ state: 'detached' });
    await expect(page.getByLabel('Tenant', { exact: true }).inputValue()).resolves.toBe('e2e-tenant');
    // The secret is in the keychain (the vault can use it) and in no answer.
    await expect(ui.harness.services.tenants.test({ id: 'e2e-tenant' })).resolves.toMatchObject({ ok: true });
    expect(outbound()).not.toContain(emulator.secret);

    // Remove it with the keyboard only: focus the button, Enter, then Tab from Cancel to confirm.
    await row.getByRole('button', { name: 'Remove E2E tenant' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Remove E2E tenant?' });
    await dialog.waitFor();
    await expect(page.evaluate(() => document.activeElement?.textContent?.trim())).resolves.toBe('Cancel');
    expect(seriousViolations(await runAxe(page))).toEqual([]);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await row.waitFor({ state: 'detached' });
    await dialog.waitFor({ state: 'hidden' });
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    await expect(ui.harness.services.tenants.list()).resolves.toMatchObject({ tenants: [{ id: 'local' }] });
    expect(ui.problems).toEqual([]);
  });
});

/** A raw HTTP request (fetch would normalise the path and set its own headers). */
function raw(path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<number> {
  const { hostname, port } = new URL(ui.harness.origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('browser harness guards', () => {
  const host = () => new URL(ui.harness.origin).host;
  const json = { 'content-type': 'application/json' };

  it('answers a call only with the per-run token, from its own origin, as JSON', async () => {
    const path = '/__harness/call/tenants:list';
    await expect(raw(path, { host: host(), ...json, [TOKEN_HEADER]: ui.harness.token }, 'POST', '{}')).resolves.toBe(200);
    await expect(raw(path, { host: host(), ...json }, 'POST', '{}')).resolves.toBe(401);
    await expect(raw(path, { host: host(), ...json, [TOKEN_HEADER]: 'x'.repeat(43) }, 'POST', '{}')).resolves.toBe(401);
    await expect(
      raw(path, { host: host(), ...json, origin: 'http://evil.example', [TOKEN_HEADER]: ui.harness.token }, 'POST', '{}'),
    ).resolves.toBe(403);
    await expect(raw(path, { host: host(), 'content-type': 'text/plain', [TOKEN_HEADER]: ui.harness.token }, 'POST', '{}')).resolves.toBe(415);
  });

  it('refuses other host names (DNS rebinding) and paths outside the console build', async () => {
    await expect(raw('/console/', { host: host() })).resolves.toBe(200);
    await expect(raw('/console/', { host: `evil.example:${new URL(ui.harness.origin).port}` })).resolves.toBe(421);
    await expect(raw('/console/../../package.json', { host: host() })).resolves.toBe(404);
    await expect(raw('/assets/%2e%2e/%2e%2e/package.json', { host: host() })).resolves.toBe(404);
    await expect(raw('/preload/console.cjs', { host: host() })).resolves.toBe(404);
  });
});
