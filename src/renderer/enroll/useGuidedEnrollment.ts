/**
 * The guided enrollment flow (issue #5), owned in one place: the page's phase, the session read from
 * the enroll bridge, the @authsignal/browser client and every step's action. Each step component
 * (./steps) renders one phase and calls these actions; EnrollApp only picks the step.
 *
 * SECURITY: the user's token and an authenticator app's secret live in this page's memory only:
 * never logged, never stored, never put in a URL. The secret stays hidden until the agent reveals
 * it (to read it out when the user cannot scan the QR code), and is dropped when the step is left.
 */
import { Authsignal } from '@authsignal/browser';
import QRCode from 'qrcode';
import { computed, inject, nextTick, onBeforeUnmount, onMounted, ref, type InjectionKey } from 'vue';
import { METHOD_LABELS } from '@shared/domain/authsignal';
import { GuidedSession, PASSKEY_UNAVAILABLE, type GuidedMethod, type GuidedMethodOption } from '@shared/domain/enrollment';
import { enrollBridge } from './bridge';

export type Phase = 'loading' | 'unavailable' | 'choose' | 'contact' | 'code' | 'totp' | 'webauthn' | 'confirming' | 'done' | 'cancelled';

/** The phases in which the agent may still cancel the enrollment. */
const CANCELLABLE: readonly Phase[] = ['choose', 'contact', 'code', 'totp', 'webauthn'];

export const WHAT_TO_SAY_FIRST = 'Let’s set up a way for you to prove it’s you when you sign in. Which would you like?';

/** The method's name as the page shows it. */
export const methodLabel = (m: GuidedMethod): string => METHOD_LABELS[m];

/** The SDK's answer, or a thrown Error with the tenant's words. */
function unwrap<T>(response: { data?: T; error?: string; errorCode?: string; errorDescription?: string }): T {
  if (response.error || response.errorCode) {
    if (response.errorCode === 'expired_token') throw new Error('This enrollment session has expired. Close the window and start again from the console.');
    throw new Error(response.errorDescription ?? response.error ?? 'The tenant refused the request.');
  }
  if (response.data === undefined) throw new Error('The tenant sent no answer. Try again.');
  return response.data;
}

/** What to tell the agent when a step fails. */
function describeFailure(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  // WebAuthn failures (the user cancelled, a timeout) are thrown by the browser, not answered by the tenant.
  return name === 'NotAllowedError'
    ? 'The browser prompt was cancelled or timed out. Try again when the user is ready.'
    : name === 'InvalidStateError'
      ? 'This authenticator is already registered for the user. Use another one.'
      : error instanceof Error && error.message
        ? error.message
        : 'Something went wrong. Try again.';
}

/** Why WebAuthn cannot run in this window at all (checked before the agent tries). */
export const NO_WEBAUTHN_REASON = 'WebAuthn is not available in this window, so it cannot create a passkey or register a security key.';
/** Why a passkey cannot be created on this computer (no platform authenticator). */
export const NO_PLATFORM_AUTHENTICATOR_REASON =
  'This computer has no built-in passkey authenticator (fingerprint, face or screen lock) that this window can use.';

/**
 * Why this window cannot create a passkey (`method` PASSKEY) or register a security key, found
 * before trying; null when it looks possible (the prompt may still refuse).
 */
async function webauthnBlocker(method: GuidedMethod): Promise<string | null> {
  const pkc = (window as { PublicKeyCredential?: { isUserVerifyingPlatformAuthenticatorAvailable?: () => Promise<boolean> } }).PublicKeyCredential;
  if (!pkc || typeof navigator.credentials?.create !== 'function') return NO_WEBAUTHN_REASON;
  if (method !== 'PASSKEY' || typeof pkc.isUserVerifyingPlatformAuthenticatorAvailable !== 'function') return null;
  try {
    return (await pkc.isUserVerifyingPlatformAuthenticatorAvailable()) ? null : NO_PLATFORM_AUTHENTICATOR_REASON;
  } catch {
    return null;
  }
}

