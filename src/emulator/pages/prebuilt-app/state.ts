import type { VerificationMethod } from '@shared/domain/authsignal';

/** An authenticator as the Client API returns it (contact details masked). */
export interface PageAuthenticator {
  userAuthenticatorId: string;
  verificationMethod: VerificationMethod;
  email?: string;
  phoneNumber?: string;
  webauthnCredential?: { name?: string };
}

/** What `/prebuilt/api/context` answers: the action, the user's authenticators, what may be enrolled. */
export interface PageContext {
  state?: string;
  actionCode?: string;
  redirectToSettings: boolean;
  redirectUrl?: string;
  authenticators: PageAuthenticator[];
  enrollableMethods: VerificationMethod[];
  username?: string;
  prefill: { email?: string; phoneNumber?: string };
}

/** Names of the methods the stand-in offers; other methods are not shown. */
export const LABELS: Partial<Record<VerificationMethod, string>> = {
  PASSKEY: 'Passkey',
  SECURITY_KEY: 'Security key',
  AUTHENTICATOR_APP: 'Authenticator app',
  EMAIL_OTP: 'Email code',
  EMAIL_MAGIC_LINK: 'Email link',
  SMS: 'Text message code',
  WHATSAPP: 'WhatsApp code',
};

/** A method's name on screen. */
export function label(method: VerificationMethod): string {
  return LABELS[method] ?? method;
}

/** Methods a user may hold more than one of. */
export const MULTI: Partial<Record<VerificationMethod, true>> = { PASSKEY: true, SECURITY_KEY: true };

const params = new URLSearchParams(location.search);
const popup = params.get('mode') === 'popup';
// SECURITY: the token came in the URL (Authsignal's contract); drop it from the address bar and history at once.
history.replaceState(null, '', location.pathname + (popup ? '?mode=popup' : ''));

function readTrustedOrigins(): string[] {
  try {
    const parsed: unknown = JSON.parse(document.body.getAttribute('data-trusted-origins') || '[]');
    return Array.isArray(parsed) ? parsed.filter((o): o is string => typeof o === 'string') : [];
  } catch {
    return [];
  }
}

/** The page's state: the current token (replaced by each verification's access token), the context and progress. */
export const page: {
  token: string;
  readonly popup: boolean;
  readonly trustedOrigins: readonly string[];
  ctx: PageContext | null;
  verified: boolean;
  pollTimer: ReturnType<typeof setInterval> | null;
} = {
  token: params.get('token') || '',
  popup,
  trustedOrigins: readTrustedOrigins(),
  ctx: null,
  verified: false,
  pollTimer: null,
};

/** The loaded context; screens are shown only after it arrived. */
export function context(): PageContext {
  if (!page.ctx) throw new Error('The page context has not loaded yet.');
  return page.ctx;
}
