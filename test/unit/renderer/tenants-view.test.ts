import type { VueWrapper } from '@vue/test-utils';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../../src/emulator';
import { fingerprint } from './support/console-host';
import { closeConsoles, fileEmulator, mountConsole } from './support/mount-console';

// The tenant settings over the real vault, router and keychain (a temp data dir and a keychain
// service per test); tenants that must answer point at this file's emulator, so a good secret is
// the emulator's and a refused one is really refused over HTTP.
let emulator: RunningEmulator;
let GOOD_SECRET: string;
let flushPromises: () => Promise<void>;
beforeAll(async () => {
  emulator = await fileEmulator();
  GOOD_SECRET = emulator.secret;
});
afterAll(closeConsoles);

let mounted: VueWrapper | undefined;
afterEach(() => {
  mounted?.unmount();
  mounted = undefined;
  document.body.innerHTML = '';
});

async function open(options: Parameters<typeof mountConsole>[0] = {}) {
  const m = await mountConsole({ path: '/settings/tenants', ...options });
  mounted = m.wrapper;
  // Real calls take real time: wait for main, not just for the microtask queue.
  flushPromises = m.settle;
  return m;
}

const PROD = { name: 'Production', region: 'eu' as const, tenantId: 'tn-prod', secret: 'sk_prod_value_1234' };
const STAGING = { name: 'Staging', apiUrl: 'https://staging.example.com/v1', tenantId: 'tn-stage', secret: 'sk_stage_value_5678' };
const LOCAL = { name: 'Local tenant', kind: 'local' as const };
/** A tenant that answers: the emulator, with its secret or a wrong one. */
const answering = (name: string, secret = GOOD_SECRET) => ({ name, apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret });
const secretsStored = async (host: { keychain: { list(): Promise<string[]> } }) => (await host.keychain.list()).length;

function rows(wrapper: VueWrapper) {
  return wrapper.findAll('tbody tr');
}

function field(wrapper: VueWrapper, label: string) {
  const l = wrapper.findAll('label').find((x) => x.text().trim() === label);
  if (!l) throw new Error(`no label ${label}`);
  return wrapper.find(`#${l.attributes('for')}`);
}

async function typeSecret(wrapper: VueWrapper, value: string, label = 'Server API secret key') {
  const input = field(wrapper, label);
  (input.element as HTMLInputElement).value = value;
  await input.trigger('input');
  return input;
}

describe('TenantsView: the list', () => {
  it('lists every tenant with where it lives, its id, its secret fingerprint and the active marker', async () => {
    const { wrapper } = await open({ seed: [PROD, STAGING], activeIndex: 1 });
    const [prod, staging] = rows(wrapper);
    expect(prod.text()).toContain('Production');
    expect(prod.text()).toContain('Europe');
    expect(prod.text()).toContain('https://eu.api.authsignal.com/v1');
    expect(prod.text()).toContain('tn-prod');
    expect(prod.text()).toContain('Stored in keychain');
    expect(prod.text()).toContain(fingerprint(PROD.secret));
    expect(prod.text()).not.toContain('Active');
    expect(staging.text()).toContain('https://staging.example.com/v1');
    expect(staging.text()).toContain('Active');
    expect(staging.attributes('aria-current')).toBe('true');
    // SECURITY: only the fingerprint is shown, never the secret.
    expect(wrapper.html()).not.toContain(PROD.secret);
  });

  it('says when a tenant has no secret stored', async () => {
    const { wrapper } = await open({ seed: [{ name: 'Broken', region: 'us' }] });
    expect(rows(wrapper)[0].text()).toContain('Missing');
  });

  it('shows a loading state until the list arrives', async () => {
    let release!: () => void;
    const { wrapper } = await open({ seed: [PROD], before: (h) => (release = h.hold('tenants:list')) });
    expect(wrapper.find('.loading-state[role=status]').text()).toContain('Loading tenants');
    expect(rows(wrapper)).toHaveLength(0);
    release();
    await flushPromises();
    expect(rows(wrapper)).toHaveLength(1);
    expect(wrapper.text()).not.toContain('Loading tenants');
  });

  it('shows an empty state that says what to do', async () => {
    const { wrapper } = await open({ seed: [] });
    expect(wrapper.text()).toContain('No tenants yet');
    expect(wrapper.text()).toContain('Server API secret key');
  });

  it('shows an error state with words a person can act on, and retries', async () => {
    let saved = '';
    const tenantsFile = (h: { services: { options: { dataDir: string } } }) => join(h.services.options.dataDir, 'tenants.json');
    const { wrapper, host } = await open({
      seed: [PROD],
      // A tenant list cut short on disk: the vault refuses to read it, for real.
      before: async (h) => {
        saved = await readFile(tenantsFile(h), 'utf8');
        await writeFile(tenantsFile(h), saved.slice(0, 20));
      },
    });
    const alert = wrapper.find('[role=alert][data-error-code=internal]');
    expect(alert.text()).toContain('Could not load the tenants');
    expect(alert.text()).toContain('is damaged. Move it aside and add your tenants again');
    await writeFile(tenantsFile(host), saved);
    await alert.find('button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role=alert]').exists()).toBe(false);
    expect(rows(wrapper)).toHaveLength(1);
  });

  it('follows list changes pushed by main (another window, the CLI)', async () => {
    const { wrapper, host } = await open({ seed: [PROD] });
    // Main removes it (as for another window or the CLI); the real event source pushes the new list.
    await host.services.tenants.remove(host.ids[0]);
    await flushPromises();
    expect(wrapper.text()).toContain('No tenants yet');
  });
});

