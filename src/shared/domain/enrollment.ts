import { z } from 'zod';
import { IsoTimestamp } from './fields';
import { VerificationStamp } from './audit';

/**
 * Enrollment (issue #5): getting a user a (first or another) authenticator, three ways:
 * - `prebuilt-window`: Authsignal's pre-built UI in a sandboxed window on the agent's machine;
 * - `guided-window`: Authdesk's own enroll page (src/renderer/enroll) in a sandboxed window, with
 *   @authsignal/browser and a script telling the agent what to say at each step;
 * - `link`: the pre-built UI link for the user to open on their own device.
 * These are the shapes that cross IPC and the enroll window's bridge.
 */

/** How long a link (and any `track` token) stays usable: Authsignal's token lifetime. */
export const ENROLLMENT_LINK_LIFETIME_MS = 10 * 60 * 1000;

/** The three ways to enroll. */
export const ENROLLMENT_MODES = ['prebuilt-window', 'guided-window', 'link'] as const;
export const EnrollmentMode = z.enum(ENROLLMENT_MODES);
export type EnrollmentMode = z.infer<typeof EnrollmentMode>;

/** Where an enrollment stands. `open`: the window is open or the link is waiting. */
export const ENROLLMENT_STATUSES = ['open', 'completed', 'cancelled', 'failed', 'expired'] as const;
export const EnrollmentStatus = z.enum(ENROLLMENT_STATUSES);
export type EnrollmentStatus = z.infer<typeof EnrollmentStatus>;

/** Methods the guided page enrolls. */
export const GUIDED_METHODS = ['EMAIL_OTP', 'SMS', 'AUTHENTICATOR_APP', 'PASSKEY', 'SECURITY_KEY'] as const;
export const GuidedMethod = z.enum(GUIDED_METHODS);
export type GuidedMethod = z.infer<typeof GuidedMethod>;

/** An authenticator an enrollment added (no contact details: the method and a display name). */
export const EnrolledAuthenticator = z.object({
  id: z.string(),
  method: z.string(),
  name: z.string(),
});
export type EnrolledAuthenticator = z.infer<typeof EnrolledAuthenticator>;

/** One enrollment as the console sees it. */
export const EnrollmentView = z.object({
  id: z.string(),
  userId: z.string(),
  mode: EnrollmentMode,
  status: EnrollmentStatus,
  /** The user had no authenticator when it started. */
  firstEnrollment: z.boolean(),
  startedAt: IsoTimestamp,
  /** When the user's token (and so the window or link) stops working. */
  expiresAt: IsoTimestamp,
  endedAt: IsoTimestamp.optional(),
  /**
   * Link mode: the pre-built UI URL for the user's device. Only in the answer that creates it (it
   * carries the user's short-lived token, Authsignal's URL contract); never stored.
   */
  link: z.string().optional(),
  /**
   * Link mode, while open: what the tenant says so far. `waiting`: not opened or not finished;
   * `challenge-passed`: an enrolled user passed the challenge and may be adding one now.
   */
  progress: z.enum(['waiting', 'challenge-passed']).optional(),
  /** What the enrollment added (found by comparing the authenticator list before and after). */
  added: z.array(EnrolledAuthenticator),
  /** Why it failed, in words the agent can act on. */
  failure: z.string().optional(),
  /** The caller verification that covered it, when there was one. */
  verification: VerificationStamp.optional(),
});
export type EnrollmentView = z.infer<typeof EnrollmentView>;

/** Whether one way to enroll can be used now, and if not, why. */
export const EnrollmentModeAvailability = z.object({
  available: z.boolean(),
  reason: z.string().optional(),
});
export type EnrollmentModeAvailability = z.infer<typeof EnrollmentModeAvailability>;

/** What the console may offer to enroll a user, decided by main from fresh data and the policy. */
export const EnrollmentOptions = z.object({
  userId: z.string(),
  enrolled: z.boolean(),
  /** The tenant's policy requires a verified caller before enrolling. */
  verificationRequired: z.boolean(),
  /** The live verification that would cover an enrollment now. */
  verification: VerificationStamp.nullable(),
  actionCode: z.string(),
  modes: z.object({
    'prebuilt-window': EnrollmentModeAvailability,
    'guided-window': EnrollmentModeAvailability,
    link: EnrollmentModeAvailability,
  }),
  /** Guided page: can passkeys and security keys be enrolled there (the tenant's rpID accepts the page)? */
  webauthnInGuided: EnrollmentModeAvailability,
  /** The enrollment still open for this user, if any. */
  current: EnrollmentView.nullable(),
  /** The guided page's methods as this tenant's configuration allows them (not the window's WebAuthn). */
  methods: z.array(z.lazy(() => GuidedMethodOption)).optional(),
  /** Set when the tenant's configuration could not be read ({@link METHODS_UNKNOWN_NOTE}). */
  methodsNote: z.string().optional(),
});
export type EnrollmentOptions = z.infer<typeof EnrollmentOptions>;

