import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import EnrollApp from '../../../src/renderer/enroll/EnrollApp.vue';
import type { EnrollBridge } from '../../../src/renderer/enroll/bridge';
import { guidedMethodOptions, METHODS_UNKNOWN_NOTE, PASSKEY_UNAVAILABLE, type GuidedSession } from '@shared/domain/enrollment';
import { until } from './support/mount-helpdesk';

// The guided enrollment page (src/renderer/enroll) as the agent sees it: the methods main offers
// (the tenant's configuration), and what it says when this window cannot create a passkey. Only
// the enroll bridge is played here (the preload, at the Electron boundary); what main puts in the
// session is proven over HTTP in test/integration/enrollment-service.test.ts.

let wrapper: VueWrapper | undefined;
const realPkc = (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;

afterEach(() => {
  wrapper?.unmount();
  wrapper = undefined;
  document.body.innerHTML = '';
  delete (window as { authdeskEnroll?: unknown }).authdeskEnroll;
  (window as { PublicKeyCredential?: unknown }).PublicKeyCredential = realPkc;
  // Drops the own property a test defined, so the prototype's (if any) shows again.
  delete (navigator as { credentials?: unknown }).credentials;
});

function session(active: ReadonlySet<string> | null): GuidedSession {
  return {
    sessionId: 'enr_test',
    token: 'token-not-real',
    tenantId: 'local-tenant',
    baseUrl: 'http://127.0.0.1:9/v1',
    user: { userId: 'usr_ada', label: 'Ada Lovelace', username: 'ada@example.com', email: 'ada@example.com' },
    firstEnrollment: true,
    methods: guidedMethodOptions(active),
    ...(active === null ? { methodsNote: METHODS_UNKNOWN_NOTE } : {}),
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
    localTenant: true,
  };
}

function open(s: GuidedSession) {
  const bridge = {
    session: vi.fn(() => Promise.resolve({ ok: true as const, value: s })),
    complete: vi.fn(() => Promise.resolve({ ok: true as const, value: null })),
    cancel: vi.fn(() => Promise.resolve({ ok: true as const, value: null })),
  } satisfies EnrollBridge;
  (window as { authdeskEnroll?: EnrollBridge }).authdeskEnroll = bridge;
  wrapper = mount(EnrollApp, { attachTo: document.body });
  return bridge;
}

const main = () => document.querySelector<HTMLElement>('main.enroll')!;
const methodButton = (m: string) => document.querySelector<HTMLButtonElement>(`button[data-method="${m}"]`)!;
const text = (el: Element | null) => el?.textContent?.replace(/\s+/g, ' ').trim() ?? '';

describe('the guided page offers what the tenant configured', () => {
  it('shows an unconfigured method disabled, with the reason tied to the button', async () => {
    open(session(new Set(['EMAIL_OTP', 'PASSKEY'])));
    await until(() => main().dataset.phase === 'choose');
    expect(methodButton('EMAIL_OTP').disabled).toBe(false);
    expect(methodButton('PASSKEY').disabled).toBe(false);
    for (const m of ['SMS', 'AUTHENTICATOR_APP', 'SECURITY_KEY']) {
      const b = methodButton(m);
      expect(b.disabled).toBe(true);
      expect(text(document.getElementById(b.getAttribute('aria-describedby')!))).toBe('Not configured for this tenant — enable it in the Authsignal portal.');
    }
    expect(document.querySelector('[data-testid="methods-note"]')).toBeNull();
  });

  it('offers every method with a visible note when main could not read the configuration', async () => {
    open(session(null));
    await until(() => main().dataset.phase === 'choose');
    for (const m of ['EMAIL_OTP', 'SMS', 'AUTHENTICATOR_APP', 'PASSKEY', 'SECURITY_KEY']) expect(methodButton(m).disabled).toBe(false);
    expect(text(document.querySelector('[data-testid="methods-note"]'))).toBe(METHODS_UNKNOWN_NOTE);
  });
});

describe('a window that cannot create a passkey steers to the link', () => {
  it('without WebAuthn: says why, offers no doomed prompt, and closes with the reason main turns into the steer', async () => {
    delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    const bridge = open(session(new Set(['EMAIL_OTP', 'PASSKEY'])));
    await until(() => main().dataset.phase === 'choose');
    methodButton('PASSKEY').click();
    await until(() => main().dataset.phase === 'webauthn');
    const steer = document.querySelector<HTMLElement>('[data-testid="webauthn-steer"]')!;
    expect(text(steer)).toContain('A passkey cannot be created here. WebAuthn is not available in this window');
    expect(text(steer)).toContain('Send the user the enrollment link instead');
    expect(document.querySelector('[data-testid="webauthn-start"]')).toBeNull();
    document.querySelector<HTMLButtonElement>('[data-testid="send-link-instead"]')!.click();
    await until(() => main().dataset.phase === 'cancelled');
    expect(bridge.cancel).toHaveBeenCalledWith(PASSKEY_UNAVAILABLE);
    expect(text(document.querySelector('[data-testid="steered-to-link"]'))).toContain('Create a link for their device');
  });

  it('with no platform authenticator: says so before the prompt, and still lets the agent try', async () => {
    (window as { PublicKeyCredential?: unknown }).PublicKeyCredential = { isUserVerifyingPlatformAuthenticatorAvailable: () => Promise.resolve(false) };
    Object.defineProperty(navigator, 'credentials', { configurable: true, value: { create: () => Promise.resolve(null), get: () => Promise.resolve(null) } });
    open(session(new Set(['PASSKEY'])));
    await until(() => main().dataset.phase === 'choose');
    methodButton('PASSKEY').click();
    await until(() => main().dataset.phase === 'webauthn');
    expect(text(document.querySelector('[data-testid="webauthn-steer"]'))).toContain('This computer has no built-in passkey authenticator');
    expect(text(document.querySelector('[data-testid="webauthn-start"]'))).toBe('Try anyway');
  });
});
