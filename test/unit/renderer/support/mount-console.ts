import { createTestingPinia } from '@pinia/testing';
import { mount } from '@vue/test-utils';
import { vi } from 'vitest';
import { createMemoryHistory, type Router } from 'vue-router';
import App from '@console/App.vue';
import { PLATFORM_KEY } from '@console/platform/platform';
import { createConsoleRouter } from '@console/router';
import type { RunningEmulator } from '../../../../src/emulator';
import { closeConsoleHosts, createConsoleHost, startFileEmulator, type ConsoleHost, type SeedTenant } from './console-host';

/** Options of {@link mountConsole}. */
export interface MountOptions {
  /** Where to start, e.g. `/settings/tenants`. */
  path?: string;
  seed?: SeedTenant[];
  activeIndex?: number;
  /** Prepares the platform before the app starts (hold or fail a call). */
  before?: (host: ConsoleHost) => unknown;
  /** A managed policy file and the OS account (issue #12 roles). */
  policy?: { file: string; account: string };
}

// One emulator per test file (vitest isolates files), started on the first mount.
let emulator: Promise<RunningEmulator> | undefined;

/** The emulator this file's consoles talk to (seeds without a region or URL point at it). */
export function fileEmulator(): Promise<RunningEmulator> {
  return (emulator ??= startFileEmulator());
}

/** Closes every host and the file's emulator: call it in afterAll. */
export async function closeConsoles(): Promise<void> {
  await closeConsoleHosts();
  const running = emulator;
  emulator = undefined;
  await (await running)?.close();
}

/**
 * Mounts the whole console (App.vue with its real router on a memory history) over a fresh host on
 * the real services (see console-host.ts) and a fresh Pinia whose actions really run. Attached to
 * the document so focus can be asserted.
 */
export async function mountConsole(options: MountOptions = {}) {
  const host = await createConsoleHost(await fileEmulator(), options.seed ?? [], options.activeIndex ?? 0, options.policy);
  await options.before?.(host);
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
  await host.settled();
  return { wrapper, host, router, settle: () => host.settled() };
}
