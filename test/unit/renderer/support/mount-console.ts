import { createTestingPinia } from '@pinia/testing';
import { flushPromises, mount } from '@vue/test-utils';
import { vi } from 'vitest';
import { createMemoryHistory, type Router } from 'vue-router';
import App from '../../../../src/renderer/console/App.vue';
import { PLATFORM_KEY } from '../../../../src/renderer/console/platform/platform';
import { createConsoleRouter } from '../../../../src/renderer/console/router';
import { createMemoryPlatform, type MemoryPlatform, type SeedTenant } from './memory-platform';

/** Options of {@link mountConsole}. */
export interface MountOptions {
  /** Where to start, e.g. `/settings/tenants`. */
  path?: string;
  seed?: SeedTenant[];
  activeIndex?: number;
  /** Prepares the platform before the app starts (hold or fail a call). */
  before?: (host: MemoryPlatform) => void;
}

/**
 * Mounts the whole console (App.vue with its real router on a memory history) over a fresh
 * in-memory platform and a fresh Pinia whose actions really run. Attached to the document so
 * focus can be asserted.
 */
export async function mountConsole(options: MountOptions = {}) {
  const host = createMemoryPlatform(options.seed ?? [], options.activeIndex ?? 0);
  options.before?.(host);
  const router: Router = createConsoleRouter(createMemoryHistory());
  await router.push(options.path ?? '/settings/tenants');
  await router.isReady();
  const wrapper = mount(App, {
    attachTo: document.body,
    global: {
      plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn }), router],
      provide: { [PLATFORM_KEY as symbol]: host.platform },
    },
  });
  await flushPromises();
  return { wrapper, host, router };
}
