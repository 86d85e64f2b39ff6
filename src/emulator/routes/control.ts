import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { requireSecret } from '../auth';
import type { Emu } from '../context';
import { ApiError, type Router, sendHtml } from '../http';
import type { ActionConfig, OutboxMessage } from '../model';
import { CONTROL_PREFIX, DASHBOARD_PATH, FAULTS_PATH, OUTBOX_PATH } from '../urls';
import { parseInput } from '../validate';

/**
 * The emulator's own control surface under /__emulator (not part of Authsignal's API, so faults
 * never apply to it): the outbox as JSON, fault settings, action configurations, a health probe,
 * and a small dashboard for people trying the app.
 */
export function registerControl(router: Router, emu: Emu): void {
  router.on('GET', '/__emulator/health', () => ({ ok: true, tenantId: emu.tenantId }));

  // The outbox holds OTP codes, so it needs the secret, as the Server API does.
  router.on('GET', OUTBOX_PATH, ({ req, query }) => {
    requireSecret(req, emu.secret);
    const to = query.get('to') ?? undefined;
    const limit = Number(query.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1) throw new ApiError(400, 'invalid_request', 'limit must be a positive whole number.');
    return { messages: emu.store.listOutbox(to).slice(0, limit) };
  });

  router.on('GET', FAULTS_PATH, ({ req }) => {
    requireSecret(req, emu.secret);
    return faultsBody(emu);
  });

  router.on('POST', FAULTS_PATH, ({ req, body }) => {
    requireSecret(req, emu.secret);
    emu.faults.set(parseInput(FaultsSchema, body));
    return faultsBody(emu);
  });

  router.on('GET', `${CONTROL_PREFIX}/action-configs`, ({ req }) => {
    requireSecret(req, emu.secret);
    return Object.fromEntries(emu.store.actionConfigs);
  });

  // What `track` answers for enrolled users of one action code (Authsignal's action configuration).
  router.on('PUT', `${CONTROL_PREFIX}/action-configs/:actionCode`, ({ req, params, body }) => {
    requireSecret(req, emu.secret);
    const config: ActionConfig = parseInput(z.object({ defaultUserActionResult: z.enum(['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK']) }), body);
    emu.store.actionConfigs.set(params.actionCode, config);
    emu.changed();
    return config;
  });

  router.on('GET', DASHBOARD_PATH, ({ req, res }) => {
    // SECURITY: the page shows recent OTP codes and needs no secret, so it answers only when the
    // Host header names this machine; a DNS-rebinding page on another name cannot read it.
    const host = hostnameOf(req.headers.host);
    if (!host || !allowedHosts(emu).has(host)) {
      sendHtml(res, 421, '<!doctype html><html lang="en"><title>Misdirected request</title><p>Open the dashboard at 127.0.0.1 or localhost.</p></html>');
      return undefined;
    }
    const nonce = randomBytes(16).toString('base64');
    sendHtml(res, 200, renderDashboard(emu, nonce), {
      // SECURITY: no scripts at all, styles only with this response's nonce, never framed.
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    });
    return undefined;
  });
}

/** Fault settings with the counters, as GET/POST /__emulator/faults answer. */
function faultsBody(emu: Emu) {
  return { ...emu.faults.get(), stats: { ...emu.faults.stats } };
}

const FaultsSchema = z
  .object({
    latencyMs: z.number().min(0).max(60_000),
    jitterMs: z.number().min(0).max(60_000),
    rateLimit: z.number().min(0),
    errorRate: z.number().min(0).max(1),
    resetRate: z.number().min(0).max(1),
  })
  .partial()
  .strict();

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (!hostHeader) return undefined;
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function allowedHosts(emu: Emu): Set<string> {
  const hosts = new Set(['127.0.0.1', 'localhost', '[::1]', emu.rpId.toLowerCase()]);
  const own = hostnameOf(new URL(emu.origin).host);
  if (own) hosts.add(own);
  return hosts;
}

