import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { appendFile, mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConsoleHost } from './support/console-host';
import { closeConsoles, mountConsole } from './support/mount-console';

// The Settings view over the real router and services (vault, keychain, settings and audit log over
// a throwaway data dir), so validation comes from the channel's zod schema, every saved change can
// be read back from the audit log, and failures are real ones in the data dir.

let mounted: VueWrapper | undefined;
afterEach(() => {
  mounted?.unmount();
  mounted = undefined;
  document.body.innerHTML = '';
});
afterAll(closeConsoles);

const PROD = { name: 'Production', region: 'eu' as const, tenantId: 'tn-prod', secret: 'sk_prod_value_1234' };
const STAGING = { name: 'Staging', region: 'us' as const, tenantId: 'tn-stage', secret: 'sk_stage_value_5678' };

async function open(options: Parameters<typeof mountConsole>[0] = {}) {
  const m = await mountConsole({ path: '/settings/general', seed: [PROD, STAGING], ...options });
  mounted = m.wrapper;
  // The real settings service reads a file: wait for its answer, whatever it is.
  await settle(() => !m.wrapper.text().includes('Loading'));
  return m;
}

function field(wrapper: VueWrapper, label: string) {
  const l = wrapper.findAll('label').find((x) => x.text().trim() === label);
  if (!l) throw new Error(`no label ${label}`);
  const input = wrapper.find(`#${l.attributes('for')}`);
  if (!input.exists()) throw new Error(`label ${label} points at nothing`);
  return input;
}

const policyBox = (wrapper: VueWrapper, tenantId: string) => wrapper.find(`li[data-tenant-id="${tenantId}"] input[type=checkbox]`);

