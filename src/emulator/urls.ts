/**
 * Paths the emulator's modules share, so the Server API (which builds the `url` that `track`
 * returns), the pre-built UI stand-in (which serves it) and the control pages agree on one place.
 */

/** Every pre-built UI stand-in page lives under this prefix. */
export const PREBUILT_PREFIX = '/prebuilt';

/**
 * The entry page that `track`'s `url` opens. The page decides from the token's action what to show
 * (challenge with an enrolled method, first enrollment, or settings when `redirectToSettings`).
 */
export const PREBUILT_ENTRY_PATH = `${PREBUILT_PREFIX}/start`;

/** The magic-link landing page (pre-built UI stand-in) that approves a magic-link challenge. */
export const MAGIC_LINK_PATH = `${PREBUILT_PREFIX}/magic-link`;

/** The control surface for people and tests: dashboard, outbox, faults. Not part of Authsignal's API. */
export const CONTROL_PREFIX = '/__emulator';

/** The human dashboard (HTML). */
export const DASHBOARD_PATH = `${CONTROL_PREFIX}/`;

/** The outbox as JSON (Basic secret auth), `?to=` filters by recipient. */
export const OUTBOX_PATH = `${CONTROL_PREFIX}/outbox`;

/** Fault settings (GET) and changes (POST), secret auth. */
export const FAULTS_PATH = `${CONTROL_PREFIX}/faults`;

/**
 * The pre-built UI URL for a token, as `track` returns it. It always has a query string, because
 * the browser SDK appends `&mode=popup` and the Auth0 helper `&force_enrollment=true`.
 */
export function prebuiltUrl(origin: string, token: string): string {
  // SECURITY: the token in the query string is Authsignal's own contract for the pre-built UI
  // (short-lived, single-user, 10 minutes); it is what SDKs and apps expect, so it is emulated as is.
  return `${origin}${PREBUILT_ENTRY_PATH}?token=${encodeURIComponent(token)}`;
}
