import QRCode from 'qrcode';
import { z } from 'zod';
import type { VerificationMethod } from '@shared/domain/authsignal';
import { TENANT_VERIFICATION_METHODS } from '../actions';
import { userClaims } from './client/flow';
import { approveMagicLink } from './client/magic-link';
import { clientAuthenticators } from './client/shapes';
import type { Emu } from '../context';
import { type RouteContext, type Router, sendHtml } from '../http';
import type { EmuAction } from '../model';
import { prebuiltScript } from '../pages/prebuilt-bundle';
import { PREBUILT_STYLE } from '../pages/prebuilt-style';
import { MAGIC_LINK_PATH, PREBUILT_ENTRY_PATH, PREBUILT_PREFIX } from '../urls';
import { parseInput } from '../validate';

/**
 * The pre-built UI stand-in: the pages `track`'s `url` opens (challenge, first enrollment,
 * settings), plus the magic-link landing page. Plain HTML with one same-origin script and one
 * stylesheet, under a strict CSP; the script calls the emulator's own Client API.
 */

/** Script and stylesheet paths (same origin, so the CSP needs no inline allowances). */
export const PREBUILT_SCRIPT_PATH = `${PREBUILT_PREFIX}/app.js`;
export const PREBUILT_STYLE_PATH = `${PREBUILT_PREFIX}/app.css`;
/** The page's context (Bearer user token): the action, the user's authenticators, what may be enrolled. */
export const PREBUILT_CONTEXT_PATH = `${PREBUILT_PREFIX}/api/context`;
/** Renders an otpauth URI as a QR code (Bearer user token). */
export const PREBUILT_QR_PATH = `${PREBUILT_PREFIX}/api/qr`;

/** Methods the stand-in can enroll in a browser (WhatsApp has no enrollment in the browser SDK). */
const ENROLLABLE: readonly VerificationMethod[] = ['PASSKEY', 'SECURITY_KEY', 'AUTHENTICATOR_APP', 'EMAIL_OTP', 'SMS', 'EMAIL_MAGIC_LINK'];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Origins the page trusts: its own, the configured extra ones, and the action's redirectUrl origin
 * (only the Server API, holding the secret, can set that). They bound framing and popup messages.
 */
function trustedOrigins(emu: Emu, action: EmuAction | undefined): string[] {
  const origins = new Set<string>([emu.uiOrigin, ...emu.allowedOrigins]);
  if (action?.redirectUrl) {
    try {
      origins.add(new URL(action.redirectUrl).origin);
    } catch {
      // an unparsable redirectUrl adds nothing
    }
  }
  return [...origins];
}