/** Why a method the tenant has not switched on is not offered (the guided page, the panels). */
export const NOT_CONFIGURED_REASON = 'Not configured for this tenant — enable it in the Authsignal portal.';

/**
 * Said wherever methods are offered when the tenant's configuration (`GET /authenticators`) could
 * not be read: everything is offered, as before, and some may be refused by the tenant.
 */
export const METHODS_UNKNOWN_NOTE =
  'Authdesk could not read which methods this tenant has configured, so it offers them all; the tenant may refuse one it has not switched on.';

/** The guided page's cancel reason when the window cannot create a passkey (the agent sends a link instead). */
export const PASSKEY_UNAVAILABLE = 'passkey-unavailable';

/** What the console says after {@link PASSKEY_UNAVAILABLE}: the way on is the link for the user's own device. */
export const PASSKEY_UNAVAILABLE_STEER =
  'This computer could not create a passkey in the enrollment window. Create a link for their device: the user sets up the passkey on their own phone or computer.';

/** One method on the guided page: whether it can be used now, and if not, why. */
export const GuidedMethodOption = z.object({ method: GuidedMethod, ...EnrollmentModeAvailability.shape });
export type GuidedMethodOption = z.infer<typeof GuidedMethodOption>;

/**
 * What the guided enroll page reads from its bridge (`authdeskEnroll.session()`). It holds the
 * user's short-lived token: it lives in that sandboxed window's memory only.
 */
export const GuidedSession = z.object({
  sessionId: z.string(),
  /** The `track` token (scoped `add:authenticators` when the user already has an authenticator). */
  token: z.string(),
  /** For `new Authsignal({ tenantId, baseUrl })`. */
  tenantId: z.string(),
  /** The Client API base URL (the tenant's API URL, ending in /v1). */
  baseUrl: z.string(),
  user: z.object({
    userId: z.string(),
    /** Name to address the user by. */
    label: z.string(),
    /** What a passkey is registered under. */
    username: z.string(),
    /** Known contact details, offered as defaults (the caller is verified by now). */
    email: z.string().optional(),
    phoneNumber: z.string().optional(),
  }),
  firstEnrollment: z.boolean(),
  methods: z.array(GuidedMethodOption),
  /** Set when the tenant's configuration could not be read ({@link METHODS_UNKNOWN_NOTE}). */
  methodsNote: z.string().optional(),
  expiresAt: IsoTimestamp,
  /** The local tenant runs on this machine: say so on the page. */
  localTenant: z.boolean(),
});
export type GuidedSession = z.infer<typeof GuidedSession>;

/**
 * What the guided page reports when the user finished a method. Untrusted: main validates the
 * token with the Server API and checks the authenticator list itself.
 */
export const GuidedCompletion = z
  .object({
    method: GuidedMethod,
    /** The token the last successful verify returned. */
    token: z.string().min(1).max(8000),
  })
  .strict();
export type GuidedCompletion = z.infer<typeof GuidedCompletion>;

const WEBAUTHN_GUIDED_METHODS: ReadonlySet<GuidedMethod> = new Set(['PASSKEY', 'SECURITY_KEY']);

/**
 * The guided methods as offered: a method the tenant has not switched on is shown disabled with
 * {@link NOT_CONFIGURED_REASON}; `active === null` (the configuration could not be read) offers all.
 * `webauthn` says whether passkeys and security keys can run in the window at all.
 */
export function guidedMethodOptions(
  active: ReadonlySet<string> | null,
  webauthn: EnrollmentModeAvailability = { available: true },
): GuidedMethodOption[] {
  return GUIDED_METHODS.map((method) =>
    active !== null && !active.has(method)
      ? { method, available: false, reason: NOT_CONFIGURED_REASON }
      : WEBAUTHN_GUIDED_METHODS.has(method) && !webauthn.available
        ? { method, available: false, reason: webauthn.reason }
        : { method, available: true },
  );
}
