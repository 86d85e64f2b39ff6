import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { createMemoryHistory } from 'vue-router';
import App from '@console/App.vue';
import { PLATFORM_KEY } from '@console/platform/platform';
import { createConsoleRouter } from '@console/router';
import type { ServicePlatform } from './service-platform';

/**
 * Mounts the whole console (App.vue, real router on a memory history, a fresh real Pinia) over a
 * {@link ServicePlatform}, attached to the document so focus and keyboard can be asserted.
 */
export async function mountHelpdesk(host: ServicePlatform, path: string) {
  const router = createConsoleRouter(createMemoryHistory());
  await router.push(path);
  await router.isReady();
  const wrapper = mount(App, {
    attachTo: document.body,
    global: { plugins: [createPinia(), router], provide: { [PLATFORM_KEY as symbol]: host.platform } },
  });
  await flushPromises();
  return { wrapper, router };
}

/** Waits until `check` passes (real HTTP is involved), failing after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('Timed out waiting for the console');
    await flushPromises();
    await new Promise((r) => setTimeout(r, 10));
  }
  await flushPromises();
}
