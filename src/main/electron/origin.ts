/** The custom scheme the renderer is served from (registered as privileged before `ready`). */
export const APP_SCHEME = 'app';
/** The only host of {@link APP_SCHEME}; everything we ship lives under it. */
export const APP_HOST = 'authdesk';
/** The console's origin. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * `scheme://host[:port]` of a URL, or null when it has none or cannot be parsed.
 *
 * WHATWG `URL.origin` is the string "null" for non-special schemes such as `app:`, so origins are
 * compared in this spelled-out form everywhere (navigation guard, IPC sender check, allowlists).
 * Userinfo is dropped, so `https://docs.authsignal.com@evil.example` yields `https://evil.example`.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!parsed.host) return null;
  return `${parsed.protocol}//${parsed.host}`;
}

/** True for `http://127.0.0.1[:port]` and `http://localhost[:port]`: the local tenant and the dev server. */
export function isLoopbackHttp(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' && (parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost' || parsed.hostname === '[::1]');
  } catch {
    return false;
  }
}
