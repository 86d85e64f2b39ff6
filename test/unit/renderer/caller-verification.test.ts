import type { VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_VERIFICATION_METHODS } from '../../../src/emulator/actions';
import { mountHelpdesk, until } from './support/mount-helpdesk';
import { createServicePlatform, type ServicePlatform } from './support/service-platform';

// The caller verification and enrollment panels of the user view (issue #5), mounted in the whole
// console over the real services, router and a real emulator (no enrollment windows here: this host
// is not the desktop app, so only links are offered).

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

const verification = () => document.querySelector<HTMLElement>('[data-testid="caller-verification"]')!;
const enrollment = () => document.querySelector<HTMLElement>('[data-testid="enrollment"]')!;
const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ') ?? '';

async function openUser(userId: string) {
  const m = await mountHelpdesk(host, `/users/${encodeURIComponent(userId)}`);
  mounted = m.wrapper;
  await until(() => !!verification()?.querySelector('.choose, [data-testid="verification-live"]') && !!enrollment()?.querySelector('button[data-mode]'));
}

function button(root: ParentNode, name: RegExp): HTMLButtonElement {
  const b = [...root.querySelectorAll<HTMLButtonElement>('button')].find((x) => name.test(x.textContent ?? ''));
  if (!b) throw new Error(`no button ${name}`);
  return b;
}

