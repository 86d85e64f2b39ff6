import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import type { BridgeChannel } from '@shared/bridge/protocol';
import { AppError } from '@shared/errors';
import type { Result } from '@shared/ipc/result';
import { runWithCallOrigin } from '../platform/call-origin';
import {
  installNativeHost,
  uninstallNativeHost,
  hostManifestTargets,
  type HostCommand,
  type HostManifestTarget,
  type NativeHostProgram,
  type RegistryRunner,
} from './native-host-manifest';
import { loadDesktopIdentity } from './identity';
import { PairingStore, type PairedExtension } from './pairing-store';
import { bridgeSocketPath } from './paths';
import { BridgeServer, type BridgeTap, type PendingPairing } from './server';

/** Serves one read-only channel as the router would for a given transport. */
export type BridgeDispatch = (channel: BridgeChannel, input: unknown) => Promise<Result<unknown>>;

/** How the bridge service is built. */
export interface BrowserBridgeOptions {
  dataDir: string;
  platform?: NodeJS.Platform;
  home?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * What the host manifests start: the packaged app's own executable, or a command for
   * `authdesk native-host` (default: this Node and bin/authdesk of this checkout).
   */
  hostCommand?: NativeHostProgram;
  /** Extension ids allowed to connect (default: the Authdesk extension's stable id). */
  extensionIds?: readonly string[];
  /** Extra manifest targets (a test browser's user-data-dir). */
  extraTargets?: readonly HostManifestTarget[];
  registry?: RegistryRunner;
  /** Clock (ms), for tests. */
  now?: () => number;
  tap?: BridgeTap;
}

/** What the settings view shows about browser integration. */
export interface BridgeStatusView {
  enabled: boolean;
  listening: boolean;
  socketPath: string;
  extensionIds: string[];
  manifests: { browser: string; path: string }[];
  paired: Omit<PairedExtension, 'publicKey'>[];
  pending: Omit<PendingPairing, 'publicKey'>[];
}

/** Where "Open in Authdesk" requests go (the Electron shell focuses its window). */
export type OpenListener = (request: { userId?: string; query?: string }) => void;

const PENDING_TTL_MS = 10 * 60 * 1000;
/**
 * This Node and the nearest `bin/authdesk` above this module (the source tree or out/main): the
 * dev checkout's host. A packaged app cannot run bin/authdesk (its RunAsNode fuse is off); it
 * passes its own executable instead (packagedHostProgram in native-host-manifest.ts).
 */
function defaultHostCommand(): HostCommand {
  let dir = import.meta.dirname ?? process.cwd();
  for (let i = 0; i < 6; i++) {
    const bin = join(dir, 'bin', 'authdesk');
    if (existsSync(bin)) return { command: process.execPath, args: [bin] };
    dir = dirname(dir);
  }
  throw new AppError('unavailable', 'The Authdesk native host was not found next to this build. Reinstall Authdesk, then switch browser integration on again.');
}

/**
 * Browser integration (issue #8): switching it on writes the native messaging host manifests and
 * opens the bridge socket; pairing requests wait here until the agent confirms the phrase in the
 * desktop app; paired extensions can be revoked. Calls from the extension reach the services
 * marked as coming from the browser, so the audit log records them as such.
 */
export class BrowserBridgeService {
  readonly store: PairingStore;
  readonly socketPath: string;
  private server: BridgeServer | undefined;
  private dispatch: BridgeDispatch | undefined;
  private readonly pending = new Map<string, PendingPairing>();
  private readonly openListeners = new Set<OpenListener>();
  private readonly changeListeners = new Set<() => void>();
  private readonly platform: NodeJS.Platform;
  private readonly now: () => number;

  constructor(private readonly options: BrowserBridgeOptions) {
    this.platform = options.platform ?? process.platform;
    this.store = new PairingStore(options.dataDir);
    this.socketPath = bridgeSocketPath(options.dataDir, this.platform);
    this.now = options.now ?? Date.now;
  }

  private get extensionIds(): readonly string[] {
    return this.options.extensionIds ?? [AUTHDESK_EXTENSION_ID];
  }

  private targetContext() {
    return {
      platform: this.platform,
      home: this.options.home ?? homedir(),
      env: this.options.env ?? process.env,
      dataDir: this.options.dataDir,
      extraTargets: this.options.extraTargets,
      registry: this.options.registry,
    };
  }

  /**
   * Connects the bridge to the router (the app shell does this once the handlers exist) and, when
   * integration is on, starts listening.
   */
  async attach(dispatch: BridgeDispatch): Promise<void> {
    this.dispatch = dispatch;
    if ((await this.store.read()).enabled) await this.startServer();
  }

  /** Switches browser integration on (manifests + socket) or off (both removed, sessions dropped). */
  async setEnabled(enabled: boolean): Promise<BridgeStatusView> {
    if (enabled) {
      await installNativeHost({ ...this.targetContext(), host: this.options.hostCommand ?? defaultHostCommand(), extensionIds: this.extensionIds });
      await this.store.update((s) => void (s.enabled = true));
      if (this.dispatch) await this.startServer();
    } else {
      await this.stopServer();
      await uninstallNativeHost(this.targetContext());
      await this.store.update((s) => void (s.enabled = false));
      this.pending.clear();
    }
    this.changed();
    return this.status();
  }