/** True when the emulator listens only on this machine. */
function isLoopback(emu: Emu): boolean {
  const host = new URL(emu.origin).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

const escapeHtml = (value: string | number | undefined): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function messageCell(message: OutboxMessage, showSecrets: boolean): string {
  if (!showSecrets) return '<span class="muted">hidden (emulator listens beyond this machine)</span>';
  if (message.code) return `<code class="otp">${escapeHtml(message.code)}</code>`;
  if (message.link) return `<a href="${escapeHtml(message.link)}">Open magic link</a>`;
  return '';
}

/** The dashboard: tenant facts, recent outbox, faults. No secret, no script; plain accessible HTML. */
function renderDashboard(emu: Emu, nonce: string): string {
  const showSecrets = isLoopback(emu);
  const messages = emu.store.listOutbox().slice(0, 25);
  const faults = emu.faults.get();
  const stats = emu.faults.stats;
  const rows = messages
    .map(
      (m) => `<tr>
  <td><time datetime="${escapeHtml(m.sentAt)}">${escapeHtml(m.sentAt.replace('T', ' ').slice(0, 19))}</time></td>
  <td>${escapeHtml(m.channel)}</td>
  <td>${escapeHtml(m.to)}</td>
  <td>${messageCell(m, showSecrets)}</td>
  <td>${escapeHtml(m.userId ?? '')}</td>
  <td>${escapeHtml(m.actionCode ?? '')}</td>
</tr>`,
    )
    .join('\n');
  const outbox =
    messages.length === 0
      ? '<p>No messages yet. Codes and magic links sent to users appear here.</p>'
      : `<table>
<caption>The ${messages.length} most recent messages, newest first</caption>
<thead><tr><th scope="col">Sent (UTC)</th><th scope="col">Channel</th><th scope="col">To</th><th scope="col">Code or link</th><th scope="col">User</th><th scope="col">Action</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Local tenant ${escapeHtml(emu.tenantId)} · Authdesk emulator</title>
<style nonce="${nonce}">
  body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1a1a1a; background: #fff; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { font-weight: 600; } dd { margin: 0; word-break: break-all; }
  table { border-collapse: collapse; width: 100%; } caption { text-align: left; font-weight: 600; padding: .25rem 0; }
  th, td { border: 1px solid #767676; padding: .35rem .5rem; text-align: left; vertical-align: top; word-break: break-all; }
  code.otp { font-size: 1.15rem; letter-spacing: .1em; }
  .muted { color: #595959; }
  a:focus-visible { outline: 3px solid #1a4fd6; outline-offset: 2px; }
  a { color: #1a4fd6; }
</style>
</head>
<body>
<main>
<h1>Local tenant <code>${escapeHtml(emu.tenantId)}</code></h1>
<p>This is Authdesk's built-in Authsignal emulator. Nothing here leaves this machine: codes and links are "sent" to the outbox below.</p>
<p><a href="${DASHBOARD_PATH}">Refresh this page</a></p>
<h2>Tenant</h2>
<dl>
  <dt>Tenant ID</dt><dd><code>${escapeHtml(emu.tenantId)}</code></dd>
  <dt>Server API URL</dt><dd><code>${escapeHtml(`${emu.origin}/v1`)}</code></dd>
  <dt>Pre-built UI</dt><dd><code>${escapeHtml(emu.uiOrigin || emu.origin)}</code></dd>
  <dt>Users</dt><dd>${emu.store.userCount.toLocaleString('en-US')}</dd>
  <dt>API secret</dt><dd>Not shown here. It was printed where the emulator was started.</dd>
</dl>
<h2>Outbox</h2>
${outbox}
<p class="muted">As JSON: <code>GET ${OUTBOX_PATH}?to=&lt;email or phone&gt;</code> with the secret as Basic user name.</p>
<h2>Fault injection</h2>
<table>
<caption>Current settings (change them with <code>POST ${FAULTS_PATH}</code>)</caption>
<thead><tr><th scope="col">Setting</th><th scope="col">Value</th></tr></thead>
<tbody>
<tr><th scope="row">Latency</th><td>${faults.latencyMs} ms ± ${faults.jitterMs} ms jitter</td></tr>
<tr><th scope="row">Rate limit</th><td>${faults.rateLimit > 0 ? `${faults.rateLimit} requests/s` : 'none'}</td></tr>
<tr><th scope="row">Server errors</th><td>${Math.round(faults.errorRate * 100)} % of requests</td></tr>
<tr><th scope="row">Connection resets</th><td>${Math.round(faults.resetRate * 100)} % of requests</td></tr>
<tr><th scope="row">Requests so far</th><td>${stats.requests} (${stats.rateLimited} rate-limited, ${stats.serverErrors} server errors, ${stats.resets} resets)</td></tr>
</tbody>
</table>
</main>
</body>
</html>`;
}
