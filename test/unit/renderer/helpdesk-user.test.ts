import type { VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { absoluteTime, relativeTime } from '@console/components/user/time-format';
import { mountHelpdesk, until } from './support/mount-helpdesk';
import { createServicePlatform, type ServicePlatform } from './support/service-platform';

let host: ServicePlatform;
let mounted: VueWrapper | undefined;

beforeAll(async () => {
  host = await createServicePlatform();
});
afterAll(() => host.close());
afterEach(() => {
  mounted?.unmount();
  mounted = undefined;
  document.body.innerHTML = '';
});

async function openUser(userId: string) {
  const m = await mountHelpdesk(host, `/users/${encodeURIComponent(userId)}`);
  mounted = m.wrapper;
  await until(() => !!document.querySelector('#profile-title') || !!document.querySelector('[role="alert"]'));
  return m;
}

const rows = () => [...document.querySelectorAll<HTMLElement>('tr[data-authenticator-id]')];
const dialog = () => document.querySelector<HTMLDialogElement>('dialog[open]');
function fill(label: RegExp, value: string) {
  const l = [...dialog()!.querySelectorAll('label')].find((x) => label.test(x.textContent ?? ''));
  const input = (l?.htmlFor ? document.getElementById(l.htmlFor) : l?.querySelector('input')) as HTMLInputElement | HTMLTextAreaElement;
  if (!input) throw new Error(`no field ${label}`);
  if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = true;
  else input.value = value;
  input.dispatchEvent(new Event(input instanceof HTMLInputElement && input.type === 'checkbox' ? 'change' : 'input', { bubbles: true }));
}
function click(text: RegExp, root: ParentNode = document) {
  const b = [...root.querySelectorAll<HTMLButtonElement>('button')].find((x) => text.test(x.textContent ?? ''));
  if (!b) throw new Error(`no button ${text}`);
  b.click();
}

describe('the user view', () => {
  it('shows the profile, every authenticator with its provider, and last use both ways', async () => {
    await openUser('google-oauth2|103920485761234567890');
    expect(document.querySelector('h1')?.textContent).toBe('Tim Berners-Lee');
    const [passkey] = rows();
    expect(passkey.dataset.method).toBe('PASSKEY');
    // The credential as the user knows it, then its provider (issue #14 point 1).
    expect(passkey.querySelector('.auth-name')?.textContent).toBe('Passkey (Pixel 8)');
    expect(passkey.querySelector('.auth-provider')?.textContent).toBe('Google Password Manager');
    expect(passkey.textContent).toContain('Synced passkey');
    const time = passkey.querySelector('td.last-used time')!;
    const iso = time.getAttribute('datetime')!;
    expect(Date.parse(iso)).not.toBeNaN();
    expect(time.textContent).toContain(relativeTime(iso));
    expect(time.textContent).toContain(absoluteTime(iso));
  });

  it('names two passkeys of one provider by their own names, and every Remove button uniquely', async () => {
    await openUser('usr_many');
    const names = rows().map((r) => r.querySelector('.auth-name')?.textContent);
    expect(names).toContain('Passkey (MacBook Pro)');
    expect(names).toContain('Passkey (iPhone)');
    const apple = rows().filter((r) => r.querySelector('.auth-provider')?.textContent === 'Apple Passwords');
    expect(apple).toHaveLength(2);
    const labels = rows().map((r) => r.querySelector('td.actions button')!.getAttribute('aria-label'));
    expect(labels).toContain('Remove Passkey (MacBook Pro)');
    expect(new Set(labels).size).toBe(labels.length);
    // Demo data agrees with itself: passkeys last used days ago show those sign-ins in Activity (issue #14 point 9).
    const activity = [...document.querySelectorAll('table.actions tr[data-by="user"]')].map((r) => r.textContent ?? '');
    expect(activity.filter((t) => t.includes('Passkey')).length).toBeGreaterThanOrEqual(2);
  });

  it('shows the actions of the last 30 days with their states', async () => {
    await openUser('usr_locked');
    const table = document.querySelector('table.actions')!;
    expect(table.textContent).toContain('Challenge failed');
    expect(table.textContent).toContain('Block');
  });

  it('shows the empty state for an id Authsignal knows nothing about', async () => {
    await openUser('usr_nobody');
    expect(document.body.textContent).toContain('Authsignal holds nothing for this id');
  });

  it('shows a loading state, then an error with a retry when the tenant fails', async () => {
    host.emulator.setFaults({ errorRate: 1 });
    try {
      await openUser('usr_alan');
      expect(document.querySelector('[role="alert"]')?.textContent).toContain('Could not load this user');
    } finally {
      host.emulator.setFaults({ errorRate: 0 });
    }
    click(/Try again/);
    await until(() => !!document.querySelector('#profile-title'));
  });
});

describe('removing an authenticator', () => {
  // These tests are about the removal dialog and main's guardrails; caller verification, which the
  // tenant policy requires before a removal by default, has its own tests (verification-*.test.ts).
  beforeAll(() => host.services.settings.update({ tenantPolicies: { local: { requireCallerVerification: false } } }));
  afterAll(() => host.services.settings.update({ tenantPolicies: { local: null } }));

  it('requires reason, ticket, acknowledgement and typed confirmation, warns on the last one, then offers to revoke sessions', async () => {
    await openUser('usr_margaret');
    expect(rows()).toHaveLength(1);
    click(/Remove…/, rows()[0]);
    await until(() => !!dialog());
    const warning = dialog()!.querySelector('[data-testid="removal-warning"]')!;
    expect(warning.getAttribute('role')).toBe('alert');
    expect(warning.textContent).toContain('last authenticator');
    expect(warning.textContent).toContain('Verified phone +14155550124');
    expect(document.activeElement?.tagName).toBe('TEXTAREA');

    click(/^Remove$/, dialog()!);
    await until(() => !!dialog()!.querySelector('.error-summary'));
    const summary = dialog()!.querySelector('.error-summary')!.textContent;
    expect(summary).toContain('at least 10 characters');
    expect(summary).toContain('ticket reference');
    expect(summary).toContain('read the warning');
    expect(summary).toContain('Type the user id or REMOVE');
    expect(host.calls.some((c) => c.channel === 'authenticators:remove')).toBe(false);

    fill(/Reason/, 'Phone stolen, caller verified by manager');
    fill(/Ticket/, 'INC-2001');
    fill(/I have read the warning/, '');
    fill(/Type the user id/, 'usr_margaret');
    click(/^Remove$/, dialog()!);
    await until(() => !!document.querySelector('[data-testid="removal-done"]'));
    expect(dialog()).toBeNull();
    const done = document.querySelector('[data-testid="removal-done"]')!;
    expect(done.textContent).toContain('INC-2001');
    expect(done.textContent).toMatch(/audit log as entry #\d+/);
    expect(document.body.textContent).toContain('No authenticators');
    const call = host.calls.find((c) => c.channel === 'authenticators:remove');
    expect(call?.input).toMatchObject({ acknowledgedWarnings: ['last-authenticator'], ticket: 'INC-2001' });

    click(/Revoke the user's sessions/);
    await until(() => !!dialog());
    const reason = dialog()!.querySelector('textarea')!;
    expect(reason.value).toBe('Phone stolen, caller verified by manager');
    // revokeUserSessions ends only sessions Authsignal issued: the dialog promises no more than that.
    expect(dialog()!.textContent).toMatch(/Ends every session Authsignal issued/);
    expect(dialog()!.textContent).toMatch(/own apps manage without Authsignal sessions are not affected/);
    expect(dialog()!.textContent).not.toMatch(/signed out everywhere|out of every session/);
    click(/^Revoke sessions$/, dialog()!);
    await until(() => !dialog());
    const page = await host.services.audit.query({ action: ['authenticator.remove', 'sessions.revoke'], limit: 5 });
    expect(page.entries.map((e) => e.action)).toEqual(['sessions.revoke', 'authenticator.remove']);
    expect(page.entries[1].details).toMatchObject({ reason: 'Phone stolen, caller verified by manager', ticket: 'INC-2001' });
  });

  it('on a typo says what is wrong in place, moves focus there, and lists what the user keeps (issue #14 point 4)', async () => {
    await openUser('usr_many');
    const removals = () => host.calls.filter((c) => c.channel === 'authenticators:remove').length;
    const before = removals();
    const row = rows().find((r) => r.querySelector('.auth-name')?.textContent === 'Passkey (iPhone)')!;
    click(/Remove…/, row);
    await until(() => !!dialog());
    const keeps = dialog()!.querySelector('[data-testid="user-keeps"]')!;
    expect(keeps.querySelector('.paths-title')?.textContent).toBe('The user keeps:');
    const kept = [...keeps.querySelectorAll('ul > li')].map((li) => li.textContent);
    expect(kept.length).toBeGreaterThan(2);
    expect(kept).toContain('Passkey (MacBook Pro)');
    fill(/Reason/, 'Lost iPhone, caller verified by manager');
    fill(/Ticket/, 'INC-2003');
    fill(/Type the user id/, 'usr_mnay');
    click(/^Remove$/, dialog()!);
    await until(() => !!dialog()!.querySelector('.field-error'));
    await until(() => document.activeElement instanceof HTMLInputElement);
    const input = document.activeElement as HTMLInputElement;
    expect(input.value).toBe('usr_mnay');
    const message = document.getElementById(input.getAttribute('aria-describedby')!.split(' ').find((id) => document.getElementById(id)?.classList.contains('field-error'))!)!.textContent;
    expect(message).toContain('"usr_mnay" is not this user\'s id (usr_many)');
    expect(message).not.toContain('Type the user id or REMOVE to confirm');
    expect(removals()).toBe(before);
  });

  it('removes all authenticators the agent saw, with the last-authenticator warning', async () => {
    await openUser('usr_stale');
    const ids = rows().map((r) => r.dataset.authenticatorId);
    expect(ids).toHaveLength(2);
    click(/Remove all authenticators/);
    await until(() => !!dialog());
    expect(dialog()!.querySelector('h2')?.textContent).toBe('Remove all 2 authenticators');
    expect(dialog()!.querySelector('[data-testid="removal-warning"] [data-warning]')?.getAttribute('data-warning')).toBe('last-authenticator');
    fill(/Reason/, 'Account compromised, re-enrolling from scratch');
    fill(/Ticket/, 'SEC-77');
    fill(/I have read the warning/, '');
    fill(/Type the user id/, 'usr_stale');
    click(/^Remove all$/, dialog()!);
    await until(() => !!document.querySelector('[data-testid="removal-done"]'));
    expect(document.querySelector('#removed-title')?.textContent).toContain('Removed 2 authenticators');
    const call = host.calls.find((c) => c.channel === 'authenticators:remove-all');
    expect((call?.input as { expectedAuthenticatorIds: string[] }).expectedAuthenticatorIds.sort()).toEqual([...ids].sort());
  });

  it('shows main\'s refusal when the list changed under the agent, with a way to reload', async () => {
    await openUser('usr_katherine');
    const [only] = rows();
    // Someone else removes it meanwhile (the tenant changes under the open view).
    host.emulator.store.removeAuthenticator('usr_katherine', only.dataset.authenticatorId!);
    click(/Remove…/, only);
    await until(() => !!dialog());
    fill(/Reason/, 'Caller asked to remove the email code');
    fill(/Ticket/, 'INC-2002');
    fill(/I have read the warning/, '');
    fill(/Type the user id/, 'REMOVE');
    click(/^Remove$/, dialog()!);
    await until(() => !!dialog()!.querySelector('.error-summary'));
    expect(dialog()!.querySelector('.error-summary')!.textContent).toContain('no longer there');
    click(/Reload the user/, dialog()!);
    await until(() => !dialog() && document.body.textContent.includes('No authenticators'));
  });
});
