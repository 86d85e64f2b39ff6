import { inject, type App, type InjectionKey } from 'vue';
import type { Api } from '@shared/ipc';

/** Which host the console runs in; views may adapt wording (e.g. "browser tab" vs "window"). */
export type PlatformKind = 'desktop' | 'browser' | 'test';

/** What the host offers besides the IPC channels. */
export interface PlatformHost {
  readonly kind: PlatformKind;
  /**
   * Opens an https link outside the console (the OS browser in the desktop app). Returns false when
   * the URL was refused (not https).
   */
  openExternal(url: string): boolean;
}

/**
 * Everything the console may ask of its host: one named method per IPC channel (the shared `Api`
 * type, so a new channel appears here by itself), the event subscriptions, and the host-specific
 * extras. Stores talk to this and never to `window.authdesk`, so tests, the browser harness and a
 * future extension build can each bring their own adapter.
 *
 * Contract: channel methods never reject; a transport failure comes back as an `unavailable` Result.
 */
export type Platform = Api & PlatformHost;

/** Injection key of the Platform; provided once at app level (see {@link installPlatform}). */
export const PLATFORM_KEY: InjectionKey<Platform> = Symbol('authdesk.platform');

/** Makes `platform` the one every store and component of `app` uses. */
export function installPlatform(app: App, platform: Platform): void {
  app.provide(PLATFORM_KEY, platform);
}

/**
 * The Platform of the running app. Works in components and in setup stores (Pinia runs them inside
 * the app's injection context).
 */
export function usePlatform(): Platform {
  const platform = inject(PLATFORM_KEY, null);
  if (!platform) {
    throw new Error('No Platform provided: call installPlatform(app, platform) before mounting (tests: global.provide).');
  }
  return platform;
}
