import type { BrowserWindow } from 'electron';
import type { EnrollmentHost, EnrollmentWindowHandle, EnrollmentWindowRequest, GuidedPageLocation } from '../services/enrollment/enrollment-host';
import type { TenantInfo } from '../services/tenants/tenants.service';
import { windowOrigins } from '../services/policy/enrollment-origins';
import { APP_ORIGIN } from './origin';
import { openSandboxedWindow } from './sandboxed-window';

/** Options of {@link createElectronEnrollmentHost}. */
export interface ElectronEnrollmentHostOptions {
  /**
   * The loopback server of the guided page for the local tenant (`http://localhost:<port>`), or
   * null when it could not start (the local tenant then uses the app:// page, without WebAuthn).
   */
  localGuidedPage: { url: string; origin: string } | null;
  /** The console window, as the enrollment windows' parent. */
  parent: () => BrowserWindow | null;
}

/** Why a hosted tenant's passkeys cannot be enrolled on Authdesk's own page. */
export const HOSTED_WEBAUTHN_REASON =
  "Passkeys and security keys are bound to the tenant's own web domain (its WebAuthn relying party ID), and Authdesk's page is not on it, so the browser refuses. Use the pre-built UI for passkeys and security keys.";

/**
 * The enrollment windows of the desktop app: each request becomes one `openSandboxedWindow` (a
 * fresh in-memory partition, sandboxed and context-isolated, navigation limited to the page's and
 * the tenant API's origins, no new windows, every permission denied, storage cleared on close).
 * The pre-built UI gets no preload; the guided page only the enroll bridge.
 */
export function createElectronEnrollmentHost(options: ElectronEnrollmentHostOptions): EnrollmentHost {
  return {
    guidedPage(tenant: TenantInfo): GuidedPageLocation {
      if (tenant.kind === 'local' && options.localGuidedPage) {
        return { ...options.localGuidedPage, webauthn: { available: true } };
      }
      return {
        url: `${APP_ORIGIN}/enroll/index.html`,
        origin: APP_ORIGIN,
        webauthn: {
          available: false,
          reason: tenant.kind === 'local' ? 'The local page server did not start; use the pre-built UI for passkeys and security keys.' : HOSTED_WEBAUTHN_REASON,
        },
      };
    },
    open(request: EnrollmentWindowRequest): EnrollmentWindowHandle {
      const parent = options.parent();
      const handle = openSandboxedWindow({
        url: request.url,
        // SECURITY: the policy's granted origins join the window's own, re-checked as https.
        allowedOrigins: windowOrigins(request.allowedOrigins, request.grantedOrigins),
        // SECURITY: the pre-built UI runs with no preload at all; the guided page gets the 3-function bridge.
        preload: request.kind === 'guided' ? 'enroll' : null,
        enroll: request.kind === 'guided' ? request.bridge : undefined,
        interceptRedirectPrefix: request.kind === 'prebuilt' ? request.redirectUrl : undefined,
        onRedirect: request.onRedirect ? (redirect) => request.onRedirect!(redirect.token) : undefined,
        onClosed: request.onClosed,
        title: request.title,
        parent: parent && !parent.isDestroyed() ? parent : null,
      });
      return { close: () => handle.close() };
    },
  };
}