function csp(frameAncestors: string): string {
  // SECURITY: no inline script or style, same-origin everything, no plugins, no base hijack; framing
  // only by trusted origins and only in popup mode (clickjacking protection otherwise).
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

function pageHeaders(frameAncestors = "'none'"): Record<string, string> {
  return {
    'content-security-policy': csp(frameAncestors),
    // SECURITY: the entry URL carries the user token; never leak it in a Referer header.
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'unsafe-none',
  };
}

function layout(title: string, body: string, attributes = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Authdesk local tenant</title>
<link rel="stylesheet" href="${PREBUILT_STYLE_PATH}">
</head>
<body${attributes}>
<div class="card">
<header><p class="tenant">Authdesk local tenant (emulator)</p></header>
${body}
</div>
</body>
</html>`;
}

async function actionForToken(emu: Emu, token: string | null): Promise<EmuAction | undefined> {
  if (!token) return undefined;
  try {
    const claims = await emu.tokens.verify(token);
    return claims.actionCode && claims.idempotencyKey ? emu.store.getAction(claims.userId, claims.actionCode, claims.idempotencyKey) : undefined;
  } catch {
    return undefined;
  }
}

async function entryPage(emu: Emu, ctx: RouteContext): Promise<void> {
  const popup = ctx.query.get('mode') === 'popup';
  const action = await actionForToken(emu, ctx.query.get('token'));
  const origins = trustedOrigins(emu, action);
  const body = `<main id="main" tabindex="-1"><h1>Loading…</h1><noscript><p>This page needs JavaScript.</p></noscript></main>
<p id="status" role="status" aria-live="polite" class="muted"></p>
<script src="${PREBUILT_SCRIPT_PATH}"></script>`;
  const attributes = ` data-trusted-origins="${escapeHtml(JSON.stringify(origins))}"${popup ? ' class="popup"' : ''}`;
  sendHtml(ctx.res, 200, layout('Verify it’s you', body, attributes), pageHeaders(popup ? ["'self'", ...origins].join(' ') : "'none'"));
}

function magicLinkPage(ctx: RouteContext, challengeId: string, secret: string): void {
  const body = `<main><h1>Confirm it’s you</h1>
<p>Select the button to finish signing in. You can then return to the tab where you started.</p>
<form method="post" action="${MAGIC_LINK_PATH}">
<input type="hidden" name="challengeId" value="${escapeHtml(challengeId)}">
<input type="hidden" name="secret" value="${escapeHtml(secret)}">
<button type="submit">Confirm and continue</button>
</form></main>`;
  sendHtml(ctx.res, 200, layout('Confirm it’s you', body), pageHeaders());
}

function messagePage(ctx: RouteContext, status: number, title: string, text: string): void {
  sendHtml(ctx.res, status, layout(title, `<main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></main>`), pageHeaders());
}

const QrSchema = z.object({ uri: z.string().startsWith('otpauth://').max(2000) });

/** Pre-built UI stand-in pages. */
export function registerPrebuiltUi(router: Router, emu: Emu): void {
  router.on('GET', PREBUILT_ENTRY_PATH, (ctx) => entryPage(emu, ctx));

  router.on('GET', PREBUILT_SCRIPT_PATH, async ({ res }) => {
    const script = await prebuiltScript();
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(script);
  });
  router.on('GET', PREBUILT_STYLE_PATH, ({ res }) => {
    res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(PREBUILT_STYLE);
  });

  router.on('GET', PREBUILT_CONTEXT_PATH, async ({ req }) => {
    const claims = await userClaims(emu, req);
    const store = emu.store;
    const action = claims.actionCode && claims.idempotencyKey ? store.getAction(claims.userId, claims.actionCode, claims.idempotencyKey) : undefined;
    const user = store.getUser(claims.userId);
    return {
      state: action?.state,
      actionCode: claims.actionCode,
      redirectToSettings: action?.redirectToSettings === true,
      redirectUrl: action?.redirectUrl,
      authenticators: clientAuthenticators(emu, claims.userId),
      enrollableMethods: ENROLLABLE.filter((m) => TENANT_VERIFICATION_METHODS.includes(m)),
      username: user?.username ?? action?.username ?? user?.email ?? action?.email,
      // Hints the app passed to track (never the stored contact details, which stay masked here).
      prefill: { email: action?.email, phoneNumber: action?.phoneNumber },
    };
  });

  router.on('POST', PREBUILT_QR_PATH, async ({ req, body }) => {
    await userClaims(emu, req);
    const { uri } = parseInput(QrSchema, body);
    const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return { dataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  });

  router.on('GET', MAGIC_LINK_PATH, (ctx) => {
    const challengeId = ctx.query.get('challengeId') ?? '';
    const secret = ctx.query.get('secret') ?? '';
    if (!challengeId || !secret) return messagePage(ctx, 400, 'This link is incomplete', 'Open the link from the email again, or ask for a new one.');
    // Approval needs a deliberate click (POST): mail scanners that prefetch links must not sign anyone in.
    magicLinkPage(ctx, challengeId, secret);
  });
  router.on('POST', MAGIC_LINK_PATH, (ctx) => {
    const form = (ctx.body ?? {}) as Record<string, unknown>;
    const ok = typeof form.challengeId === 'string' && typeof form.secret === 'string' && approveMagicLink(emu, form.challengeId, form.secret);
    if (!ok) return messagePage(ctx, 400, 'This link has expired', 'It was already used or is too old. Ask for a new one from the app.');
    emu.changed();
    messagePage(ctx, 200, 'You’re verified', 'Return to the tab where you started; it continues by itself.');
  });
}
