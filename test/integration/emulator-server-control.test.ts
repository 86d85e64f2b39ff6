import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { Authsignal, AuthsignalError } from '@authsignal/node';
import { chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { STRICT } from '../support/emulator-profile';

/**
 * The emulator's control surface (/__emulator: faults, outbox, dashboard) and fault injection as
 * the real @authsignal/node SDK experiences it.
 */

let emu: RunningEmulator;
let sdk: Authsignal;
let auth: string;

beforeAll(async () => {
  emu = await startEmulator({ secret: 'control-secret', tenantId: 'control-tenant', seed: 'demo' });
  sdk = new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 });
  auth = `Basic ${Buffer.from(`${emu.secret}:`).toString('base64')}`;
});
afterAll(() => emu.close());
afterEach(async () => {
  await setFaults({ latencyMs: 0, jitterMs: 0, rateLimit: 0, errorRate: 0, resetRate: 0 });
});

async function setFaults(body: Record<string, number>): Promise<Record<string, unknown>> {
  const res = await fetch(`${emu.origin}/__emulator/faults`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function rejection(promise: Promise<unknown>): Promise<AuthsignalError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthsignalError);
  return error as AuthsignalError;
}

/** GET with an explicit Host header (fetch will not let a test set one). */
function getWithHost(path: string, host: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const url = new URL(path, emu.origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname: url.hostname, port: url.port, path: url.pathname, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fault injection through the SDK', () => {
  it('rate-limits with 429, too_many_requests and Retry-After (none under the strict profile)', async () => {
    await setFaults({ rateLimit: 2 });
    await sdk.getUser({ userId: 'usr_ada' });
    await sdk.getUser({ userId: 'usr_ada' });
    const error = await rejection(sdk.getUser({ userId: 'usr_ada' }));
    expect(error.statusCode).toBe(429);
    expect(error.errorCode).toBe('too_many_requests');
    if (STRICT) expect(error.axiosError?.response?.headers['retry-after']).toBeUndefined();
    else expect(Number(error.axiosError?.response?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers 5xx at error rate 1, while the control surface keeps working', async () => {
    await setFaults({ errorRate: 1 });
    const error = await rejection(sdk.track({ userId: 'usr_ada', action: 'signIn' }));
    expect([500, 503]).toContain(error.statusCode);
    const faults = await fetch(`${emu.origin}/__emulator/faults`, { headers: { authorization: auth } });
    const body = (await faults.json()) as { errorRate: number; stats: { serverErrors: number } };
    expect(body.errorRate).toBe(1);
    expect(body.stats.serverErrors).toBeGreaterThanOrEqual(1);
  });

  it('adds latency', async () => {
    await setFaults({ latencyMs: 150 });
    const started = performance.now();
    await sdk.getUser({ userId: 'usr_ada' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('resets connections, which the SDK reports as a non-HTTP failure', async () => {
    await setFaults({ resetRate: 1 });
    const error = await rejection(sdk.getUser({ userId: 'usr_ada' }));
    expect(error.errorCode).toBe('unexpected_error');
    expect(error.axiosError).toBeUndefined();
  });

  it('validates fault settings and needs the secret to change them', async () => {
    const bad = await fetch(`${emu.origin}/__emulator/faults`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 2 }) });
    expect(bad.status).toBe(400);
    const anonymous = await fetch(`${emu.origin}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1 }) });
    expect(anonymous.status).toBe(401);
    expect((await setFaults({})).errorRate).toBe(0);
  });
});

describe('action configuration', () => {
  it('decides what track answers per action code, and never challenges an unenrolled user', async () => {
    const put = async (code: string, defaultUserActionResult: string) =>
      fetch(`${emu.origin}/__emulator/action-configs/${code}`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ defaultUserActionResult }) });
    expect((await put('wireTransfer', 'BLOCK')).status).toBe(200);
    expect((await put('viewBalance', 'ALLOW')).status).toBe(200);
    expect((await put('bad', 'MAYBE')).status).toBe(400);
    expect((await sdk.track({ userId: 'usr_ada', action: 'wireTransfer' })).state).toBe('BLOCK');
    expect((await sdk.track({ userId: 'usr_ada', action: 'viewBalance' })).state).toBe('ALLOW');
    expect((await sdk.track({ userId: 'usr_ada', action: 'anythingElse' })).state).toBe('CHALLENGE_REQUIRED');
    expect((await sdk.track({ userId: 'usr_alan', action: 'anythingElse' })).state).toBe('ALLOW');
  });
});

describe('outbox', () => {
  it('needs the secret and filters by recipient', async () => {
    await sdk.challenge({ verificationMethod: 'EMAIL_OTP', email: 'outbox-a@example.com' });
    await sdk.challenge({ verificationMethod: 'EMAIL_OTP', email: 'outbox-b@example.com' });
    expect((await fetch(`${emu.origin}/__emulator/outbox`)).status).toBe(401);
    const res = await fetch(`${emu.origin}/__emulator/outbox?to=OUTBOX-A@example.com`, { headers: { authorization: auth } });
    const { messages } = (await res.json()) as { messages: { to: string; code: string }[] };
    expect(messages).toHaveLength(1);
    expect(messages[0].to).toBe('outbox-a@example.com');
    expect(messages[0].code).toMatch(/^\d{6}$/);
  });
});

describe('dashboard', () => {
  it('shows tenant facts, user count and recent codes, never the secret, with a strict CSP', async () => {
    await sdk.challenge({ verificationMethod: 'SMS', phoneNumber: '+14155550188' });
    const res = await fetch(`${emu.origin}/__emulator/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('control-tenant');
    expect(html).toContain(`${emu.origin}/v1`);
    expect(html).toContain('+14155550188');
    expect(html).toMatch(/<code class="otp">\d{6}<\/code>/);
    expect(html).toContain('<dd>26</dd>');
    expect(html).not.toContain(emu.secret);
    expect(html).not.toContain('<script');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('escapes what users typed', async () => {
    await sdk.challenge({ verificationMethod: 'EMAIL_OTP', email: 'x@example.com', userId: '<img src=x onerror=alert(1)>' });
    const html = await (await fetch(`${emu.origin}/__emulator/`)).text();
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('answers only to this machine’s host names (DNS rebinding)', async () => {
    expect((await getWithHost('/__emulator/', 'evil.example:80')).status).toBe(421);
    expect((await getWithHost('/__emulator/', `localhost:${new URL(emu.origin).port}`)).status).toBe(200);
  });

  it('passes axe-core (WCAG 2.1 A/AA) in Chromium, with no console or CSP errors', async () => {
    await sdk.challenge({ verificationMethod: 'EMAIL_OTP', email: 'axe@example.com', userId: 'usr_ada', action: 'signIn' });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      await page.goto(`${emu.origin}/__emulator/`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('control-tenant');
      const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
      // Evaluated over CDP, which the page's CSP does not govern; the page itself runs no script.
      await page.evaluate(axe);
      const violations = await page.evaluate(async () => {
        const api = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: { id: string }[] }> } }).axe;
        const result = await api.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
        return result.violations.map((v) => v.id);
      });
      expect(violations).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
