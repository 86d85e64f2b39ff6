import axios from 'axios';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../../../src/emulator';
import { createHandlers } from '../../../../src/main/ipc/handlers';
import { createRouter } from '../../../../src/main/ipc/router';
import { createServices, type Services } from '../../../../src/main/services/container';
import type { Platform } from '@console/platform/platform';
import { createPlatform } from '@console/platform/transport';

/**
 * A test Platform adapter over the REAL main side: the real service container (tenant vault with
 * the local tenant, audit log in a temp dir, directory service…) behind the real router, talking to
 * a real emulator seeded with the demo users over HTTP. Only Electron's IPC pipe is replaced, by a
 * JSON round trip, so component tests exercise schemas, services and the SDK for real.
 */
export interface ServicePlatform {
  platform: Platform;
  services: Services;
  emulator: RunningEmulator;
  /** Every call the console made, in order. */
  calls: { channel: string; input: unknown }[];
  close(): Promise<void>;
}

/** Starts an emulator and the services over it. Close it in afterAll/afterEach. */
export async function createServicePlatform(): Promise<ServicePlatform> {
  // happy-dom defines XMLHttpRequest, which would make axios (inside @authsignal/node) use the page's
  // XHR. Main runs in Node, where axios uses its http adapter: keep it that way here.
  axios.defaults.adapter = 'http';
  const emulator = await startEmulator({ seed: 'demo' });
  const dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'console-'));
  const services = createServices({
    dataDir,
    keychainService: `authdesk-renderer-test-${process.pid}`,
    appVersion: '0.0.0-test',
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
  const router = createRouter(createHandlers(services), (channel, error) => console.error(channel, error));
  const calls: ServicePlatform['calls'] = [];
  const platform = createPlatform({
    kind: 'test',
    async call(channel, input) {
      calls.push({ channel, input });
      // A round trip through JSON, as over IPC: nothing but data crosses.
      const result = await router.handle(channel, JSON.parse(JSON.stringify(input ?? {})), { transport: 'test' });
      return JSON.parse(JSON.stringify(result)) as never;
    },
    subscribe: () => () => {},
    openExternal: () => false,
  });
  return {
    platform,
    services,
    emulator,
    calls,
    async close() {
      await services.close();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
