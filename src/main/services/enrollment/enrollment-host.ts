import type { TenantInfo } from '../tenants/ports';

/**
 * The seam between the enrollment service (plain Node) and whatever can show a window: the Electron
 * shell implements it with `openSandboxedWindow` (src/main/electron/enrollment-windows.ts), the
 * browser harness with a fresh Chromium context per window (test/harness/enrollment-host.ts), and
 * the CLI has none. The service decides what to open and what to accept back; the host only opens,
 * intercepts and closes.
 */

/** What the guided enroll page's bridge answers (`window.authdeskEnroll` in that window only). */
export interface GuidedBridge {
  /** The session the page reads (holds the user's short-lived token). */
  session(): unknown;
  /** The page says the user finished; `result` is untrusted. */
  complete(result: unknown): unknown;
  /** The page gave up or the agent cancelled. */
  cancel(reason: string): unknown;
}

/** One sandboxed enrollment window to open. */
export interface EnrollmentWindowRequest {
  /** `prebuilt`: the tenant's pre-built UI, no bridge. `guided`: Authdesk's enroll page with its bridge. */
  kind: 'prebuilt' | 'guided';
  /** The first page. For `prebuilt` it carries the user token (Authsignal's URL contract): never log it. */
  url: string;
  /** Origins the window may navigate to (the page's own, the tenant's API). */
  allowedOrigins: string[];
  /** Extra https origins the managed or team policy grants (`allowedEnrollmentOrigins`). */
  grantedOrigins?: readonly string[];
  /**
   * `prebuilt`: the `redirectUrl` given to `track`. A top-frame navigation to it (or below it) is
   * cancelled, its `token` query handed to `onRedirect`, and the window closed.
   */
  redirectUrl?: string;
  onRedirect?: (token: string | null) => void;
  /** `guided`: the page's bridge. */
  bridge?: GuidedBridge;
  /** Called once when the window is gone (closed by anyone) and its storage cleared. */
  onClosed: () => void;
  /** Window title. */
  title: string;
}

/** An open enrollment window. */
export interface EnrollmentWindowHandle {
  /** Closes it (its storage is cleared by the host); `onClosed` follows. */
  close(): void;
}

/** Where the guided page is served for a tenant, and whether WebAuthn can run there. */
export interface GuidedPageLocation {
  /** The enroll page's URL (no token in it: the token comes through the bridge). */
  url: string;
  /** Its origin (added to the window's allowed origins). */
  origin: string;
  /**
   * Whether the tenant's WebAuthn relying party accepts this page's origin (passkeys and security
   * keys can be enrolled there), and if not, why.
   */
  webauthn: { available: boolean; reason?: string };
}

/** What main needs from the shell to run enrollments in windows. */
export interface EnrollmentHost {
  /** Where the guided page runs for this tenant. */
  guidedPage(tenant: TenantInfo): GuidedPageLocation;
  /** Opens a sandboxed window. Throws an AppError when it cannot. */
  open(request: EnrollmentWindowRequest): EnrollmentWindowHandle;
}
