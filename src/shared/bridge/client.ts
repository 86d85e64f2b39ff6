import type { ErrorInfo } from '../errors';
import type { Result } from '../ipc/result';
import {
  deriveSessionKeys,
  exportPublicKey,
  fingerprintPhrase,
  generateKeyPair,
  newNonce,
  open,
  seal,
  type SessionKeys,
} from './bridge-crypto';
import {
  BRIDGE_PROTOCOL_VERSION,
  BROWSER_LABEL_MAX,
  DesktopFrame,
  DesktopMessage,
  ReplayGuard,
  isFresh,
  type AppState,
  type BridgeChannel,
  type ExtensionMessage,
  type HelloFrame,
  type PairingState,
} from './protocol';
import { after, randomId, type BridgeKey } from './runtime';

/** A message pipe to the desktop (chrome.runtime.Port in the extension; the host's stdio in tests). */
export interface BridgeTransport {
  send(frame: unknown): void;
  close(): void;
}

/** Opens a transport and wires its incoming frames and its end to the client. */
export type BridgeConnector = (handlers: {
  onFrame(frame: unknown): void;
  /** The pipe ended; `reason` is what the browser said (chrome.runtime.lastError), when it said. */
  onClose(reason?: string): void;
}) => BridgeTransport;

/** The extension's long-term key: the private half stays non-extractable. */
export interface ExtensionIdentity {
  privateKey: BridgeKey;
  /** Raw P-256 public key, base64url. */
  publicKey: string;
}

/** Where the client stands with the desktop. */
export type BridgeConnection =
  | { state: 'disconnected' }
  | { state: 'connecting' }
  | { state: AppState; message: string }
  /** The browser could not start Authdesk's native host: integration is off or Authdesk is not installed. */
  | { state: 'host-not-installed'; message: string }
  /**
   * The desktop refuses this browser: `revoked` (pair again with a new key), `declined` (may ask
   * again from `retryAt`), or another refusal.
   */
  | { state: 'refused'; error: ErrorInfo; reason?: 'revoked' | 'declined'; retryAt?: number }
  | { state: 'connected'; pairing: PairingState; phrase: string };

/** How the client is built. */
export interface BridgeClientOptions {
  identity: ExtensionIdentity;
  connect: BridgeConnector;
  /** How this browser describes itself to the agent ("Chrome 140 on Linux"). */
  label?: string;
  /** How long to wait for the desktop (default 15 s: searches may take a few seconds upstream). */
  timeoutMs?: number;
  now?: () => number;
}

const REVOKED: ErrorInfo = {
  code: 'forbidden',
  message: 'This browser was unpaired in Authdesk. Pair it again from the extension.',
};

const DECLINED: ErrorInfo = {
  code: 'forbidden',
  message: 'Pairing was declined in Authdesk. This browser can ask again later.',
};

/** What Chromium says when the host manifest is missing or does not allow this extension. */
const HOST_MISSING = /not found|forbidden|not allowed/i;
const NOT_INSTALLED =
  'Authdesk’s browser connector is not installed for this browser. In Authdesk, open Settings › Browser integration and switch it on.';

type Waiter = { resolve(result: Result<unknown>): void };

const failure = (code: ErrorInfo['code'], message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});

/**
 * The extension's end of the bridge: opens a session (hello/welcome, keys derived on WebCrypto),
 * seals each request, checks each answer's freshness and id, and turns everything into a Result so
 * the console's Platform contract (never reject) holds. Reconnects on the next request after the
 * pipe closed.
 */
export class BridgeClient {
  private transport: BridgeTransport | undefined;
  private keys: SessionKeys | undefined;
  private connecting: Promise<BridgeConnection> | undefined;
  private handshake:
    | { hello: HelloFrame; eph: BridgeKey; resolve(c: BridgeConnection): void; resent?: boolean }
    | undefined;
  private readonly waiters = new Map<string, Waiter>();
  private readonly replays = new ReplayGuard();
  private readonly listeners = new Set<(c: BridgeConnection) => void>();
  private current: BridgeConnection = { state: 'disconnected' };
  private inbox: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: BridgeClientOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** The latest connection state. */
  get connection(): BridgeConnection {
    return this.current;
  }

