import { app, shell, type Event, type Session, type WebContents } from 'electron';
import { APP_ORIGIN, originOf } from './origin';

/**
 * Hosts the OS browser may be asked to open. Anything else a page links to is simply refused.
 * SECURITY: exact hostnames, https only: `shell.openExternal` hands a URL to the OS, which would
 * happily run `file:`, `smb:` or custom-scheme handlers.
 */
export const EXTERNAL_HOST_ALLOWLIST: ReadonlySet<string> = new Set([
  'docs.authsignal.com',
  'portal.authsignal.com',
  'www.authsignal.com',
]);

/** Where a web contents may navigate, and whether a navigation is a redirect it wants instead. */
export interface NavigationPolicy {
  /** Origins (`scheme://host[:port]`) the web contents may navigate its frames to. */
  readonly allowedOrigins: ReadonlySet<string>;
  /**
   * Called before the origin check for every navigation and redirect. Returning true cancels the
   * navigation: the policy owner has taken it (the enrollment windows' redirect interception).
   */
  readonly intercept?: (url: string) => boolean;
  /**
   * May hand `mailto:` links to the OS mail client (the console's "email the enrollment link").
   * SECURITY: only the console sets it; a page in a sandboxed enrollment window cannot open the
   * agent's mail client, and a message still needs the agent to press send.
   */
  readonly mailto?: boolean;
  /**
   * Told about every navigation the policy cancelled, with only the target's origin (never the
   * URL, which may carry a user token) and where it happened. The enrollment windows log it, so an
   * admin can see which origin a real pre-built UI needed and allow it.
   */
  readonly onBlocked?: (blocked: BlockedNavigation) => void;
}

/** A navigation the policy cancelled: the target's origin only, never its URL. */
export interface BlockedNavigation {
  /** `scheme://host[:port]`, or the bare scheme (`file:`, `javascript:`) when it has no origin. */
  origin: string;
  /** What tried to navigate: the top frame, an embedded frame, or a server redirect. */
  kind: 'top-frame' | 'frame' | 'redirect';
}

/** The origin of a URL as a log may show it: never a path, query or fragment. */
export function loggableOrigin(url: string): string {
  const origin = originOf(url);
  if (origin !== null) return origin;
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(url);
  return scheme ? scheme[1].toLowerCase() : '(not a URL)';
}

// Keyed by the web contents itself so a policy dies with its window.
const policies = new WeakMap<WebContents, NavigationPolicy>();
const hardenedSessions = new WeakSet<Session>();

/** Sets where `contents` may navigate. Without a policy, a web contents may navigate nowhere. */
export function setNavigationPolicy(contents: WebContents, policy: NavigationPolicy): void {
  policies.set(contents, policy);
}

/** True when `url` is an https URL on an allowlisted host, with no credentials or odd port. */
export function isExternalUrlAllowed(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    EXTERNAL_HOST_ALLOWLIST.has(parsed.hostname)
  );
}

/**
 * The one way Authdesk opens a URL in the OS browser. Returns whether it did.
 * SECURITY: only allowlisted https URLs; the URL is re-serialised from its parsed form so what the
 * OS receives is exactly what was checked.
 */
export async function openExternalSafe(url: string): Promise<boolean> {
  if (!isExternalUrlAllowed(url)) return false;
  // electronegativity-ignore: OPEN_EXTERNAL_JS_CHECK -- the one call site: exact-host https allowlist checked just above, URL re-serialised from its parse
  await shell.openExternal(new URL(url).href);
  return true;
}

/**
 * Opens a `mailto:` URL in the OS mail client. Returns whether it did.
 * SECURITY: the mailto: scheme only, re-serialised from its parse, so no other handler is reached.
 */
export async function openMailtoSafe(url: string): Promise<boolean> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'mailto:') return false;
  // electronegativity-ignore: OPEN_EXTERNAL_JS_CHECK -- mailto: only, checked just above, re-serialised from its parse; reached only from the console (NavigationPolicy.mailto)
  await shell.openExternal(parsed.href);
  return true;
}

/**
 * The one permission any page gets: writing sanitized text to the clipboard (the "copy link" and
 * "copy code" buttons), and only for the top frame of our own app:// pages.
 * SECURITY: write-only and sanitized, so nothing can be read back; no page of another origin and
 * no embedded frame gets even that.
 */
function isGranted(permission: string, requestingUrl: string | undefined, isMainFrame: boolean | undefined): boolean {
  return permission === 'clipboard-sanitized-write' && isMainFrame === true && requestingUrl !== undefined && originOf(requestingUrl) === APP_ORIGIN;
}