function type(input: HTMLInputElement | HTMLTextAreaElement, value: string) {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

describe('caller verification in the user view', () => {
  it('shows only masked contacts before the caller is verified, and keeps enrollment closed', async () => {
    await openUser('usr_katherine');
    expect(verification().dataset.state).toBe('unverified');
    expect(text(verification())).toContain('This tenant requires a verified caller');
    const send = button(verification(), /Email a code to k•••••••e@example\.com/);
    expect(send.dataset.targetMethod).toBe('email-otp');
    expect(document.body.innerHTML).not.toContain('katherine@example.com');
    for (const b of enrollment().querySelectorAll<HTMLButtonElement>('button[data-mode]')) expect(b.disabled).toBe(true);
    expect(text(enrollment())).toContain('Not now: Verify the caller first');
  });

  it('sends a code, refuses a wrong one, accepts the right one, then shows the countdown and the full contacts', async () => {
    await openUser('usr_katherine');
    // The outbox straight from the emulator's store (happy-dom's fetch would apply CORS to its HTTP form).
    const outbox = () => host.emulator.store.listOutbox('katherine@example.com');
    const before = outbox().length;
    button(verification(), /Email a code/).click();
    await until(() => !!verification().querySelector('[data-testid="verification-code"]'));
    const input = verification().querySelector<HTMLInputElement>('input[inputmode="numeric"]')!;
    await until(() => document.activeElement === input);
    expect(text(verification())).toContain('Say: “I’ve sent a six-digit code to k•••••••e@example.com');
    // Nothing is being checked while the code is out: the badge says what is happening, in a live region.
    const state = verification().querySelector<HTMLElement>('[data-testid="verification-status"]')!;
    expect(state.getAttribute('role')).toBe('status');
    expect(text(state)).toBe('Code sent: waiting for the caller');
    expect(text(verification())).not.toContain('Checking…');
    await until(() => outbox().length > before);
    const code = outbox()[0].code;

    type(input, code === '000000' ? '111111' : '000000');
    button(verification(), /Check the code/).click();
    await until(() => text(verification()).includes('That code is not right'));
    expect(verification().dataset.state).toBe('pending');

    type(input, code!);
    button(verification(), /Check the code/).click();
    await until(() => verification().dataset.state === 'verified');
    const timer = verification().querySelector<HTMLElement>('[role="timer"]')!;
    expect(Number(timer.dataset.secondsLeft)).toBeGreaterThan(590);
    expect(timer.getAttribute('aria-label')).toMatch(/^Verification: (10 min 0|9 min \d+) s left$/);
    // Main shows the full address now, and the link (the one way this host offers) opens.
    await until(() => text(document.querySelector('section.profile')).includes('katherine@example.com'));
    await until(() => !enrollment().querySelector<HTMLButtonElement>('button[data-mode="link"]')!.disabled);
    expect(enrollment().querySelector<HTMLButtonElement>('button[data-mode="prebuilt-window"]')!.disabled).toBe(true);
    expect(text(enrollment())).toContain('Enrollment windows need the Authdesk desktop app');

    // A link for her device: QR code, an email to her, the countdown; then stop watching it.
    enrollment().querySelector<HTMLButtonElement>('button[data-mode="link"]')!.click();
    await until(() => !!enrollment().querySelector('[data-testid="link-share"] img'));
    const share = enrollment().querySelector('[data-testid="link-share"]')!;
    expect(share.querySelector<HTMLInputElement>('[data-testid="share-link"]')!.value).toContain('/prebuilt/start?token=');
    expect(share.querySelector('img')!.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(share.querySelector<HTMLAnchorElement>('a[href^="mailto:"]')!.textContent).toContain('Email it to katherine@example.com');
    expect(text(enrollment().querySelector('[data-testid="link-status"]'))).toContain('Waiting for the user');

    // A reload re-attaches to the open link: the same link, its QR code, the timer and the state (issue #14 point 6).
    const sent = share.querySelector<HTMLInputElement>('[data-testid="share-link"]')!.value;
    mounted?.unmount();
    document.body.innerHTML = '';
    mounted = (await mountHelpdesk(host, '/users/usr_katherine')).wrapper;
    await until(() => !!enrollment()?.querySelector('[data-testid="link-share"] img'), 10_000);
    expect(enrollment().querySelector<HTMLInputElement>('[data-testid="share-link"]')!.value).toBe(sent);
    expect(text(enrollment().querySelector('[data-testid="link-status"]'))).toContain('Waiting for the user');
    expect(enrollment().querySelector('[role="timer"]')).not.toBeNull();
    button(enrollment(), /Stop watching/).click();
    await until(() => enrollment().dataset.state === 'cancelled');
    expect(enrollment().querySelector('[data-testid="share-link"]')).toBeNull();

    // Ending the verification masks the contacts again.
    button(verification(), /End verification/).click();
    await until(() => verification().dataset.state === 'unverified');
    await until(() => text(document.querySelector('section.profile')).includes('k•••••••e@example.com'));
    expect(document.body.innerHTML).not.toContain('katherine@example.com');
  });

  it('takes the ticket of the call once and carries it on every entry of the verification and the enrollment', async () => {
    await openUser('usr_katherine');
    const ticket = verification().querySelector<HTMLInputElement>('[data-testid="call-ticket"]')!;
    expect(ticket.labels?.[0]?.textContent).toMatch(/Ticket for this call/);
    type(ticket, 'INC-4242');
    const outbox = () => host.emulator.store.listOutbox('katherine@example.com');
    const before = outbox().length;
    button(verification(), /Email a code/).click();
    await until(() => !!verification().querySelector('[data-testid="verification-code"]'));
    await until(() => outbox().length > before);
    const input = verification().querySelector<HTMLInputElement>('input[inputmode="numeric"]')!;
    type(input, outbox()[0].code!);
    button(verification(), /Check the code/).click();
    await until(() => verification().dataset.state === 'verified');
    // The helpdesk's own check reads as the helpdesk's, not as the user signing in (issue #14 point 5).
    const helpdeskRows = () => [...document.querySelectorAll('table.actions tr[data-by="helpdesk"]')];
    await until(() => helpdeskRows().some((r) => text(r).includes('Helpdesk verification (Authdesk)')));
    const own = helpdeskRows().find((r) => text(r).includes('Helpdesk verification (Authdesk)'))!;
    expect(text(own)).toContain('authdesk-verify-caller');
    expect(text(own)).toContain('Challenge succeeded');
    const email = document.querySelector('tr[data-method="EMAIL_OTP"] td.last-used')!;
    expect(text(email)).toContain('by the helpdesk check (Authdesk), not the user');
    expect(text(email.querySelector('.own-use'))).toMatch(/User's own last use: 6 days ago/);
    await until(() => !enrollment().querySelector<HTMLButtonElement>('button[data-mode="link"]')!.disabled);
    enrollment().querySelector<HTMLButtonElement>('button[data-mode="link"]')!.click();
    await until(() => !!enrollment().querySelector('[data-testid="link-share"] img'));
    button(enrollment(), /Stop watching/).click();
    await until(() => enrollment().dataset.state === 'cancelled');
    button(verification(), /End verification/).click();
    await until(() => verification().dataset.state === 'unverified');

    const page = await host.services.audit.query({ text: 'INC-4242', userId: 'usr_katherine', limit: 50 });
    const actions = page.entries.map((e) => e.action).reverse();
    expect(actions).toEqual(expect.arrayContaining(['verification.start', 'verification.succeed', 'enrollment.link-create', 'enrollment.cancel', 'verification.expire']));
    for (const entry of page.entries) expect(entry.details.ticket).toBe('INC-4242');
  });

  it("offers only the methods the tenant has configured, and says so when its configuration cannot be read", async () => {
    host.emulator.setActiveMethods(['EMAIL_OTP', 'AUTHENTICATOR_APP']);
    host.services.configuredMethods.forget();
    try {
      await openUser('auth0|5f1b2c3d4e');
      const sms = verification().querySelector<HTMLButtonElement>('button[data-target-method="sms-otp"]')!;
      expect(sms.disabled).toBe(true);
      const why = document.getElementById(sms.getAttribute('aria-describedby')!)!;
      expect(text(why)).toBe('Not configured for this tenant — enable it in the Authsignal portal.');
      expect(verification().querySelector<HTMLButtonElement>('button[data-target-method="email-otp"]')!.disabled).toBe(false);
      expect(text(enrollment().querySelector('[data-testid="guided-methods"]'))).toBe('On this tenant: Email code, Authenticator app.');
      expect(text(enrollment().querySelector('[data-testid="guided-not-configured"]'))).toBe(
        'SMS code, Passkey, Security key: Not configured for this tenant — enable it in the Authsignal portal.',
      );
      expect(document.querySelector('[data-testid="methods-note"]')).toBeNull();
      mounted?.unmount();

      host.emulator.setActiveMethods(null);
      host.services.configuredMethods.forget();
      await openUser('auth0|5f1b2c3d4e');
      expect(verification().querySelector<HTMLButtonElement>('button[data-target-method="sms-otp"]')!.disabled).toBe(false);
      expect(text(verification().querySelector('[data-testid="methods-note"]'))).toMatch(/could not read which methods this tenant has configured, so it offers them all/);
      expect(text(enrollment().querySelector('[data-testid="methods-note"]'))).toMatch(/could not read which methods/);
      expect(enrollment().querySelector('[data-testid="guided-not-configured"]')).toBeNull();
    } finally {
      host.emulator.setActiveMethods(TENANT_VERIFICATION_METHODS);
      host.services.configuredMethods.forget();
    }
  });

  it('asks for an account of the offline check for a user with nothing enrolled', async () => {
    await openUser('usr_nobody');
    const offline = verification().querySelector<HTMLElement>('[data-testid="verification-offline"]')!;
    expect(text(offline)).toContain('Unverifiable: follow your offline procedure');
    const note = offline.querySelector('textarea')!;
    type(note, 'too short');
    button(offline, /Record the offline check/).click();
    await until(() => note.getAttribute('aria-invalid') === 'true');
    expect(document.activeElement).toBe(note);
    expect(text(offline)).toContain('at least 20 characters');
    type(note, 'Manager confirmed the request by phone call-back.');
    button(offline, /Record the offline check/).click();
    await until(() => verification().dataset.state === 'verified');
    expect(text(verification())).toContain('Caller verified by offline procedure');
    const page = await host.services.audit.query({ action: ['verification.offline'], userId: 'usr_nobody', limit: 5 });
    expect(page.entries[0].details.note).toBe('Manager confirmed the request by phone call-back.');
  });
});
