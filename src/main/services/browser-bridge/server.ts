import { chmod, mkdir, unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { webcrypto } from 'node:crypto';
import {
  BRIDGE_PROTOCOL_VERSION,
  ExtensionMessage,
  MAX_FRAME_BYTES,
  ReplayGuard,
  ServerInboundFrame,
  isFresh,
  type BridgeChannel,
  type DesktopMessage,
  type ErrorFrame,
  type HelloFrame,
  type PairingState,
} from '@shared/bridge/protocol';
import {
  deriveSessionKeys,
  exportPublicKey,
  fingerprintPhrase,
  generateKeyPair,
  keyIdOf,
  newNonce,
  open,
  seal,
  type SessionKeys,
} from '@shared/bridge/bridge-crypto';
import { randomId, toBase64Url } from '@shared/bridge/runtime';
import { AppError, type ErrorCode } from '@shared/errors';
import type { Result } from '@shared/ipc/result';
import { encodeFrame, FrameReader, parseFrameBody } from './framing';
import type { DesktopIdentity } from './identity';
import { bridgeDir } from './paths';

/** A pairing the agent has not confirmed yet (memory only). */
export interface PendingPairing {
  pairingId: string;
  keyId: string;
  publicKey: string;
  extensionId: string;
  phrase: string;
  /** How the browser described itself (control characters stripped). */
  label: string;
  requestedAt: string;
}

/** What the desktop thinks of a key right now. */
export type Trust =
  | { state: 'paired'; label: string }
  | { state: 'revoked' }
  /** The agent declined it; it may ask again from `retryAt` (ms since the epoch). */
  | { state: 'declined'; retryAt: number }
  | { state: 'unknown' };

/** The paired browser a call is served for. */
export interface CallingBrowser {
  keyId: string;
  label: string;
}

/** What the server asks of the bridge service that owns it. */
export interface BridgeServerHooks {
  /** The trust the desktop has in this key: paired, revoked, declined, or unknown (a pairing request). */
  trustOf(keyId: string, publicKey: string, extensionId: string): Promise<Trust>;
  /** An unknown key said hello: remember (and audit) the request so the agent can confirm it. */
  requestPairing(request: Omit<PendingPairing, 'pairingId' | 'requestedAt'>): Promise<void>;
  /** Serves a read-only console channel for a paired extension. Never throws. */
  call(channel: BridgeChannel, input: unknown, browser: CallingBrowser): Promise<Result<unknown>>;
  /** "Open in Authdesk": bring the desktop window up on a user or a search. */
  open(request: { userId?: string; query?: string }): void;
  /** Extension ids whose native host may connect (the manifest's allowed_origins). */
  allowedExtensionIds(): readonly string[];
}

/** For tests and diagnostics: every inner message, in the clear, as it was sealed or opened. */
export type BridgeTap = (direction: 'in' | 'out', message: unknown) => void;

/** How the server is built. */
export interface BridgeServerOptions {
  dataDir: string;
  socketPath: string;
  identity: DesktopIdentity;
  hooks: BridgeServerHooks;
  now?: () => number;
  tap?: BridgeTap;
}

interface Connection {
  socket: Socket;
  origin?: string;
  extensionId?: string;
  session?: { keys: SessionKeys; keyId: string; publicKey: string; pairing: PairingState };
  /** Frames are handled one at a time, in order. */
  queue: Promise<void>;
}

const refuse = (code: ErrorCode, message: string, replyTo?: string): ErrorFrame => ({ t: 'error', code, message, ...(replyTo ? { replyTo } : {}) });

/** The refusals about a key's pairing, worded for the agent in the extension. */
export const REVOKED_MESSAGE = 'This browser was unpaired in Authdesk. Pair it again from the extension.';
export function declinedMessage(retryAt: number, now: number): string {
  const minutes = Math.max(1, Math.ceil((retryAt - now) / 60_000));
  return `Pairing was declined in Authdesk. This browser can ask again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/**
 * A browser's description of itself as the agent sees it: no control or bidi characters (which
 * could disguise it), single spaces, bounded; "Unnamed browser" when nothing is left.
 */
export function cleanBrowserLabel(label: string | undefined): string {
  const clean = (label ?? '')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return clean || 'Unnamed browser';
}

/**
 * The desktop end of the browser bridge: listens on the per-user socket (0600 in a 0700 folder) or
 * named pipe, accepts native hosts for the pinned extension ids, runs the handshake and serves
 * read-only calls for paired extensions. Refuses, with an error frame that never quotes the
 * input: malformed, oversized (> 1 MiB), tampered, stale (±10 s) and replayed frames, unknown
 * origins, unpaired and revoked keys.
 */
export class BridgeServer {
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private readonly replays = new ReplayGuard();
  private readonly now: () => number;

  constructor(private readonly options: BridgeServerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Where it listens. */
  get socketPath(): string {
    return this.options.socketPath;
  }

  /** True while listening. */
  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Starts listening. Refuses when another Authdesk already serves this data dir. */
  async listen(): Promise<void> {
    if (this.server) return;
    const path = this.options.socketPath;
    if (process.platform !== 'win32') {
      // SECURITY: the socket's folder is owner-only, so nobody else can reach the socket even in the
      // moment between listen() and chmod().
      await mkdir(bridgeDir(this.options.dataDir), { recursive: true, mode: 0o700 });
      await chmod(bridgeDir(this.options.dataDir), 0o700);
      await clearStaleSocket(path);
    }
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = 16;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // SECURITY: owner read/write only (on Windows the pipe's default ACL is the user's; see README).
    if (process.platform !== 'win32') await chmod(path, 0o600);
    this.server = server;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Tells live sessions of `keyId` their pairing changed; a revoked or declined one is then disconnected. */
  async notifyPairing(keyId: string, state: PairingState, retryAt?: number): Promise<void> {
    for (const c of this.connections) {
      if (c.session?.keyId !== keyId) continue;
      c.session.pairing = state;
      await this.sendSealed(c, { kind: 'pairing', id: randomId(), ts: this.now(), state, ...(retryAt === undefined ? {} : { retryAt }) });
      if (state === 'revoked' || state === 'declined') c.socket.end();
    }
  }

  private accept(socket: Socket): void {
    const c: Connection = { socket, queue: Promise.resolve() };
    this.connections.add(c);
    const reader = new FrameReader(MAX_FRAME_BYTES);
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.kind === 'oversized') {
          // SECURITY: a peer announcing more than 1 MiB is not a browser we serve: say why, hang up.
          this.sendAndClose(c, refuse('validation', `A message of ${event.length} bytes is over the 1 MiB limit and was refused.`));
          return;
        }
        const body = event.body;
        c.queue = c.queue.then(() => this.onFrame(c, body)).catch(() => this.sendAndClose(c, refuse('internal', 'The bridge failed; reconnect.')));
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(c));
  }

  private async onFrame(c: Connection, body: Buffer): Promise<void> {
    if (c.socket.destroyed) return;
    const parsed = ServerInboundFrame.safeParse(parseFrameBody(body));
    if (!parsed.success) return this.sendAndClose(c, refuse('validation', 'That was not an Authdesk bridge message; the connection is closed.'));
    const frame = parsed.data;
    if (frame.t === 'host') {
      const id = /^chrome-extension:\/\/([a-p]{32})\/$/.exec(frame.origin)?.[1];
      // SECURITY: only the extension ids pinned in the host manifest may use the bridge.
      if (c.origin || !id || !this.options.hooks.allowedExtensionIds().includes(id)) {
        return this.sendAndClose(c, refuse('forbidden', 'This browser extension is not allowed to talk to Authdesk.'));
      }
      c.origin = frame.origin;
      c.extensionId = id;
      return;
    }
    if (!c.extensionId) return this.sendAndClose(c, refuse('forbidden', 'Connect through the Authdesk native host.'));
    if (frame.t === 'hello') return this.onHello(c, frame);
    if (!c.session || frame.sid !== c.session.keys.sid) {
      return this.sendAndClose(c, refuse('forbidden', 'There is no such session; start again with hello.'));
    }
    let inner: unknown;
    try {
      inner = await open(c.session.keys, frame);
    } catch {
      // SECURITY: a frame that fails AES-GCM authentication was altered (or is not for this session):
      // nothing in it is trusted, and the session is over.
      return this.sendAndClose(c, refuse('validation', 'A message failed its integrity check; the session is closed.'));
    }
    this.options.tap?.('in', inner);
    const message = ExtensionMessage.safeParse(inner);
    if (!message.success) return this.send(c, refuse('validation', 'That message is not one the bridge accepts.'));
    const m = message.data;
    if (!isFresh(m.ts, this.now())) return this.send(c, refuse('expired', 'A message older or newer than 10 seconds was refused. Check the computer clock.', m.id));
    if (!this.replays.accept(m.id, this.now())) return this.send(c, refuse('conflict', 'A message that was already received was refused (replay).', m.id));

    const reply = (result: Result<unknown>) => this.sendSealed(c, { kind: 'result', id: randomId(), ts: this.now(), replyTo: m.id, result });
    if (m.kind === 'status') return reply({ ok: true, value: { pairing: c.session.pairing } });
    // SECURITY: re-check the store on every call, so a revocation takes effect at once.
    const trust = await this.options.hooks.trustOf(c.session.keyId, c.session.publicKey, c.extensionId);
    if (trust.state !== 'paired') {
      if (trust.state === 'revoked' || trust.state === 'declined') c.session.pairing = trust.state;
      return reply({
        ok: false,
        error: {
          code: 'forbidden',
          message:
            trust.state === 'revoked'
              ? REVOKED_MESSAGE
              : trust.state === 'declined'
                ? declinedMessage(trust.retryAt, this.now())
                : 'This browser is not paired yet. Confirm the phrase in Authdesk (Settings, Browser integration).',
        },
      });
    }
    if (m.kind === 'open') {
      this.options.hooks.open({ userId: m.userId, query: m.query });
      return reply({ ok: true, value: { opened: true } });
    }
    return reply(await this.options.hooks.call(m.channel, m.input, { keyId: c.session.keyId, label: trust.label }));
  }

  private async onHello(c: Connection, hello: HelloFrame): Promise<void> {
    const now = this.now();
    if (!isFresh(hello.ts, now)) return this.send(c, refuse('expired', 'The hello was older or newer than 10 seconds. Check the computer clock.', hello.id));
    if (!this.replays.accept(hello.id, now)) return this.sendAndClose(c, refuse('conflict', 'A hello that was already received was refused (replay).', hello.id));
    let keyId: string;
    try {
      keyId = await keyIdOf(hello.key);
    } catch {
      return this.sendAndClose(c, refuse('validation', 'The extension key is not valid.', hello.id));
    }
    const extensionId = c.extensionId as string;
    const trust = await this.options.hooks.trustOf(keyId, hello.key, extensionId);
    if (trust.state === 'revoked') {
      return this.sendAndClose(c, { ...refuse('forbidden', REVOKED_MESSAGE, hello.id), reason: 'revoked' });
    }
    if (trust.state === 'declined') {
      // SECURITY: a declined key cannot keep asking (and keep a request in front of the agent) until its cooldown ends.
      return this.sendAndClose(c, { ...refuse('forbidden', declinedMessage(trust.retryAt, this.now()), hello.id), reason: 'declined', retryAt: trust.retryAt });
    }
    const eph = await generateKeyPair();
    const welcome = {
      t: 'welcome' as const,
      v: BRIDGE_PROTOCOL_VERSION,
      id: randomId(),
      ts: now,
      replyTo: hello.id,
      key: this.options.identity.publicKey,
      eph: await exportPublicKey(eph.publicKey),
      nonce: newNonce(),
      sid: toBase64Url(webcrypto.getRandomValues(new Uint8Array(18))),
      pairing: (trust.state === 'paired' ? 'paired' : 'pending') as PairingState,
    };
    let keys: SessionKeys;
    try {
      keys = await deriveSessionKeys(
        'desktop',
        { staticKey: this.options.identity.privateKey, ephemeralKey: eph.privateKey },
        {
          extensionKey: hello.key,
          extensionEph: hello.eph,
          extensionNonce: hello.nonce,
          desktopKey: welcome.key,
          desktopEph: welcome.eph,
          desktopNonce: welcome.nonce,
          sid: welcome.sid,
        },
      );
    } catch {
      return this.sendAndClose(c, refuse('validation', 'The extension keys are not valid P-256 keys.', hello.id));
    }
    if (trust.state === 'unknown') {
      const phrase = await fingerprintPhrase(this.options.identity.publicKey, hello.key);
      try {
        await this.options.hooks.requestPairing({ keyId, publicKey: hello.key, extensionId, phrase, label: cleanBrowserLabel(hello.label) });
      } catch (error) {
        // SECURITY: a request the audit log cannot record is not put in front of the agent.
        const message = error instanceof AppError ? error.message : 'Authdesk could not record the pairing request.';
        return this.sendAndClose(c, refuse('unavailable', message.slice(0, 500), hello.id));
      }
    }
    c.session = { keys, keyId, publicKey: hello.key, pairing: welcome.pairing };
    this.send(c, welcome);
  }

  private async sendSealed(c: Connection, message: DesktopMessage): Promise<void> {
    if (!c.session) return;
    this.options.tap?.('out', message);
    let frame: Buffer;
    try {
      frame = encodeFrame(await seal(c.session.keys, message));
    } catch {
      // Too large for the browser: answer that instead of the value.
      if (message.kind !== 'result') return;
      const tooBig: DesktopMessage = {
        ...message,
        result: { ok: false, error: { code: 'internal', message: 'The answer is too large for the browser. Open it in Authdesk.' } },
      };
      frame = encodeFrame(await seal(c.session.keys, tooBig));
    }
    if (!c.socket.destroyed) c.socket.write(frame);
  }

  private send(c: Connection, frame: unknown): void {
    if (!c.socket.destroyed) c.socket.write(encodeFrame(frame));
  }

  private sendAndClose(c: Connection, frame: ErrorFrame): void {
    if (!c.socket.destroyed) c.socket.end(encodeFrame(frame));
  }
}

/** Removes a socket file left by a crashed app; refuses when a live app still answers on it. */
async function clearStaleSocket(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new AppError('conflict', 'Another Authdesk is already serving the browser bridge for this data folder. Close it first.');
  await unlink(path).catch(() => undefined);
}