/**
 * The one download allowed: an export (coverage report CSV/JSON) the console page built itself as a
 * `blob:` of our own origin, saved through a save dialog.
 * SECURITY: the blob's origin and the downloading page must both be our app origin, so neither a
 * remote URL nor a page of another origin (an enrollment window) can drop a file on the disk.
 */
export function isConsoleExport(downloadUrl: string, pageUrl: string): boolean {
  return downloadUrl.startsWith(`blob:${APP_ORIGIN}/`) && originOf(pageUrl) === APP_ORIGIN;
}

/**
 * Deny-all permission handlers (but {@link isGranted}) and cancelled downloads (but {@link isConsoleExport}) on a session. Idempotent.
 * SECURITY: nothing else Authdesk does needs a web permission (WebAuthn needs none in Electron), so
 * a compromised or hostile page gets no camera, microphone, notifications, clipboard reads, HID…
 */
export function hardenSession(ses: Session): void {
  if (hardenedSessions.has(ses)) return;
  hardenedSessions.add(ses);
  ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isGranted(permission, details.requestingUrl, details.isMainFrame)),
  );
  ses.setPermissionCheckHandler((_contents, permission, origin, details) =>
    isGranted(permission, details.requestingUrl ?? origin, details.isMainFrame),
  );
  ses.setDevicePermissionHandler(() => false);
  ses.on('will-download', (event, item, contents) => {
    if (isConsoleExport(item.getURL(), contents.getURL())) {
      // The person picks where the export goes; nothing is written without that choice.
      item.setSaveDialogOptions({ title: 'Save export', defaultPath: item.getFilename() });
      return;
    }
    // SECURITY: no other download at all: no remote file, and nothing from an enrollment window.
    event.preventDefault();
  });
}

function isNavigationAllowed(contents: WebContents, url: string): boolean {
  const policy = policies.get(contents);
  const origin = originOf(url);
  return policy !== undefined && origin !== null && policy.allowedOrigins.has(origin);
}

/** Applies the policy to one navigation; returns true when it was cancelled. */
function guardNavigation(
  contents: WebContents,
  event: Event,
  url: string,
  frame: { isMainFrame: boolean; openAllowedExternally: boolean; redirect?: boolean },
): boolean {
  const policy = policies.get(contents);
  // SECURITY: only the top frame's navigation counts as the flow's redirect, not an embedded frame's.
  if (frame.isMainFrame && policy?.intercept?.(url)) {
    event.preventDefault();
    return true;
  }
  if (isNavigationAllowed(contents, url)) return false;
  // SECURITY: a window never leaves its allowed origins; a click on a docs link goes to the OS browser.
  event.preventDefault();
  // SECURITY: only the origin is reported; the URL may hold a user token.
  policy?.onBlocked?.({ origin: loggableOrigin(url), kind: frame.redirect ? 'redirect' : frame.isMainFrame ? 'top-frame' : 'frame' });
  if (frame.openAllowedExternally) {
    if (policy?.mailto && /^mailto:/i.test(url)) void openMailtoSafe(url);
    else void openExternalSafe(url);
  }
  return true;
}

/**
 * The single guard every web contents gets the moment it is created (windows, sandboxed windows,
 * anything a future feature adds): navigation limited to its policy's origins, no new windows, no
 * <webview>, hardened session. Call before the first window; calling again is harmless.
 */
export function installWebContentsGuard(): void {
  if (app.listeners('web-contents-created').includes(guardWebContents)) return;
  app.on('web-contents-created', guardWebContents);
}

function guardWebContents(_event: Event, contents: WebContents): void {
  hardenSession(contents.session);

  // SECURITY: main-frame navigations the page starts (links, location changes, form posts).
  contents.on('will-navigate', (event) => {
    guardNavigation(contents, event, event.url, { isMainFrame: true, openAllowedExternally: true });
  });
  // SECURITY: every frame, so an iframe cannot be steered off-origin either.
  contents.on('will-frame-navigate', (event) => {
    guardNavigation(contents, event, event.url, { isMainFrame: event.isMainFrame, openAllowedExternally: false });
  });
  // SECURITY: a server redirect must not carry an allowed navigation to a foreign origin.
  contents.on('will-redirect', (event) => {
    guardNavigation(contents, event, event.url, { isMainFrame: event.isMainFrame, openAllowedExternally: false, redirect: true });
  });

  // SECURITY: window.open / target=_blank never creates a window; allowlisted docs open in the OS browser.
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalSafe(url);
    return { action: 'deny' };
  });

  // SECURITY: webviewTag is off everywhere; this also stops one smuggled in by a future change.
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
