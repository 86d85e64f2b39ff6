import { flushPromises } from '@vue/test-utils';
import axios from 'axios';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../../../src/emulator';
import { createHandlers } from '../../../../src/main/ipc/handlers';
import { subscribeAll } from '../../../../src/main/ipc/events';
import { createRouter } from '../../../../src/main/ipc/router';
import { createServices, type Services } from '../../../../src/main/services/container';
import { LinuxPolicyFileReader } from '../../../../src/main/services/policy/managed-policy';
import { createKeychain, type Keychain } from '../../../../src/main/services/platform/keychain';
import { fingerprintSecret } from '../../../../src/main/services/tenants/profiles';
import type { Region } from '@shared/domain/tenant';
import type { ChannelName, EventName } from '@shared/ipc';
import type { Platform } from '@console/platform/platform';
import { createPlatform } from '@console/platform/transport';

/** A profile to start with. Without `secret` its keychain entry is really deleted after it is added. */
export interface SeedTenant {
  name: string;
  /** `local` is the built-in local tenant over the file's emulator; it takes no other field. */
  kind?: 'local' | 'remote';
  region?: Region;
  apiUrl?: string;
  tenantId?: string;
  secret?: string;
}

/** One call as the renderer sent it (before the router parsed it). */
export interface RecordedCall {
  channel: ChannelName;
  input: unknown;
}

/**
 * A host for component tests over the REAL main side: the real service container (tenant vault,
 * keychain under a service name of its own, audit log and settings in a temp data dir) behind the
 * real router, with the real event sources pushing to the page. Only Electron's IPC pipe is replaced,
 * by a JSON round trip that can be held open (loading states) or broken (main not answering).
 */
export interface ConsoleHost {
  platform: Platform;
  services: Services;
  /** Every call, in order. */
  calls: RecordedCall[];
  /** The vault's keychain, to prove where a secret went (or that it did not). */
  keychain: Keychain;
  /** Ids of the seeded profiles, in seed order. */
  ids: string[];
  /** Holds calls of `channel` until the returned function is called. */
  hold(channel: ChannelName): () => void;
  /** Breaks the pipe for the next call of `channel`, as a dead main process does (the call rejects). */
  breakNext(channel: ChannelName): void;
  /** Links opened with openExternal. */
  opened: string[];
  /** Resolves once no call is running in main (held calls do not count) and the page took the answers. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Like the vault: the fingerprint shown for a secret. */
export const fingerprint = fingerprintSecret;

let hosts = 0;
const open = new Set<ConsoleHost>();

/**
 * Starts the emulator one test file shares (seeded with the demo users). Call it in beforeAll and
 * close it, with {@link closeConsoleHosts}, in afterAll.
 */
export async function startFileEmulator(): Promise<RunningEmulator> {
  // happy-dom defines XMLHttpRequest, which would make axios (inside @authsignal/node) use the page's
  // XHR. Main runs in Node, where axios uses its http adapter: keep it that way here.
  axios.defaults.adapter = 'http';
  return startEmulator({ seed: 'demo' });
}

/** Closes every host still open (afterEach/afterAll). */
export async function closeConsoleHosts(): Promise<void> {
  await Promise.all([...open].map((h) => h.close()));
}

/**
 * Builds a fresh host over `emulator`: a new data dir and keychain service, `seed` added through the
 * real vault (without a connection test), the one at `activeIndex` made active.
 */
export async function createConsoleHost(
  emulator: RunningEmulator,
  seed: SeedTenant[] = [],
  activeIndex = 0,
  /** A managed policy file (read by the real Linux reader) and the OS account roles are decided for. */
  policy?: { file: string; account: string },
): Promise<ConsoleHost> {
  const dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'console-host-'));
  const keychainService = `authdesk-renderer-${process.pid}-${++hosts}`;
  const keychain = createKeychain(keychainService);
  const services = createServices({
    dataDir,
    keychainService,
    appVersion: '0.0.0-test',
    localTenant: seed.some((t) => t.kind === 'local') ? { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret } : undefined,
    ...(policy ? { managedPolicy: new LinuxPolicyFileReader(policy.file), osAccount: policy.account } : {}),
  });
  const ids: string[] = [];
  for (const t of seed) {
    if (t.kind === 'local') {
      ids.push('local');
      continue;
    }
    const location = t.region ? { region: t.region } : { apiUrl: t.apiUrl ?? emulator.apiUrl };
    const added = await services.tenants.add({ name: t.name, ...location, tenantId: t.tenantId ?? emulator.tenantId, secret: t.secret ?? 'sk_removed_below_0123456789', testFirst: false, makeActive: false });
    if (t.secret === undefined) await keychain.delete(added.id);
    ids.push(added.id);
  }
  if (ids[activeIndex] !== undefined && ids[activeIndex] !== 'local') await services.tenants.setActive(ids[activeIndex]);

  const router = createRouter(createHandlers(services), (channel, error) => console.error(channel, error));
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const stopEvents = subscribeAll(services, (event: EventName, payload) => {
    // A round trip through JSON, as over IPC.
    const data: unknown = JSON.parse(JSON.stringify(payload));
    listeners.get(event)?.forEach((l) => l(data));
  });
  const holds = new Map<string, Promise<void>>();
  const broken = new Set<string>();
  const calls: RecordedCall[] = [];
  const opened: string[] = [];
  let running = 0;

  const platform = createPlatform({
    kind: 'test',
    async call(channel, input) {
      calls.push({ channel, input });
      const gate = holds.get(channel);
      if (gate) await gate;
      if (broken.delete(channel)) throw new Error('IPC pipe closed');
      running++;
      try {
        // A round trip through JSON, as over IPC: nothing but data crosses.
        const result = await router.handle(channel, JSON.parse(JSON.stringify(input ?? {})), { transport: 'test' });
        return JSON.parse(JSON.stringify(result)) as never;
      } finally {
        running--;
      }
    },
    subscribe(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => void set.delete(listener);
    },
    openExternal(url) {
      opened.push(url);
      return url.startsWith('https://');
    },
  });

  const host: ConsoleHost = {
    platform,
    services,
    calls,
    keychain,
    ids,
    opened,
    breakNext: (channel) => void broken.add(channel),
    async settled() {
      // Real calls do file and keychain work: wait for them, let the page react (it may call again), repeat.
      for (let quiet = 0; quiet < 2; ) {
        await flushPromises();
        if (running > 0) {
          quiet = 0;
          await new Promise((r) => setTimeout(r, 2));
        } else quiet++;
      }
    },
    hold(channel) {
      let release!: () => void;
      holds.set(channel, new Promise<void>((r) => (release = r)));
      return () => {
        holds.delete(channel);
        release();
      };
    },
    async close() {
      open.delete(host);
      stopEvents();
      // The keychain outlives the data dir: empty this host's service.
      const accounts = await keychain.list().catch(() => []);
      await Promise.all(accounts.map((account) => keychain.delete(account).catch(() => false)));
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  open.add(host);
  return host;
}