describe('TenantsView: adding a tenant', () => {
  it('maps validation issues from main to their fields and focuses the error summary', async () => {
    const { wrapper, host } = await open({ seed: [PROD] });
    await wrapper.find('form.tenant-add-form').trigger('submit');
    await flushPromises();

    const summary = wrapper.find('.error-summary');
    expect(summary.text()).toContain('There is a problem');
    expect(document.activeElement).toBe(summary.element);
    const name = field(wrapper, 'Name');
    expect(name.attributes('aria-invalid')).toBe('true');
    const nameError = wrapper.find(`#${name.attributes('id')}-error`);
    expect(nameError.text()).toBe('Give the tenant a name');
    expect(name.attributes('aria-describedby')).toContain(nameError.attributes('id'));
    expect(field(wrapper, 'Region').attributes('aria-invalid')).toBe('true');
    expect(field(wrapper, 'Tenant ID').attributes('aria-invalid')).toBe('true');
    expect(field(wrapper, 'Server API secret key').attributes('aria-invalid')).toBe('true');
    // Each summary line links to its field.
    const link = summary.find(`a[href="#${name.attributes('id')}"]`);
    expect(link.text()).toBe('Give the tenant a name');
    await link.trigger('click');
    expect(document.activeElement).toBe(name.element);
    // Nothing invalid reached the vault.
    expect(await secretsStored(host)).toBe(1);
  });

  it('shows a bad custom API URL on the URL field', async () => {
    const { wrapper } = await open({ seed: [] });
    await wrapper.find('input[type=radio][value=custom]').setValue(true);
    await field(wrapper, 'Server API URL').setValue('ftp://example.com/api');
    await field(wrapper, 'Name').setValue('Proxy');
    await field(wrapper, 'Tenant ID').setValue('t1');
    await typeSecret(wrapper, GOOD_SECRET);
    await wrapper.find('form.tenant-add-form').trigger('submit');
    await flushPromises();
    const url = field(wrapper, 'Server API URL');
    expect(url.attributes('aria-invalid')).toBe('true');
    expect(wrapper.find(`#${url.attributes('id')}-error`).text()).toMatch(/https:\/\/|\/v1/);
  });

  it('adds a tenant: the secret goes to main once, the field is emptied, the list shows the new row', async () => {
    const { wrapper, host } = await open({ seed: [PROD] });
    await field(wrapper, 'Name').setValue('Europe prod');
    // The connection test runs for real, so the tenant is the emulator at a custom API URL.
    await wrapper.find('input[type=radio][value=custom]').setValue(true);
    await field(wrapper, 'Server API URL').setValue(emulator.apiUrl);
    await field(wrapper, 'Tenant ID').setValue('tn-eu-2');
    const secret = await typeSecret(wrapper, GOOD_SECRET);
    await wrapper.find('form.tenant-add-form').trigger('submit');
    await flushPromises();

    const add = host.calls.find((c) => c.channel === 'tenants:add');
    expect(add?.input).toEqual({ name: 'Europe prod', apiUrl: emulator.apiUrl, tenantId: 'tn-eu-2', secret: GOOD_SECRET, testFirst: true, makeActive: true });
    expect(await host.keychain.get('europe-prod')).toBe(GOOD_SECRET);
    expect((secret.element as HTMLInputElement).value).toBe('');
    expect(rows(wrapper)).toHaveLength(2);
    const added = rows(wrapper)[1];
    expect(added.text()).toContain('Europe prod');
    expect(added.text()).toContain('Active');
    expect(added.text()).toContain(fingerprint(GOOD_SECRET));
    expect(wrapper.find('.status-notice').text()).toContain('“Europe prod” connected and saved');
    expect(field(wrapper, 'Name').element).toHaveProperty('value', '');
    expect(wrapper.html()).not.toContain(GOOD_SECRET);
  });

  it('can save without the test when the person turns it off', async () => {
    const { wrapper, host } = await open({ seed: [] });
    await field(wrapper, 'Name').setValue('Offline');
    await field(wrapper, 'Region').setValue('us');
    await field(wrapper, 'Tenant ID').setValue('t1');
    await typeSecret(wrapper, 'sk_not_tested_yet');
    await wrapper.find('input[type=checkbox]').setValue(false);
    expect(wrapper.find('button[type=submit]').text()).toBe('Add tenant');
    await wrapper.find('form.tenant-add-form').trigger('submit');
    await flushPromises();
    expect(host.calls.find((c) => c.channel === 'tenants:add')?.input).toMatchObject({ testFirst: false });
    expect(rows(wrapper)).toHaveLength(1);
  });

  it('shows a refused secret as an actionable error, and never renders the secret back', async () => {
    const BAD = 'sk_live_wrong_secret_never_shown';
    const { wrapper, host } = await open({ seed: [PROD] });
    await field(wrapper, 'Name').setValue('Wrong');
    // The emulator really refuses a wrong secret (401).
    await wrapper.find('input[type=radio][value=custom]').setValue(true);
    await field(wrapper, 'Server API URL').setValue(emulator.apiUrl);
    await field(wrapper, 'Tenant ID').setValue('t1');
    const secret = await typeSecret(wrapper, BAD);
    await wrapper.find('form.tenant-add-form').trigger('submit');
    await flushPromises();

    const summary = wrapper.find('.error-summary');
    expect(summary.attributes('data-error-code')).toBe('unauthorized');
    expect(summary.text()).toContain('The tenant refused the secret');
    expect(summary.text()).toContain('Check the secret and the region');
    expect(document.activeElement).toBe(summary.element);
    // SECURITY: the secret went to main once and is nowhere in the page afterwards.
    expect(host.calls.filter((c) => JSON.stringify(c.input).includes(BAD))).toHaveLength(1);
    expect((secret.element as HTMLInputElement).value).toBe('');
    expect(secret.attributes('value')).toBeUndefined();
    expect(wrapper.html()).not.toContain(BAD);
    expect(document.body.innerHTML).not.toContain(BAD);
    expect(await secretsStored(host)).toBe(1);
    // The other fields keep what the person typed.
    expect(field(wrapper, 'Name').element).toHaveProperty('value', 'Wrong');
  });

  it('marks the secret field write-only for the browser', async () => {
    const { wrapper } = await open({ seed: [] });
    const secret = field(wrapper, 'Server API secret key');
    expect(secret.attributes()).toMatchObject({ type: 'password', autocomplete: 'off', spellcheck: 'false' });
  });
});