  /** Listens to connection changes (pairing confirmed or revoked, app gone); returns unsubscribe. */
  onChange(listener: (c: BridgeConnection) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens a session if none is open; resolves with where it stands. */
  connect(): Promise<BridgeConnection> {
    if (this.keys && this.transport && this.current.state === 'connected')
      return Promise.resolve(this.current);
    return (this.connecting ??= this.startSession().finally(() => (this.connecting = undefined)));
  }

  /** Calls a read-only console channel. Never rejects. */
  async call(channel: BridgeChannel, input: unknown): Promise<Result<unknown>> {
    return this.request({ kind: 'call', channel, input });
  }

  /** "Open in Authdesk": asks the desktop to show this user (or search). Never rejects. */
  async openInDesktop(request: { userId?: string; query?: string }): Promise<Result<unknown>> {
    return this.request({ kind: 'open', ...request });
  }

  /** Asks the desktop whether this extension is paired now. */
  async status(): Promise<Result<unknown>> {
    return this.request({ kind: 'status' });
  }

  /** Drops the session (e.g. after "pair again" replaced the identity). */
  close(): void {
    this.transport?.close();
    this.reset({ state: 'disconnected' });
  }

  private async request(
    body: Omit<ExtensionMessage, 'id' | 'ts'> & Record<string, unknown>,
  ): Promise<Result<unknown>> {
    const c = await this.connect();
    if (c.state !== 'connected' || !this.keys || !this.transport) return this.unavailable(c);
    const id = randomId();
    const message = { ...body, id, ts: this.now() };
    const keys = this.keys;
    const transport = this.transport;
    return new Promise<Result<unknown>>((resolve) => {
      const cancel = after(this.timeoutMs, () => {
        this.waiters.delete(id);
        resolve(
          failure('unavailable', 'Authdesk did not answer in time. Check the desktop app, then try again.'),
        );
      });
      this.waiters.set(id, {
        resolve: (r) => {
          cancel();
          resolve(r);
        },
      });
      void seal(keys, message).then((frame) => transport.send(frame));
    });
  }

  private unavailable(c: BridgeConnection): Result<never> {
    if (c.state === 'app-not-running' || c.state === 'bridge-disabled' || c.state === 'host-not-installed')
      return failure('unavailable', c.message);
    if (c.state === 'refused') return { ok: false, error: c.error };
    return failure(
      'unavailable',
      'Authdesk could not be reached. Open Authdesk on this computer, then try again.',
    );
  }

  private async startSession(): Promise<BridgeConnection> {
    this.set({ state: 'connecting' });
    const eph = await generateKeyPair();
    const hello: HelloFrame = {
      t: 'hello',
      v: BRIDGE_PROTOCOL_VERSION,
      id: randomId(),
      ts: this.now(),
      key: this.options.identity.publicKey,
      eph: await exportPublicKey(eph.publicKey),
      nonce: newNonce(),
      ...(this.options.label ? { label: this.options.label.slice(0, BROWSER_LABEL_MAX) } : {}),
    };
    return new Promise<BridgeConnection>((resolve) => {
      const cancel = after(this.timeoutMs, () =>
        finish({
          state: 'app-not-running',
          message: 'Authdesk did not answer. Open Authdesk on this computer, then try again.',
        }),
      );
      const finish = (c: BridgeConnection) => {
        cancel();
        this.handshake = undefined;
        this.set(c);
        resolve(c);
      };
      this.handshake = { hello, eph: eph.privateKey, resolve: finish };
      try {
        const transport: BridgeTransport = this.options.connect({
          // In order: a sealed notice (decrypted asynchronously) must land before a later plain frame.
          onFrame: (frame) =>
            void (this.inbox = this.inbox.then(() => this.onFrame(frame)).catch(() => undefined)),
          onClose: (reason) =>
            void (this.inbox = this.inbox.then(() => {
              // The end of a pipe already replaced (a new session) says nothing about the new one.
              if (this.transport === transport) this.onTransportClosed(reason);
            })),
        });
        this.transport = transport;
        transport.send(hello);
      } catch {
        finish({
          state: 'app-not-running',
          message:
            'The Authdesk native host is not installed. Switch on browser integration in Authdesk settings.',
        });
      }
    });
  }

  private onTransportClosed(reason?: string): void {
    // The host ended before answering the hello: the browser could not start it (no manifest for
    // this browser) or it stopped at once.
    this.handshake?.resolve(
      reason !== undefined && HOST_MISSING.test(reason)
        ? { state: 'host-not-installed', message: NOT_INSTALLED }
        : {
            state: 'app-not-running',
            message: 'Authdesk’s browser connector stopped. Open Authdesk on this computer, then try again.',
          },
    );
    const c = this.current;
    this.reset(
      c.state !== 'connected'
        ? c
        : c.pairing === 'revoked'
          ? { state: 'refused', error: REVOKED, reason: 'revoked' }
          : c.pairing === 'declined'
            ? { state: 'refused', error: DECLINED, reason: 'declined' }
            : { state: 'disconnected' },
    );
  }

  private async onFrame(raw: unknown): Promise<void> {
    const parsed = DesktopFrame.safeParse(raw);
    if (!parsed.success) return;
    const frame = parsed.data;
    const hs = this.handshake;
    if (frame.t === 'state') {
      hs?.resolve({ state: frame.state, message: frame.message });
      if (!hs) this.set({ state: frame.state, message: frame.message });
      this.failAll(failure('unavailable', frame.message));
      return;
    }
    if (frame.t === 'error') {
      const error: ErrorInfo = { code: frame.code, message: frame.message };
      const why = {
        ...(frame.reason ? { reason: frame.reason } : {}),
        ...(frame.retryAt !== undefined ? { retryAt: frame.retryAt } : {}),
      };
      if (hs && (!frame.replyTo || frame.replyTo === hs.hello.id)) {
        // A native host that took long to start delivers the hello late: it is refused as stale
        // and the pipe stays open, so say hello once more, now that the host is up.
        if (frame.code === 'expired' && !hs.resent && this.transport) {
          hs.resent = true;
          hs.hello = { ...hs.hello, id: randomId(), ts: this.now() };
          this.transport.send(hs.hello);
          return;
        }
        return hs.resolve({ state: 'refused', error, ...why });
      }
      const waiter = frame.replyTo ? this.waiters.get(frame.replyTo) : undefined;
      if (waiter && frame.replyTo) {
        this.waiters.delete(frame.replyTo);
        return waiter.resolve({ ok: false, error });
      }
      // Not about one request: the session is over (tampered, revoked, connection closed).
      this.failAll({ ok: false, error });
      this.keys = undefined;
      if (frame.code === 'forbidden') this.set({ state: 'refused', error, ...why });
      else if (this.current.state === 'connected' && this.current.pairing === 'revoked')
        this.set({ state: 'refused', error: REVOKED, reason: 'revoked' });
      else if (this.current.state === 'connected') this.set({ state: 'disconnected' });
      return;
    }
    if (frame.t === 'welcome') {
      if (
        !hs ||
        frame.replyTo !== hs.hello.id ||
        !isFresh(frame.ts, this.now()) ||
        !this.replays.accept(frame.id, this.now())
      )
        return;
      try {
        this.keys = await deriveSessionKeys(
          'extension',
          { staticKey: this.options.identity.privateKey, ephemeralKey: hs.eph },
          {
            extensionKey: hs.hello.key,
            extensionEph: hs.hello.eph,
            extensionNonce: hs.hello.nonce,
            desktopKey: frame.key,
            desktopEph: frame.eph,
            desktopNonce: frame.nonce,
            sid: frame.sid,
          },
        );
      } catch {
        return hs.resolve({
          state: 'refused',
          error: { code: 'validation', message: 'Authdesk answered with keys that are not valid.' },
        });
      }
      const phrase = await fingerprintPhrase(frame.key, hs.hello.key);
      return hs.resolve({ state: 'connected', pairing: frame.pairing, phrase });
    }
    if (!this.keys) return;
    let inner: unknown;
    try {
      inner = await open(this.keys, frame);
    } catch {
      // SECURITY: an answer that fails authentication is dropped; its request times out.
      return;
    }
    const message = DesktopMessage.safeParse(inner);
    if (
      !message.success ||
      !isFresh(message.data.ts, this.now()) ||
      !this.replays.accept(message.data.id, this.now())
    )
      return;
    const m = message.data;
    if (m.kind === 'pairing') {
      // Declined and revoked are learned at once: the panel stops waiting and says so.
      if (m.state === 'declined' || m.state === 'revoked') {
        const error = m.state === 'declined' ? DECLINED : REVOKED;
        const transport = this.transport;
        this.transport = undefined;
        this.keys = undefined;
        transport?.close();
        this.failAll({ ok: false, error });
        this.set({ state: 'refused', error, reason: m.state, ...(m.retryAt ? { retryAt: m.retryAt } : {}) });
      } else if (this.current.state === 'connected') this.set({ ...this.current, pairing: m.state });
      return;
    }
    const waiter = this.waiters.get(m.replyTo);
    if (!waiter) return;
    this.waiters.delete(m.replyTo);
    waiter.resolve(m.result);
  }

  private failAll(result: Result<never>): void {
    for (const [id, w] of this.waiters) {
      this.waiters.delete(id);
      w.resolve(result);
    }
  }

  private reset(next: BridgeConnection): void {
    this.transport = undefined;
    this.keys = undefined;
    this.failAll(failure('unavailable', 'The connection to Authdesk closed. Try again.'));
    this.set(next);
  }

  private set(next: BridgeConnection): void {
    this.current = next;
    for (const l of this.listeners) l(next);
  }
}