/** Owns the flow; call once, in the page's root component (it registers the mount/unmount hooks). */
export function useGuidedEnrollment() {
  const bridge = enrollBridge();
  const phase = ref<Phase>('loading');
  const session = ref<GuidedSession | null>(null);
  const method = ref<GuidedMethod | null>(null);
  const problem = ref<string | null>(null);
  const busy = ref(false);
  const contact = ref('');
  const code = ref('');
  const totp = ref<{ qr: string | null; secret: string } | null>(null);
  const revealed = ref(false);
  const added = ref<string[]>([]);
  /** Why this window cannot enroll the chosen WebAuthn method; the step then steers to the link. */
  const webauthnTrouble = ref<string | null>(null);
  /** The agent gave up on the window to send the user a link (said on the cancelled step). */
  const steeredToLink = ref(false);
  /** The current step's heading, focused on every step change (set by StepSection). */
  const heading = ref<HTMLElement | null>(null);
  const now = ref(Date.now());
  let client: Authsignal | null = null;
  let clock: ReturnType<typeof setInterval> | undefined;

  const secondsLeft = computed(() => (session.value ? Math.max(0, Math.ceil((Date.parse(session.value.expiresAt) - now.value) / 1000)) : 0));
  const timeLeft = computed(() => `${Math.floor(secondsLeft.value / 60)}:${String(secondsLeft.value % 60).padStart(2, '0')}`);
  const isEmail = computed(() => method.value === 'EMAIL_OTP');
  /** The methods the choose step offers, in order: the one place that decides what the agent may pick. */
  const methodOptions = computed<readonly GuidedMethodOption[]>(() => session.value?.methods ?? []);
  const cancellable = computed(() => session.value !== null && CANCELLABLE.includes(phase.value));

  async function go(next: Phase) {
    phase.value = next;
    await nextTick();
    heading.value?.focus();
  }

  function failed(error: unknown) {
    problem.value = describeFailure(error);
  }

  /**
   * Runs one step against the tenant: busy while it runs, the last problem cleared first, and a
   * failure shown as the problem (then handed to `onError` for what it says about this window).
   */
  async function attempt(step: (tenant: Authsignal) => Promise<void>, onError?: (error: unknown) => void) {
    if (!client) return;
    busy.value = true;
    problem.value = null;
    try {
      await step(client);
    } catch (error) {
      failed(error);
      onError?.(error);
    } finally {
      busy.value = false;
    }
  }

  onMounted(async () => {
    clock = setInterval(() => (now.value = Date.now()), 1000);
    if (!bridge) {
      phase.value = 'unavailable';
      return;
    }
    const answer = await bridge.session().catch(() => null);
    const parsed = answer?.ok ? GuidedSession.safeParse(answer.value) : null;
    if (!parsed?.success) {
      problem.value = answer && !answer.ok ? answer.error.message : 'This window has no enrollment session. Close it and start again from the console.';
      phase.value = 'unavailable';
      return;
    }
    session.value = parsed.data;
    client = new Authsignal({ tenantId: parsed.data.tenantId, baseUrl: parsed.data.baseUrl });
    client.setToken(parsed.data.token);
    await go('choose');
  });

  onBeforeUnmount(() => {
    clearInterval(clock);
    totp.value = null;
  });

  async function pick(option: GuidedMethodOption) {
    if (!option.available || !session.value || !client) return;
    problem.value = null;
    method.value = option.method;
    code.value = '';
    if (option.method === 'EMAIL_OTP') {
      contact.value = session.value.user.email ?? '';
      return go('contact');
    }
    if (option.method === 'SMS') {
      contact.value = session.value.user.phoneNumber ?? '';
      return go('contact');
    }
    if (option.method === 'AUTHENTICATOR_APP') return startTotp();
    webauthnTrouble.value = await webauthnBlocker(option.method);
    return go('webauthn');
  }

  async function sendContact() {
    if (!client || busy.value) return;
    const value = contact.value.trim();
    if (isEmail.value ? !/^[^\s@]+@[^\s@]+$/.test(value) : !/^\+[1-9]\d{6,14}$/.test(value)) {
      problem.value = isEmail.value ? 'Enter the email address the user gives you.' : 'Enter the mobile number in international format, such as +14155550123.';
      return;
    }
    await attempt(async (tenant) => {
      if (isEmail.value) unwrap(await tenant.email.enroll({ email: value }));
      else unwrap(await tenant.sms.enroll({ phoneNumber: value }));
      await go('code');
    });
  }

  async function startTotp() {
    revealed.value = false;
    await attempt(async (tenant) => {
      const answer = unwrap(await tenant.totp.enroll());
      let qr: string | null = null;
      try {
        qr = `data:image/svg+xml;base64,${btoa(await QRCode.toString(answer.uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }))}`;
      } catch {
        qr = null;
      }
      totp.value = { qr, secret: answer.secret };
      await go('totp');
    });
  }

  async function verifyCode() {
    if (!client || busy.value || !method.value) return;
    const digits = code.value.replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits)) {
      problem.value = 'Enter the six digits the user reads to you.';
      return;
    }
    await attempt(async (tenant) => {
      const answer =
        method.value === 'EMAIL_OTP'
          ? unwrap(await tenant.email.verify({ code: digits }))
          : method.value === 'SMS'
            ? unwrap(await tenant.sms.verify({ code: digits }))
            : unwrap(await tenant.totp.verify({ code: digits }));
      if (!answer.isVerified || !answer.token) {
        code.value = '';
        problem.value =
          answer.failureReason === 'MAX_ATTEMPTS_EXCEEDED'
            ? 'Too many wrong codes. Choose the method again to start over.'
            : method.value === 'AUTHENTICATOR_APP'
              ? 'That code is not right. Codes change every 30 seconds: ask for the one showing now.'
              : 'That code is not right or has expired. Ask the user to read it again.';
        return;
      }
      await finish(answer.token);
    });
  }

  async function startWebauthn() {
    if (!session.value || busy.value) return;
    const { user } = session.value;
    await attempt(
      async (tenant) => {
        const answer =
          method.value === 'PASSKEY'
            ? unwrap(await tenant.passkey.signUp({ username: user.username, displayName: user.label }))
            : unwrap(await tenant.securityKey.enroll());
        if (!answer.token) throw new Error('The tenant did not confirm the new authenticator. Try again.');
        await finish(answer.token);
      },
      (error) => {
        const name = error instanceof Error ? error.name : '';
        // The prompt was refused (or cancelled): in an Electron window that is often the platform.
        if (method.value === 'PASSKEY' && ['NotAllowedError', 'NotSupportedError', 'SecurityError'].includes(name)) {
          webauthnTrouble.value = `The passkey prompt was refused or cancelled in this window (${name}). If the user did not cancel it, this computer cannot create a passkey here.`;
        }
      },
    );
  }

  /** Hands the token to main; main validates it and closes this window when it is done. */
  async function finish(token: string) {
    if (!bridge || !method.value) return;
    await go('confirming');
    const answer = await bridge.complete({ method: method.value, token }).catch(() => null);
    if (!answer?.ok) {
      problem.value = answer ? answer.error.message : 'Authdesk did not answer. Close this window and check the console.';
      return go('choose');
    }
    const value = answer.value as { added?: { name?: string }[] } | null;
    added.value = (value?.added ?? []).map((a) => a.name ?? '').filter(Boolean);
    totp.value = null;
    await go('done');
  }

  async function cancel() {
    totp.value = null;
    await bridge?.cancel('cancelled').catch(() => null);
    await go('cancelled');
  }

  /** Ends this window so the agent sends the user the link for their own device instead. */
  async function sendLinkInstead() {
    totp.value = null;
    steeredToLink.value = true;
    await bridge?.cancel(PASSKEY_UNAVAILABLE).catch(() => null);
    await go('cancelled');
  }

  function back() {
    problem.value = null;
    totp.value = null;
    void go('choose');
  }

  function toggleSecret() {
    revealed.value = !revealed.value;
  }

  return {
    phase,
    session,
    method,
    problem,
    busy,
    contact,
    code,
    totp,
    revealed,
    added,
    webauthnTrouble,
    steeredToLink,
    heading,
    timeLeft,
    isEmail,
    methodOptions,
    cancellable,
    pick,
    sendContact,
    verifyCode,
    startWebauthn,
    cancel,
    sendLinkInstead,
    back,
    toggleSecret,
  };
}

export type GuidedEnrollment = ReturnType<typeof useGuidedEnrollment>;

/** How the root component hands the flow to its steps. */
export const GUIDED_ENROLLMENT: InjectionKey<GuidedEnrollment> = Symbol('guided-enrollment');

/** The flow, in a step component. */
export function useEnrollmentFlow(): GuidedEnrollment {
  const flow = inject(GUIDED_ENROLLMENT);
  if (!flow) throw new Error('A guided enrollment step must be rendered inside EnrollApp.');
  return flow;
}
