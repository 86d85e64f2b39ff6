// The browser harness: serves the BUILT console (out/renderer) on 127.0.0.1 and bridges the same
// main-side router the Electron shell serves over IPC (createServices + createHandlers +
// createRouter), so e2e in Chromium exercises everything except Electron's own pipe. Never shipped.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHandlers } from '../../src/main/ipc/handlers/index';
import { createRouter } from '../../src/main/ipc/router';
import { createServices, type ServiceOptions, type Services } from '../../src/main/services/container';
import type { LocalTenantConfig } from '../../src/main/services/tenants/tenants.service';
import { contentTypeOf } from '../../src/main/services/platform/served-files';
import { events as eventSchemas, type EventName } from '@shared/ipc';
import { subscribeAll } from '../../src/main/ipc/events';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Header that carries the per-run token on every bridge request. */
export const TOKEN_HEADER = 'x-authdesk-harness-token';
/** Largest call body accepted (a CSV upload would go through a file path, not the body). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  /** Data dir of the services. Default: a fresh temp dir, removed (with its profiles' keychain entries) on close. */
  dataDir?: string;
  /** Keychain service name. Default: `AUTHDESK_KEYCHAIN_SERVICE`, else `authdesk-harness`. */
  keychainService?: string;
  /** The built-in local tenant (e.g. a running emulator's apiUrl, tenantId and secret). */
  localTenant?: LocalTenantConfig;
  /** The built renderer. Default: `<repo>/out/renderer`. */
  rendererDir?: string;
  /** Default 0 (a free port). */
  port?: number;
  appVersion?: string;
  /** Enrollment windows (test/harness/enrollment-host.ts opens them in Chromium) and a shorter verification lifetime. */
  services?: Pick<ServiceOptions, 'enrollmentHost' | 'verificationLifetimeMs' | 'bridge'>;
  /**
   * Serve the browser bridge as the desktop app does (issue #18): the extension's lookups reach this
   * router, "Open in Authdesk" is reported through {@link RunningHarness.opened} and `onOpen`.
   */
  serveBridge?: boolean;
  /** Called with the console URL of the user (or search) an "Open in Authdesk" asked for. */
  onOpen?: (url: string) => void;
  /**
   * Keep every call's request and answer in memory, for a test that checks what crossed the wire.
   * Off unless a test asks: request bodies carry secrets and codes (issue #14).
   */
  recordTraffic?: boolean;
}

/** One exchange over the bridge, as it crossed the wire (kept in memory only, for leak checks). */
export type TrafficEntry =
  | { kind: 'call'; at: number; channel: string; request: string; response: string; ms: number }
  | { kind: 'event'; at: number; event: EventName; payload: string };

/** A running harness. */
export interface RunningHarness {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Where the console is: `<origin>/console/` */
  readonly url: string;
  /** The per-run token (tests use it to call the bridge directly). */
  readonly token: string;
  readonly services: Services;
  readonly dataDir: string;
  /** "Open in Authdesk" requests from the extension (with `serveBridge`). */
  readonly opened: { userId?: string; query?: string }[];
  /** Every call and event so far, oldest first. Throws unless started with `recordTraffic`. */
  traffic(): readonly TrafficEntry[];
  clearTraffic(): void;
  close(): Promise<void>;
}


let bridgeScript: Promise<string> | undefined;

/** Bundles bridge-client.ts once per process (vite, already a dependency; ~100 ms). */
function buildBridge(): Promise<string> {
  bridgeScript ??= (async () => {
    const { build } = await import('vite');
    const output = await build({
      configFile: false,
      logLevel: 'silent',
      root: repoRoot,
      publicDir: false,
      build: {
        write: false,
        minify: false,
        emptyOutDir: false,
        lib: { entry: join(repoRoot, 'test/harness/bridge-client.ts'), formats: ['iife'], name: 'authdeskHarnessBridge', fileName: () => 'bridge.js' },
      },
    });
    const result = Array.isArray(output) ? output[0] : output;
    if (!('output' in result)) throw new Error('vite did not return the bundle');
    const chunk = result.output.find((o) => o.type === 'chunk');
    if (!chunk || chunk.type !== 'chunk') throw new Error('vite produced no bridge chunk');
    return chunk.code;
  })();
  return bridgeScript;
}

