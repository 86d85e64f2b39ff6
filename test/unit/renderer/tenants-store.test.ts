import { createPinia, setActivePinia } from 'pinia';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from 'vue';
import type { RunningEmulator } from '../../../src/emulator';
import { installPlatform } from '@console/platform/platform';
import { useTenantsStore } from '@console/stores/tenants';
import { closeConsoleHosts, createConsoleHost, startFileEmulator, type SeedTenant } from './support/console-host';

// The real vault, router and keychain behind the store; one emulator for the file.
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startFileEmulator();
});
afterEach(closeConsoleHosts);
afterAll(async () => {
  await emulator?.close();
});

/** A fresh app + Pinia per test, with the platform provided at app level as main.ts does. */
async function setup(seed: SeedTenant[] = []) {
  const host = await createConsoleHost(emulator, seed);
  const app = createApp({});
  installPlatform(app, host.platform);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { host, store: useTenantsStore(), pinia };
}

describe('useTenantsStore', () => {
  it('loads the list and knows the active tenant', async () => {
    const { store } = await setup([{ name: 'Local', kind: 'local' }, { name: 'Prod', region: 'us' }]);
    expect(store.loaded).toBe(false);
    const pending = store.load();
    expect(store.loading).toBe(true);
    await pending;
    expect(store.loading).toBe(false);
    expect(store.tenants.map((t) => t.name)).toEqual(['Local tenant', 'Prod']);
    expect(store.activeTenant?.name).toBe('Local tenant');
    expect(store.onLocalTenant).toBe(true);
  });

  it('records a failed load as state, not an exception', async () => {
    const { store, host } = await setup();
    // The pipe to main breaks for one call, as when main is gone.
    host.breakNext('tenants:list');
    const result = await store.load();
    expect(result.ok).toBe(false);
    expect(store.loadError).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/reload/i) as unknown });
    expect(store.loaded).toBe(false);
    await store.load();
    expect(store.loadError).toBeNull();
    expect(store.loaded).toBe(true);
  });

  it('takes the list main pushes, and stops listening when disposed', async () => {
    const { store, host } = await setup([{ name: 'Prod', region: 'us' }]);
    await store.load();
    expect(store.tenants.map((t) => t.name)).toEqual(['Prod']);
    // A change made in main (another window, the CLI) is pushed by the real event source.
    await host.services.tenants.remove(host.ids[0]);
    expect(store.tenants).toEqual([]);
    store.$dispose();
    await host.services.tenants.add({ name: 'Later', apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret, testFirst: false });
    expect(store.tenants).toEqual([]);
  });

  it('keeps the active tenant when main refuses a switch', async () => {
    const { store, host } = await setup([{ name: 'Prod', region: 'us' }]);
    await store.load();
    const result = await store.setActive('nope');
    expect(!result.ok && result.error.code).toBe('not-found');
    expect(store.activeId).toBe(host.ids[0]);
  });
});
