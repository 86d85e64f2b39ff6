import type { ChannelName, EventName } from '@shared/ipc/channel-names';
import { eventMethodOf, methodOf } from '@shared/ipc/contract';
import type { Api } from '@shared/ipc';
import type { Result } from '@shared/ipc/result';
import type { Platform } from './platform';
import { createPlatform } from './transport';

type Bridge = Record<string, Record<string, ((arg?: unknown) => unknown) | undefined> | undefined>;

/**
 * The Platform over `window.authdesk`, which the Electron preload builds from the channel list (and
 * the browser harness builds the same way). `openExternal` uses `window.open`: the main process's
 * window-open handler denies the new window and hands allowlisted https URLs to the OS browser.
 */
export function createDesktopPlatform(bridge: Api | undefined = window.authdesk, kind: Platform['kind'] = 'desktop'): Platform {
  const named = bridge as unknown as Bridge | undefined;
  const lookup = (domain: string, method: string) => {
    const fn = named?.[domain]?.[method];
    if (typeof fn !== 'function') throw new Error(`window.authdesk.${domain}.${method} is missing`);
    return fn;
  };
  return createPlatform({
    kind,
    call(channel: ChannelName, input: unknown) {
      const { domain, method } = methodOf(channel);
      return lookup(domain, method)(input) as Promise<Result<unknown>>;
    },
    subscribe(event: EventName, listener: (payload: unknown) => void) {
      const on = named?.events?.[eventMethodOf(event)];
      // No bridge (a page opened outside its host): calls report `unavailable`; events simply never come.
      const unsubscribe = typeof on === 'function' ? on(listener) : undefined;
      return typeof unsubscribe === 'function' ? (unsubscribe as () => void) : () => {};
    },
    openExternal(url: string) {
      // SECURITY: only https leaves the console; main re-checks its allowlist before the OS browser opens it.
      if (!/^https:\/\//i.test(url)) return false;
      window.open(url, '_blank', 'noopener,noreferrer');
      return true;
    },
  });
}
