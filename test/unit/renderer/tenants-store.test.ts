import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { createApp } from 'vue';
import { installPlatform } from '../../../src/renderer/console/platform/platform';
import { useTenantsStore } from '../../../src/renderer/console/stores/tenants';
import { createMemoryPlatform, type SeedTenant } from './support/memory-platform';

/** A fresh app + Pinia per test, with the platform provided at app level as main.ts does. */
function setup(seed: SeedTenant[] = []) {
  const host = createMemoryPlatform(seed);
  const app = createApp({});
  installPlatform(app, host.platform);
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  return { host, store: useTenantsStore(), pinia };
}

describe('useTenantsStore', () => {
  it('loads the list and knows the active tenant', async () => {
    const { store } = setup([{ name: 'Local', kind: 'local', apiUrl: 'http://127.0.0.1:1/v1' }, { name: 'Prod', region: 'us' }]);
    expect(store.loaded).toBe(false);
    const pending = store.load();
    expect(store.loading).toBe(true);
    await pending;
    expect(store.loading).toBe(false);
    expect(store.tenants.map((t) => t.name)).toEqual(['Local', 'Prod']);
    expect(store.activeTenant?.name).toBe('Local');
    expect(store.onLocalTenant).toBe(true);
  });

  it('records a failed load as state, not an exception', async () => {
    const { store, host } = setup();
    host.failNext('tenants:list', { code: 'unavailable', message: 'Main is not answering.' });
    const result = await store.load();
    expect(result.ok).toBe(false);
    expect(store.loadError).toEqual({ code: 'unavailable', message: 'Main is not answering.' });
    expect(store.loaded).toBe(false);
    await store.load();
    expect(store.loadError).toBeNull();
    expect(store.loaded).toBe(true);
  });

  it('takes the list main pushes, and stops listening when disposed', async () => {
    const { store, host } = setup([{ name: 'Prod', region: 'us' }]);
    await store.load();
    host.emit('tenants:list-changed', { tenants: [], activeId: null });
    expect(store.tenants).toEqual([]);
    store.$dispose();
    host.emit('tenants:list-changed', { tenants: [{ name: 'x' }], activeId: 'x' });
    expect(store.tenants).toEqual([]);
  });

  it('keeps the active tenant when main refuses a switch', async () => {
    const { store } = setup([{ name: 'Prod', region: 'us' }]);
    await store.load();
    const result = await store.setActive('nope');
    expect(!result.ok && result.error.code).toBe('not-found');
    expect(store.activeId).toBe('p1');
  });
});