  /** Integration state, paired extensions and pending pairings (no public keys: nothing to act on). */
  async status(): Promise<BridgeStatusView> {
    const state = await this.store.read();
    this.expirePending();
    return {
      enabled: state.enabled,
      listening: this.server?.listening ?? false,
      socketPath: this.socketPath,
      extensionIds: [...this.extensionIds],
      manifests: state.enabled
        ? [...hostManifestTargets(this.targetContext()), ...(this.options.extraTargets ?? [])].map((t) => ({ browser: t.browser, path: t.manifestPath }))
        : [],
      paired: state.paired.map(({ publicKey: _publicKey, ...rest }) => rest),
      pending: [...this.pending.values()].map(({ publicKey: _publicKey, ...rest }) => rest),
    };
  }

  /**
   * The agent confirms a pairing after comparing the phrase with the one the extension shows. The
   * phrase must be the one shown for this request, so a confirmation meant for another browser
   * cannot land here.
   */
  async confirmPairing(pairingId: string, phrase: string): Promise<BridgeStatusView> {
    this.expirePending();
    const request = [...this.pending.values()].find((p) => p.pairingId === pairingId);
    if (!request) throw new AppError('not-found', 'That pairing request has expired or was already handled. Open the extension to ask again.');
    if (request.phrase !== phrase.trim().toLowerCase().replace(/\s+/g, ' ')) {
      throw new AppError('validation', 'The phrase does not match this pairing request. Do not pair unless both show the same words.');
    }
    const pairedAt = new Date(this.now()).toISOString();
    await this.store.update((s) => {
      s.paired = s.paired.filter((p) => p.keyId !== request.keyId);
      s.paired.push({ keyId: request.keyId, publicKey: request.publicKey, extensionId: request.extensionId, phrase: request.phrase, pairedAt });
      s.revoked = s.revoked.filter((k) => k !== request.keyId);
    });
    this.pending.delete(request.keyId);
    await this.server?.notifyPairing(request.keyId, 'paired');
    this.changed();
    return this.status();
  }

  /** Declines a pairing request. */
  async rejectPairing(pairingId: string): Promise<BridgeStatusView> {
    for (const [keyId, p] of this.pending) if (p.pairingId === pairingId) this.pending.delete(keyId);
    this.changed();
    return this.status();
  }

  /** Revokes a paired extension: its key is refused from now on, and its live sessions end. */
  async revoke(keyId: string): Promise<BridgeStatusView> {
    const state = await this.store.read();
    if (!state.paired.some((p) => p.keyId === keyId)) throw new AppError('not-found', 'No paired browser has that id. Reload the list.');
    await this.store.update((s) => {
      s.paired = s.paired.filter((p) => p.keyId !== keyId);
      if (!s.revoked.includes(keyId)) s.revoked.push(keyId);
    });
    await this.server?.notifyPairing(keyId, 'revoked');
    this.changed();
    return this.status();
  }

  /** Listens to "Open in Authdesk" requests; returns the unsubscribe function. */
  onOpen(listener: OpenListener): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** Listens to status changes (pairing requests, confirmations, revocations). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Stops the socket. */
  async close(): Promise<void> {
    await this.stopServer();
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  private expirePending(): void {
    const now = this.now();
    for (const [keyId, p] of this.pending) if (now - Date.parse(p.requestedAt) > PENDING_TTL_MS) this.pending.delete(keyId);
  }

  private async startServer(): Promise<void> {
    if (this.server?.listening) return;
    const identity = await loadDesktopIdentity(this.options.dataDir);
    const server = new BridgeServer({
      dataDir: this.options.dataDir,
      socketPath: this.socketPath,
      identity,
      now: this.now,
      tap: this.options.tap,
      hooks: {
        trustOf: async (keyId, publicKey, extensionId) => {
          if (await this.store.isRevoked(keyId)) return 'revoked';
          const paired = await this.store.findPaired(keyId);
          // SECURITY: trust is the exact key and the extension id it paired through, nothing less.
          return paired && paired.publicKey === publicKey && paired.extensionId === extensionId ? 'paired' : 'unknown';
        },
        requestPairing: (request) => {
          const existing = this.pending.get(request.keyId);
          if (existing) return;
          this.pending.set(request.keyId, { ...request, pairingId: randomUUID(), requestedAt: new Date(this.now()).toISOString() });
          this.changed();
        },
        call: (channel, input) => {
          const dispatch = this.dispatch;
          if (!dispatch) return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'Authdesk is still starting. Try again in a moment.' } });
          // SECURITY + audit: everything this call does is marked as coming from the browser.
          return runWithCallOrigin('browser', () => dispatch(channel, input));
        },
        open: (request) => {
          for (const l of this.openListeners) l(request);
        },
        allowedExtensionIds: () => this.extensionIds,
      },
    });
    await server.listen();
    this.server = server;
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }
}