function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The CSP header for a page: the policy the built page declares, plus `frame-ancestors 'none'`,
 * which only works as a header (as the app:// protocol sends it).
 */
function cspOf(html: string): string | undefined {
  const declared = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  if (!declared) return undefined;
  return /frame-ancestors/.test(declared) ? declared : `${declared}; frame-ancestors 'none'`;
}

/** Starts the harness. Close it (tests do in afterAll); `cli.ts` also closes it when its parent dies. */
export async function startHarness(options: HarnessOptions = {}): Promise<RunningHarness> {
  const rendererDir = await realpath(options.rendererDir ?? join(repoRoot, 'out/renderer')).catch(() => {
    throw new Error('The console is not built: run `npx electron-vite build` first (npm run dev:browser does it for you).');
  });
  await stat(join(rendererDir, 'console/index.html')).catch(() => {
    throw new Error(`No console build in ${rendererDir}: run \`npx electron-vite build\` first.`);
  });
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'authdesk-harness-')));
  const services = createServices({
    dataDir,
    keychainService: options.keychainService ?? (process.env.AUTHDESK_KEYCHAIN_SERVICE?.trim() || 'authdesk-harness'),
    appVersion: options.appVersion ?? '0.0.0-harness',
    teamShipping: true,
    ...(options.localTenant ? { localTenant: options.localTenant } : {}),
    ...options.services,
  });
  const router = createRouter(createHandlers(services), (channel, error) => {
    // Only the error's kind, as in the desktop app: its message could quote upstream data.
    console.error(`[harness] unexpected error in ${channel}: ${error instanceof Error ? error.name : typeof error}`);
  });
  const bridge = await buildBridge();
  // SECURITY: a fresh random token per run; only the served console page carries it.
  const token = randomBytes(32).toString('base64url');
  const traffic: TrafficEntry[] = [];
  // SECURITY: request bodies carry secrets and codes; they are kept only when a test asked for them.
  const record = options.recordTraffic === true;
  const opened: RunningHarness['opened'] = [];
  const streams = new Set<ServerResponse>();
  let origin = '';
  let host = '';

  const stopEvents = subscribeAll(services, (name, payload) => {
    // SECURITY: events go through their schema as in the IPC transport, so no extra field rides along.
    const shaped = eventSchemas[name].safeParse(payload);
    if (!shaped.success) {
      console.error(`[harness] dropped event ${name}: its payload did not match the schema`);
      return;
    }
    const data = JSON.stringify(shaped.data);
    if (record) traffic.push({ kind: 'event', at: Date.now(), event: name, payload: data });
    for (const res of streams) res.write(`event: ${name}\ndata: ${data}\n\n`);
  });

  async function serveFile(res: ServerResponse, urlPath: string): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return send(res, 400, 'Bad path');
    }
    const file = resolve(rendererDir, '.' + (decoded.endsWith('/') ? `${decoded}index.html` : decoded));
    const rel = relative(rendererDir, file);
    // SECURITY: only the console and its assets, never a path that climbs out of the build.
    const top = rel.split(sep)[0];
    if (rel.startsWith('..') || (top !== 'console' && top !== 'assets')) return send(res, 404, 'Not found');
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return send(res, 404, 'Not found');
    }
    if (relative(rendererDir, real).startsWith('..')) return send(res, 404, 'Not found');
    const type = contentTypeOf(real);
    if (extname(real) === '.html') {
      const html = await readFile(real, 'utf8');
      const injected = html.replace(
        /<script/i,
        `<meta name="authdesk-harness-token" content="${token}" />\n    <script src="/__harness/bridge.js"></script>\n    <script`,
      );
      const csp = cspOf(html);
      return send(res, 200, injected, type, csp ? { 'content-security-policy': csp } : {});
    }
    const body = await readFile(real);
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    // SECURITY: a page of another origin cannot call: it would need the token (in our page only), and
    // the JSON content type plus the custom header force a CORS preflight this server never allows.
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return send(res, 403, 'Wrong origin');
    if (!sameToken(req.headers[TOKEN_HEADER], token)) return send(res, 401, 'Missing or wrong harness token');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, 'JSON only');
    let request: string;
    let input: unknown;
    try {
      request = await readBody(req);
      input = request === '' ? {} : JSON.parse(request);
    } catch {
      return send(res, 400, 'Body is not JSON or too large');
    }
    const started = performance.now();
    const result = await router.handle(channel, input, { transport: 'harness' });
    const response = JSON.stringify(result);
    // SECURITY: traffic stays in this process's memory for leak checks; it is never written anywhere.
    if (record) traffic.push({ kind: 'call', at: Date.now(), channel, request, response, ms: performance.now() - started });
    send(res, 200, response, 'application/json');
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse): void {
    if (!sameToken(req.headers[TOKEN_HEADER], token)) return send(res, 401, 'Missing or wrong harness token');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
  }

  const server = createServer((req, res) => {
    void (async () => {
      // SECURITY: answer only requests addressed to 127.0.0.1:<port>, which defeats DNS rebinding.
      if (req.headers.host !== host) return send(res, 421, 'Wrong host');
      const url = new URL(req.url ?? '/', origin);
      const path = url.pathname;
      if (req.method === 'POST' && path.startsWith('/__harness/call/')) {
        return handleCall(req, res, decodeURIComponent(path.slice('/__harness/call/'.length)));
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed');
      if (path === '/__harness/bridge.js') return send(res, 200, bridge, 'text/javascript; charset=utf-8');
      if (path === '/__harness/events') return handleEvents(req, res);
      if (path === '/__harness/traffic') {
        // Only for a test that asked to record it; dev:browser never serves request bodies.
        if (!record) return send(res, 404, 'Not found');
        if (!sameToken(req.headers[TOKEN_HEADER], token)) return send(res, 401, 'Missing or wrong harness token');
        return send(res, 200, JSON.stringify(traffic), 'application/json');
      }
      if (path === '/' || path === '/console') return send(res, 302, '', 'text/plain', { location: '/console/' });
      return serveFile(res, path);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, 'Harness error');
      else res.end();
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    // SECURITY: loopback only.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  host = `127.0.0.1:${port}`;
  origin = `http://${host}`;

  if (options.serveBridge) {
    // As the desktop app does (src/main/electron/app.ts): the extension's lookups reach this router.
    await services.bridge.attach((channel, input) => router.handle(channel, input, { transport: 'extension' }));
    services.bridge.onOpen((request) => {
      opened.push(request);
      options.onOpen?.(`${origin}/console/#${request.userId ? `/users/${encodeURIComponent(request.userId)}` : '/search'}`);
    });
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopEvents();
      // A throwaway data dir takes its native host launcher with it: take the browsers' manifests
      // that name it out too, so no browser is left pointing at a missing program.
      if (ownDataDir && (await services.bridge.status().catch(() => null))?.enabled) await services.bridge.setEnabled(false).catch(() => undefined);
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (ownDataDir) {
        // A throwaway data dir: take its profiles' secrets out of the keychain too.
        const list = await services.tenants.list().catch(() => null);
        for (const t of list?.tenants ?? []) if (t.kind === 'remote') await services.tenants.remove(t.id).catch(() => undefined);
      }
      await services.close();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    })());

  return {
    origin,
    url: `${origin}/console/`,
    token,
    services,
    dataDir,
    opened,
    traffic: () => {
      if (!record) throw new Error('This harness keeps no traffic: start it with recordTraffic: true.');
      return traffic;
    },
    clearTraffic: () => void traffic.splice(0),
    close,
  };
}
