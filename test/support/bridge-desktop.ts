import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { createHandlers } from '../../src/main/ipc/handlers/index';
import { createRouter, type Router } from '../../src/main/ipc/router';
import { encodeFrame, FrameReader, parseFrameBody } from '../../src/main/services/browser-bridge/framing';
import { createServices, type Services } from '../../src/main/services/container';
import { userDataDirTarget } from '../../src/main/services/browser-bridge/native-host-manifest';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import { BridgeClient, type BridgeConnector, type ExtensionIdentity } from '@shared/bridge/client';
import { exportPublicKey, keyIdOf } from '@shared/bridge/bridge-crypto';
import type { BridgeKey } from '@shared/bridge/runtime';

/**
 * The desktop side of the browser bridge for integration and e2e tests: the real services over a
 * demo local tenant (the emulator over HTTP), the real router, and the bridge switched on, writing
 * its host manifests into a throwaway home (and a test browser's user-data-dir) and listening on the
 * real socket. Every inner message is recorded in the clear (`frames`) so tests can prove what
 * never crosses the bridge.
 */
export interface TestDesktop {
  readonly emulator: RunningEmulator;
  readonly services: Services;
  readonly router: Router;
  readonly dataDir: string;
  readonly home: string;
  /** Inner messages, both directions, as JSON text. */
  readonly frames: { direction: 'in' | 'out'; json: string }[];
  /** "Open in Authdesk" requests the desktop received. */
  readonly opened: { userId?: string; query?: string }[];
  /** The launcher script the host manifests point at. */
  readonly launcherPath: string;
  /** Confirms the pending pairing of this extension key (the agent clicking Pair in settings). */
  confirmPending(publicKey: string): Promise<{ phrase: string; keyId: string }>;
  close(): Promise<void>;
}

/** Where this checkout's CLI launcher lives. */
export const AUTHDESK_BIN = join(import.meta.dirname, '../../bin/authdesk');

/** Starts the desktop side; `userDataDir` adds a host manifest for a test Chromium profile. */
export async function startTestDesktop(options: { userDataDir?: string; dataDir?: string; enable?: boolean } = {}): Promise<TestDesktop> {
  const emulator = await startEmulator({ seed: 'demo' });
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'authdesk-bridge-')));
  const home = await mkdtemp(join(tmpdir(), 'authdesk-bridge-home-'));
  const frames: TestDesktop['frames'] = [];
  const opened: TestDesktop['opened'] = [];
  const services = createServices({
    dataDir,
    keychainService: process.env.AUTHDESK_KEYCHAIN_SERVICE?.trim() || 'authdesk-bridge-test',
    appVersion: '0.0.0-bridge-test',
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
    bridge: {
      home,
      env: {},
      hostCommand: { command: process.execPath, args: [AUTHDESK_BIN] },
      extraTargets: options.userDataDir ? [userDataDirTarget(options.userDataDir)] : [],
      tap: (direction, message) => frames.push({ direction, json: JSON.stringify(message) }),
    },
  });
  const router = createRouter(createHandlers(services), (channel, error) => console.error(`[bridge-desktop] unexpected error in ${channel}`, error));
  await services.bridge.attach((channel, input) => router.handle(channel, input, { transport: 'extension' }));
  services.bridge.onOpen((request) => opened.push(request));
  if (options.enable !== false) await services.bridge.setEnabled(true);
  return {
    emulator,
    services,
    router,
    dataDir,
    home,
    frames,
    opened,
    launcherPath: join(dataDir, 'browser-bridge', 'native-host', 'authdesk-native-host'),
    async confirmPending(publicKey) {
      const keyId = await keyIdOf(publicKey);
      const p = (await services.bridge.status()).pending.find((x) => x.keyId === keyId);
      if (!p) throw new Error('no pending pairing for that key');
      await services.bridge.confirmPairing(p.pairingId, p.phrase);
      return { phrase: p.phrase, keyId: p.keyId };
    },
    async close() {
      await services.close();
      await emulator.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A new extension identity, as the extension makes on first run. */
export async function newExtensionIdentity(): Promise<ExtensionIdentity> {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  return { privateKey: pair.privateKey as unknown as BridgeKey, publicKey: await exportPublicKey(pair.publicKey) };
}

/** A native host process started as Chromium starts it (the launcher, the origin argument). */
export interface HostProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Frames the host wrote to stdout, parsed. */
  readonly received: unknown[];
  /** Sends raw bytes to the host's stdin. */
  writeRaw(bytes: Buffer): void;
  send(frame: unknown): void;
  /** Resolves with the next frame written to stdout after `count` frames. */
  next(timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts the host through `launcherPath` (or bin/authdesk) for the Authdesk extension origin. */
export function startHost(launcherPath: string, env: Record<string, string> = {}, origin = `chrome-extension://${AUTHDESK_EXTENSION_ID}/`): HostProcess {
  const child = spawn(launcherPath, [origin], { env: { ...process.env, ...env }, stdio: 'pipe' });
  // A host that already exited (as it should after a refusal) must not fail the test on a late write.
  child.stdin.on('error', () => undefined);
  const reader = new FrameReader();
  const received: unknown[] = [];
  let waiting: ((frame: unknown) => void) | undefined;
  let read = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    for (const event of reader.push(chunk)) {
      if (event.kind !== 'frame') continue;
      received.push(parseFrameBody(event.body));
      if (waiting && received.length > read) {
        const w = waiting;
        waiting = undefined;
        w(received[read++]);
      }
    }
  });
  return {
    child,
    received,
    writeRaw: (bytes) => child.stdin.write(bytes),
    send: (frame) => child.stdin.write(encodeFrame(frame)),
    next(timeoutMs = 10_000) {
      if (received.length > read) return Promise.resolve(received[read++]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the host wrote nothing in time')), timeoutMs);
        waiting = (frame) => {
          clearTimeout(timer);
          resolve(frame);
        };
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}

/** A {@link BridgeConnector} over a fresh host process per session: what chrome.runtime.connectNative does. */
export function hostConnector(launcherPath: string, hosts: HostProcess[] = []): BridgeConnector {
  return (handlers) => {
    const { onFrame, onClose } = { onFrame: (f: unknown) => handlers.onFrame(f), onClose: () => handlers.onClose() };
    const host = startHost(launcherPath);
    hosts.push(host);
    const reader = new FrameReader();
    host.child.stdout.removeAllListeners('data');
    host.child.stdout.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) if (event.kind === 'frame') onFrame(parseFrameBody(event.body));
    });
    host.child.once('exit', () => onClose());
    return { send: (frame) => host.send(frame), close: () => host.child.stdin.end() };
  };
}

/** A Node stand-in for the extension's client over a real host process. */
export async function nodeExtensionClient(launcherPath: string, identity?: ExtensionIdentity): Promise<{ client: BridgeClient; identity: ExtensionIdentity; hosts: HostProcess[] }> {
  const id = identity ?? (await newExtensionIdentity());
  const hosts: HostProcess[] = [];
  return { client: new BridgeClient({ identity: id, connect: hostConnector(launcherPath, hosts) }), identity: id, hosts };
}
