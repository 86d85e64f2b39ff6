/**
 * The Content-Security-Policy of every page Authdesk serves itself: the console and the guided
 * enroll page over app://, and the guided page over the local page server. Here (no 'electron'
 * import) so the Electron protocol handler and the Node page server send the same policy.
 */
export function buildPageCsp(connectSrc: readonly string[] = []): string {
  return [
    // SECURITY: nothing loads unless listed; scripts only from our own bundle, never inline or eval.
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectSrc].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
