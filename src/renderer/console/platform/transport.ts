import {
  CHANNEL_NAMES,
  EVENT_NAMES,
  type ChannelName,
  type EventName,
} from '@shared/ipc/channel-names';
import { eventMethodOf, methodOf } from '@shared/ipc/contract';
import type { Result } from '@shared/ipc/result';
import type { Platform, PlatformHost } from './platform';

/** The two primitives every host provides; {@link createPlatform} builds the named API over them. */
export interface PlatformTransport extends PlatformHost {
  /** Sends one call. May reject (a broken pipe); the Platform turns that into a Result. */
  call(channel: ChannelName, input: unknown): Promise<Result<unknown>>;
  /** Listens to one event; returns the unsubscribe function. */
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

const unreachable = (): Result<never> => ({
  ok: false,
  error: {
    code: 'unavailable',
    message: 'The console lost its connection to Authdesk. Reload the window; if it persists, restart Authdesk.',
  },
});

/**
 * Builds a {@link Platform} from a transport, naming methods exactly as the preload does
 * (`tenants:set-active` -> `tenants.setActive`, `tenants:list-changed` -> `events.onTenantsListChanged`),
 * so every adapter stays in step with the channel list without a hand-written method.
 */
export function createPlatform(transport: PlatformTransport): Platform {
  const api: Record<string, Record<string, unknown>> = { events: {} };
  for (const name of CHANNEL_NAMES) {
    const { domain, method } = methodOf(name);
    (api[domain] ??= {})[method] = async (input?: unknown): Promise<Result<unknown>> => {
      try {
        const result = await transport.call(name, input ?? {});
        return isResult(result) ? result : unreachable();
      } catch {
        // The Platform contract: callers get a Result, never an exception, so every view has one error path.
        return unreachable();
      }
    };
  }
  for (const name of EVENT_NAMES) {
    api.events[eventMethodOf(name)] = (listener: (payload: unknown) => void) => transport.subscribe(name, listener);
  }
  return Object.freeze({
    ...(api as unknown as Platform),
    kind: transport.kind,
    openExternal: (url: string) => transport.openExternal(url),
  });
}

function isResult(value: unknown): value is Result<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}
