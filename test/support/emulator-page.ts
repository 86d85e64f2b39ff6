import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { CDPSession, Page } from 'playwright-core';
import type { RunningEmulator } from '../../src/emulator/index';

/**
 * Test-only helpers for driving the emulator from real Chromium: a tiny "app" page on its own
 * local origin that carries @authsignal/browser (bundled with esbuild, exactly the published
 * 1.16 code), CDP's virtual WebAuthn authenticator, and the emulator's outbox over HTTP. Chromium
 * itself comes from ./chromium.ts.
 */

let sdkBundle: Promise<string> | undefined;

/** @authsignal/browser as one classic script that sets `window.Authsignal`. */
export function bundleBrowserSdk(): Promise<string> {
  sdkBundle ??= build({
    stdin: {
      contents: "import { Authsignal } from '@authsignal/browser'; window.Authsignal = Authsignal;",
      resolveDir: process.cwd(),
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0].text);
  return sdkBundle;
}

/** The app page server: `/` loads the SDK, `/done` is a redirect target that shows its query. */
export interface AppPage {
  /** http://localhost:<port>: a hostname (not an IP) so WebAuthn's rpID `localhost` matches it. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves the app page on 127.0.0.1 (reached as http://localhost:<port>). */
export async function startAppPage(): Promise<AppPage> {
  const sdk = await bundleBrowserSdk();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/sdk.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(sdk);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const title = path === '/done' ? 'Back in the app' : 'Test app';
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><script src="/sdk.js"></script></head><body><h1>${title}</h1></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Virtual authenticator options for CDP's WebAuthn domain. */
export interface VirtualAuthenticatorOptions {
  protocol?: 'ctap2' | 'u2f';
  transport?: 'internal' | 'usb' | 'nfc' | 'ble';
  hasResidentKey?: boolean;
  hasUserVerification?: boolean;
  isUserVerified?: boolean;
}

/**
 * Adds a virtual authenticator to the page (a platform passkey provider by default): WebAuthn
 * ceremonies then complete without a person, with real keys and real signatures.
 */
export async function addVirtualAuthenticator(page: Page, options: VirtualAuthenticatorOptions = {}): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: options.protocol ?? 'ctap2',
      transport: options.transport ?? 'internal',
      hasResidentKey: options.hasResidentKey ?? true,
      hasUserVerification: options.hasUserVerification ?? true,
      isUserVerified: options.isUserVerified ?? true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** One message from the emulator's outbox. */
export interface OutboxEntry {
  to: string;
  code?: string;
  link?: string;
  kind: string;
}

/** The newest outbox message to a recipient (HTTP, secret auth), waiting briefly for it to arrive. */
export async function latestMessage(emu: RunningEmulator, to: string, after = 0): Promise<OutboxEntry> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const res = await fetch(`${emu.origin}/__emulator/outbox?to=${encodeURIComponent(to)}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${emu.secret}:`).toString('base64')}` },
    });
    const { messages } = (await res.json()) as { messages: OutboxEntry[] };
    if (messages.length > after) return messages[0];
    if (Date.now() > deadline) throw new Error(`No message to ${to} arrived in the outbox`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How many messages a recipient has (to wait for the next one). */
export async function outboxCount(emu: RunningEmulator, to: string): Promise<number> {
  const res = await fetch(`${emu.origin}/__emulator/outbox?to=${encodeURIComponent(to)}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${emu.secret}:`).toString('base64')}` },
  });
  return ((await res.json()) as { messages: unknown[] }).messages.length;
}