/** Settles the round trips (the real services write files, so a few macrotask turns are needed). */
async function settle(until: () => boolean) {
  for (let i = 0; i < 100 && !until(); i++) {
    await flushPromises();
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(until()).toBe(true);
}

/** The audit log as main has it, through the same platform the console uses. */
async function auditEntries(host: ConsoleHost) {
  const page = await host.platform.audit.list({ action: ['settings.update'], limit: 50 });
  if (!page.ok) throw new Error(page.error.message);
  return page.value.entries;
}

describe('SettingsView', () => {
  it('sits in the Settings section of the navigation next to Tenants, and announces its title', async () => {
    const { wrapper } = await open();
    const group = wrapper.findAll('.nav-group').find((g) => g.find('.nav-heading').text() === 'Settings');
    const labels = group?.findAll('a').map((a) => a.text()) ?? [];
    // Order matters (Tenants first, General right after); later settings pages may follow.
    expect(labels.slice(0, 2)).toEqual(['Tenants', 'General']);
    expect(wrapper.find('h1').text()).toBe('Settings');
    expect(document.title).toContain('Settings');
  });

  it('shows the loading state, then the saved settings with their defaults', async () => {
    let release!: () => void;
    const { wrapper } = await mountConsole({
      path: '/settings/general',
      seed: [PROD],
      before: (host) => (release = host.hold('settings:get')),
    });
    mounted = wrapper;
    expect(wrapper.find('.loading-state[role=status]').text()).toContain('Loading settings');
    release();
    await settle(() => wrapper.find('form[id^="settings-"]').exists());
    expect((field(wrapper, 'Your name in the audit log').element as HTMLInputElement).value).toBe('');
    expect((field(wrapper, 'Stale after (days)').element as HTMLInputElement).value).toBe('180');
    expect((field(wrapper, 'Enrollment action code').element as HTMLInputElement).value).toBe('authdesk-enroll');
    // Caller verification is on by default.
    expect((policyBox(wrapper, 'production').element as HTMLInputElement).checked).toBe(true);
  });

  it('says what failed when the settings cannot be loaded, and retries', async () => {
    const { wrapper, host } = await open({
      // A settings "file" that is a folder cannot be read: a real read error, not a parse error.
      before: (host) => mkdir(join(host.services.options.dataDir, 'settings.json')),
    });
    const alert = wrapper.find('[role=alert]');
    expect(alert.text()).toContain('Could not load the settings');
    expect(alert.text()).toContain('Authdesk could not read its settings file');
    await rmdir(join(host.services.options.dataDir, 'settings.json'));
    await alert.findAll('button').find((b) => b.text() === 'Try again')!.trigger('click');
    await settle(() => wrapper.find('form[id^="settings-"]').exists());
  });

  it('saves the agent name, the stale threshold and the action code, announces it, and the audit log records it under the new name', async () => {
    const { wrapper, host } = await open();
    await field(wrapper, 'Your name in the audit log').setValue('Ada Lovelace');
    await field(wrapper, 'Stale after (days)').setValue('90');
    await field(wrapper, 'Enrollment action code').setValue('helpdesk_enroll-2');
    await wrapper.find('form[id^="settings-"]').trigger('submit');
    await settle(() => wrapper.find('.status-notice').text().includes('Settings saved'));
    expect(wrapper.find('.status-notice').attributes('aria-live')).toBe('polite');
    expect(wrapper.find('.status-notice').text()).toContain('recorded in the audit log');

    const saved = await host.platform.settings.get({});
    expect(saved).toMatchObject({ ok: true, value: { agentName: 'Ada Lovelace', staleAfterDays: 90, enrollmentActionCode: 'helpdesk_enroll-2' } });
    const [entry] = await auditEntries(host);
    expect(entry.actor.agentName).toBe('Ada Lovelace');
    expect(entry.details).toMatchObject({ changes: expect.arrayContaining([{ setting: 'staleAfterDays', from: 180, to: 90 }]) as unknown });
  });

  it('maps main’s validation issues to the fields by path, links them from the summary and focuses it', async () => {
    const { wrapper, host } = await open();
    await field(wrapper, 'Stale after (days)').setValue('0');
    await field(wrapper, 'Enrollment action code').setValue(`${'a'.repeat(64)}b`);
    await wrapper.find('form[id^="settings-"]').trigger('submit');
    await settle(() => wrapper.find('.error-summary').exists());

    const summary = wrapper.find('.error-summary');
    expect(summary.attributes('role')).toBe('alert');
    expect(document.activeElement).toBe(summary.element);
    const days = field(wrapper, 'Stale after (days)');
    const code = field(wrapper, 'Enrollment action code');
    expect(days.attributes('aria-invalid')).toBe('true');
    expect(code.attributes('aria-invalid')).toBe('true');
    expect(document.getElementById(days.attributes('aria-describedby')!.split(' ').at(-1)!)?.textContent).toMatch(/at least 1 day/);
    expect(document.getElementById(code.attributes('aria-describedby')!.split(' ').at(-1)!)?.textContent).toMatch(/64 characters/);
    // Each summary line is a link to its field.
    const links = summary.findAll('a');
    expect(links.map((a) => a.attributes('href'))).toEqual([`#${days.attributes('id')}`, `#${code.attributes('id')}`]);
    await links[1].trigger('click');
    expect(document.activeElement).toBe(code.element);
    // Nothing was saved or recorded.
    expect(await auditEntries(host)).toEqual([]);

    // Characters Authsignal refuses in an action code are refused too.
    await code.setValue('enroll now!');
    await days.setValue('30');
    await wrapper.find('form[id^="settings-"]').trigger('submit');
    await settle(() => (wrapper.find('.error-summary').exists() ? wrapper.find('.error-summary').text().includes('only letters') : false));
    expect(days.attributes('aria-invalid')).toBeUndefined();
  });

  it('refuses an empty stale threshold before sending anything', async () => {
    const { wrapper, host } = await open();
    await field(wrapper, 'Stale after (days)').setValue('');
    const before = host.calls.filter((c) => c.channel === 'settings:update').length;
    await wrapper.find('form[id^="settings-"]').trigger('submit');
    await flushPromises();
    expect(wrapper.find('.error-summary').text()).toContain('Enter a whole number of days');
    expect(host.calls.filter((c) => c.channel === 'settings:update')).toHaveLength(before);
  });

  it('asks before turning caller verification off, says it is recorded, and keeps it on when the agent backs out', async () => {
    const { wrapper, host } = await open();
    const box = policyBox(wrapper, 'production');
    (box.element as HTMLInputElement).focus();
    await box.setValue(false);
    const dialog = wrapper.find('dialog[open]');
    expect(dialog.exists()).toBe(true);
    expect(dialog.text()).toContain('Turn off caller verification for Production?');
    expect(dialog.text()).toContain('recorded in the audit log');
    // The safe choice has focus, and the box still shows what is saved.
    expect((document.activeElement as HTMLElement).textContent).toBe('Keep it on');
    expect((box.element as HTMLInputElement).checked).toBe(true);
    await dialog.findAll('button').find((b) => b.text() === 'Keep it on')!.trigger('click');
    await flushPromises();
    expect(wrapper.find('dialog[open]').exists()).toBe(false);
    expect(host.calls.some((c) => c.channel === 'settings:update')).toBe(false);
    expect(await host.platform.settings.get({})).toMatchObject({ ok: true, value: { tenantPolicies: {} } });
  });

  it('turns verification off for one tenant once confirmed (recorded against that tenant), and back on without asking', async () => {
    const { wrapper, host } = await open();
    await policyBox(wrapper, 'production').setValue(false);
    await wrapper
      .find('dialog[open]')
      .findAll('button')
      .find((b) => b.text() === 'Turn off verification')!
      .trigger('click');
    await settle(() => wrapper.find('.status-notice').text().includes('off for “Production”'));
    expect((policyBox(wrapper, 'production').element as HTMLInputElement).checked).toBe(false);
    expect((policyBox(wrapper, 'staging').element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.find('li[data-tenant-id="production"]').text()).toContain('without verifying the caller');
    expect(await host.platform.settings.get({})).toMatchObject({ ok: true, value: { tenantPolicies: { production: { requireCallerVerification: false } } } });
    const [off] = await auditEntries(host);
    expect(off.tenant).toEqual({ id: 'production', name: 'Production' });
    expect(off.details).toMatchObject({ changes: [{ setting: 'tenantPolicies.production.requireCallerVerification', from: true, to: false }] });

    await policyBox(wrapper, 'production').setValue(true);
    expect(wrapper.find('dialog[open]').exists()).toBe(false);
    await settle(() => wrapper.find('.status-notice').text().includes('required again for “Production”'));
    expect((policyBox(wrapper, 'production').element as HTMLInputElement).checked).toBe(true);
    expect(await auditEntries(host)).toHaveLength(2);
  });

  it('shows a policy change main refused next to its tenant, focused, and leaves the box as saved', async () => {
    const { wrapper, host } = await open();
    // An append cut off by a crash: the log refuses to record more, so the change is refused for real.
    await appendFile(join(host.services.options.dataDir, 'audit', 'audit.jsonl'), '{"seq":99,"at":');
    await policyBox(wrapper, 'staging').setValue(false);
    await wrapper
      .find('dialog[open]')
      .findAll('button')
      .find((b) => b.text() === 'Turn off verification')!
      .trigger('click');
    await settle(() => wrapper.find('li[data-tenant-id="staging"] [role=alert]').exists());
    const alert = wrapper.find('li[data-tenant-id="staging"] [role=alert]');
    expect(alert.text()).toContain('The audit log ends with an incomplete entry');
    expect(document.activeElement?.contains(alert.element)).toBe(true);
    expect((policyBox(wrapper, 'staging').element as HTMLInputElement).checked).toBe(true);
  });

  it('says when there is no tenant to set a policy for', async () => {
    const { wrapper } = await open({ seed: [] });
    expect(wrapper.find('.policy-list').exists()).toBe(false);
    expect(wrapper.text()).toContain('No tenants yet');
  });
});

describe('roles and the policy in force (issue #12)', () => {
  async function withPolicy(policy: Record<string, unknown>, account: string) {
    const { mkdtemp, writeFile, chmod } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'settings-policy-'));
    const file = join(dir, 'policy.json');
    await writeFile(file, JSON.stringify(policy));
    await chmod(file, 0o644);
    return open({ policy: { file, account } });
  }
  const navLabels = (wrapper: VueWrapper) => wrapper.findAll('.app-nav a').map((a) => a.text());

  it('an agent: no Coverage in the navigation, verification locked on, each key with its source and lock', async () => {
    const { wrapper } = await withPolicy(
      { securityAdmins: ['alice'], requireCallerVerification: true, requireTicketId: true, allowedTenants: ['production', 'staging'], allowedEnrollmentOrigins: ['https://assets.example.com'] },
      'bob',
    );
    await settle(() => wrapper.find('[data-policy-key="requireTicketId"]').exists());
    expect(navLabels(wrapper)).not.toContain('Coverage');
    expect(wrapper.find('.policy-role').text()).toMatch(/helpdesk agent \(as bob\)/);
    const row = (key: string) => wrapper.find(`[data-policy-key="${key}"]`).text();
    expect(row('requireCallerVerification')).toMatch(/On\s*Locked by the managed policy/);
    expect(row('requireTicketId')).toMatch(/On\s*Locked by the managed policy/);
    expect(row('allowedTenants')).toMatch(/production, staging\s*Locked by the managed policy/);
    expect(row('requireTeamStore')).toMatch(/Off\s*Default/);
    // Grants (loosenings) are shown too; only a managed file the agent cannot write grants them.
    const grants = wrapper.find('[data-policy-grants]').text();
    if (process.getuid?.() === 0) expect(grants).toMatch(/may also load:\s*https:\/\/assets\.example\.com/);
    else expect(grants).toMatch(/no other origin/);
    expect(grants).toMatch(/Plaintext to a team store on another computer: refused/);
    const box = wrapper.find('li[data-tenant-id] input[type=checkbox]');
    expect(box.attributes('disabled')).toBeDefined();
    expect((box.element as HTMLInputElement).checked).toBe(true);
    expect(wrapper.find('li[data-tenant-id] .policy-state').text()).toMatch(/Locked by the managed policy/);
  });

  it('an agent without a locking key still cannot turn verification off; the admin named in the policy can, and sees Coverage', async () => {
    const agent = await withPolicy({ securityAdmins: ['alice'] }, 'bob');
    await settle(() => agent.wrapper.find('.policy-role').exists());
    expect(agent.wrapper.find('li[data-tenant-id] input[type=checkbox]').attributes('disabled')).toBeDefined();
    expect(agent.wrapper.find('li[data-tenant-id] .policy-state').text()).toMatch(/Only a security admin can turn this off/);
    agent.wrapper.unmount();
    const admin = await withPolicy({ securityAdmins: ['alice'] }, 'alice');
    mounted = admin.wrapper;
    await settle(() => admin.wrapper.find('.policy-role').exists() && navLabels(admin.wrapper).includes('Coverage'));
    expect(admin.wrapper.find('.policy-role').text()).toMatch(/security admin \(as alice\)/);
    expect(admin.wrapper.find('li[data-tenant-id] input[type=checkbox]').attributes('disabled')).toBeUndefined();
  });
});