describe('TenantsView: row actions', () => {
  it('makes a tenant active', async () => {
    const { wrapper, host } = await open({ seed: [PROD, STAGING] });
    await rows(wrapper)[1].findAll('button').find((b) => b.text().startsWith('Make active'))!.trigger('click');
    await flushPromises();
    expect(rows(wrapper)[1].text()).toContain('Active');
    expect((wrapper.find('.tenant-switcher select').element as HTMLSelectElement).value).toBe('staging');
    expect((await host.services.tenants.list()).activeId).toBe('staging');
  });

  it('tests a saved tenant and says how it went', async () => {
    const { wrapper } = await open({ seed: [answering('Production'), answering('Staging', 'sk_stage_wrong_value_5678')] });
    for (const row of rows(wrapper)) await row.findAll('button').find((b) => b.text().startsWith('Test'))!.trigger('click');
    await flushPromises();
    expect(rows(wrapper)[0].find('.row-test').text()).toMatch(/^Connected in \d+ ms\.$/);
    expect(rows(wrapper)[1].find('.row-test').text()).toContain('rejected the Server API secret (401)');
  });

  it('renames in a dialog; Escape closes it and gives focus back', async () => {
    const { wrapper } = await open({ seed: [PROD] });
    const button = rows(wrapper)[0].findAll('button').find((b) => b.text().startsWith('Rename'))!;
    (button.element as HTMLButtonElement).focus();
    await button.trigger('click');
    await flushPromises();
    const dialog = wrapper.find('dialog[open]');
    expect(dialog.find('h2').text()).toBe('Rename Production');
    const input = dialog.find('input');
    expect(document.activeElement).toBe(input.element);
    await dialog.trigger('keydown', { key: 'Escape' });
    await flushPromises();
    expect(wrapper.find('dialog[open]').exists()).toBe(false);
    expect(document.activeElement).toBe(button.element);

    await button.trigger('click');
    await flushPromises();
    await wrapper.find('dialog[open] input').setValue('Prod EU');
    await wrapper.find('dialog[open] form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('dialog[open]').exists()).toBe(false);
    expect(rows(wrapper)[0].text()).toContain('Prod EU');
  });

  it('rotates a secret: a refused one keeps the old secret and empties the field', async () => {
    const { wrapper, host } = await open({ seed: [answering('Production', PROD.secret)] });
    await rows(wrapper)[0].findAll('button').find((b) => b.text().startsWith('Rotate'))!.trigger('click');
    await flushPromises();
    await typeSecret(wrapper, 'sk_bad_rotation', 'New Server API secret key');
    await wrapper.find('dialog[open] form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('dialog[open] .error-summary').text()).toContain('The tenant refused the secret');
    expect(await host.keychain.get('production')).toBe(PROD.secret);
    expect(wrapper.html()).not.toContain('sk_bad_rotation');

    await typeSecret(wrapper, GOOD_SECRET, 'New Server API secret key');
    await wrapper.find('dialog[open] form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('dialog[open]').exists()).toBe(false);
    expect(await host.keychain.get('production')).toBe(GOOD_SECRET);
    expect(rows(wrapper)[0].text()).toContain(fingerprint(GOOD_SECRET));
  });

  it('removes only after confirmation, with Cancel focused first', async () => {
    const { wrapper, host } = await open({ seed: [PROD, STAGING] });
    await rows(wrapper)[1].findAll('button').find((b) => b.text().startsWith('Remove'))!.trigger('click');
    await flushPromises();
    const dialog = wrapper.find('dialog[open]');
    expect(dialog.find('h2').text()).toBe('Remove Staging?');
    expect((document.activeElement as HTMLElement).textContent).toBe('Cancel');
    await dialog.findAll('button').find((b) => b.text() === 'Cancel')!.trigger('click');
    await flushPromises();
    expect(rows(wrapper)).toHaveLength(2);
    expect(host.calls.some((c) => c.channel === 'tenants:remove')).toBe(false);

    await rows(wrapper)[1].findAll('button').find((b) => b.text().startsWith('Remove'))!.trigger('click');
    await flushPromises();
    await wrapper.findAll('dialog[open] button').find((b) => b.text() === 'Remove tenant')!.trigger('click');
    await flushPromises();
    expect(rows(wrapper)).toHaveLength(1);
    expect(await host.keychain.get('staging')).toBeNull();
  });

  it('offers no rename, rotation or removal for the built-in local tenant', async () => {
    const { wrapper } = await open({ seed: [LOCAL, PROD] });
    const labels = rows(wrapper)[0].findAll('button').map((b) => b.text());
    expect(labels.some((l) => l.startsWith('Remove') || l.startsWith('Rename') || l.startsWith('Rotate'))).toBe(false);
    expect(rows(wrapper)[0].text()).toContain('Local demo');
  });
});

describe('TenantsView: check readiness', () => {
  const tenantRows = (wrapper: VueWrapper) => wrapper.findAll('.tenant-table tbody tr');
  const button = (wrapper: VueWrapper, text: string) => wrapper.findAll('button').find((b) => b.text().startsWith(text));

  it('reads the tenant itself: what each configured method enables, and probes the tracked actions only when asked', async () => {
    const { wrapper, host } = await open({ seed: [LOCAL] });
    await tenantRows(wrapper)[0].findAll('button').find((b) => b.text().startsWith('Check readiness'))!.trigger('click');
    await flushPromises();
    const panel = wrapper.find('section.readiness');
    expect(panel.text()).toContain('Readiness of “Local tenant”');
    expect(panel.find('.readiness-status').text()).toContain('Ready.');
    expect(panel.find('[data-feature="guided-passkey"]').text()).toContain('Yes');
    expect(panel.find('[data-feature="guided-passkey"]').text()).toContain('PASSKEY');
    expect(panel.text()).toContain('Not probed');
    const calls = host.calls.filter((c) => c.channel === 'tenants:check-readiness');
    expect(calls.map((c) => c.input)).toEqual([{ id: 'local', probeActions: false }]);

    await button(wrapper, 'Also probe the tracked actions')!.trigger('click');
    await flushPromises();
    expect(wrapper.find('section.readiness').text()).toMatch(/authdesk-verify-caller.*expected CHALLENGE_REQUIRED, got CHALLENGE_REQUIRED/);
    expect(host.calls.filter((c) => c.channel === 'tenants:check-readiness').at(-1)?.input).toEqual({ id: 'local', probeActions: true });

    await button(wrapper, 'Close')!.trigger('click');
    expect(wrapper.find('section.readiness').exists()).toBe(false);
  });

  it('says a refused secret makes the tenant not ready, with the fix', async () => {
    const { wrapper } = await open({ seed: [answering('Refused', 'sk_wrong_secret_0000')] });
    await tenantRows(wrapper)[0].findAll('button').find((b) => b.text().startsWith('Check readiness'))!.trigger('click');
    await flushPromises();
    const panel = wrapper.find('section.readiness');
    expect(panel.find('.readiness-status').text()).toContain('Not ready');
    expect(panel.find('.readiness-advice').text()).toMatch(/rejected the Server API secret \(401\)/);
  });
});
