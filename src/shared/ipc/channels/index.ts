import type { z } from 'zod';
import type { ChannelName, EventName } from '../channel-names';
import type { ApiMethod, CamelCase, ChannelSpec, DomainOf } from '../contract';
import { appChannels } from './app';
import { tenantChannels, tenantEvents } from './tenants';
import { userChannels } from './users';
import { authenticatorChannels } from './authenticators';
import { auditChannels } from './audit';
import { teamChannels } from './team';
import { settingsChannels } from './settings';
import { verificationChannels } from './verification';
import { enrollmentChannels } from './enrollment';
import { bridgeChannels } from './bridge';
import { coverageChannels, coverageEvents } from './coverage';

/**
 * The schema table: every channel's input and output schema. To add a channel, add its name to
 * `CHANNEL_NAMES`, its spec to a domain file here, and its handler in `src/main/ipc/handlers`:
 * the compiler refuses any of the three without the others.
 */
export const channels = {
  ...appChannels,
  ...tenantChannels,
  ...auditChannels,
  ...teamChannels,
  ...settingsChannels,
  ...verificationChannels,
  ...enrollmentChannels,
  ...bridgeChannels,
  ...coverageChannels,
  ...userChannels,
  ...authenticatorChannels,
} satisfies Record<ChannelName, ChannelSpec>;

/** Payload schema of every event main pushes to the console. */
export const events = {
  ...tenantEvents,
  ...coverageEvents,
} satisfies Record<EventName, z.ZodType>;

// The table must not hold a channel that CHANNEL_NAMES lacks (satisfies only checks the other way).
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const channelTableIsExact: Exactly<keyof typeof channels, ChannelName> = true;
const eventTableIsExact: Exactly<keyof typeof events, EventName> = true;
void channelTableIsExact;
void eventTableIsExact;

export type Channels = typeof channels;
/** What a caller passes (before defaults are applied). */
export type ChannelInput<C extends ChannelName> = z.input<Channels[C]['input']>;
/** What a handler receives (after parsing). */
export type ChannelParsedInput<C extends ChannelName> = z.output<Channels[C]['input']>;
/** What a caller gets back. */
export type ChannelOutput<C extends ChannelName> = z.output<Channels[C]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** `window.authdesk` and every Platform adapter: one named method per channel, grouped by domain. */
export type Api = {
  [D in DomainOf<ChannelName> as CamelCase<D>]: {
    [C in ChannelName as C extends `${D}:${infer V}` ? CamelCase<V> : never]: ApiMethod<
      ChannelInput<C>,
      ChannelOutput<C>
    >;
  };
} & { events: EventApi };

type EventMethodName<E extends string> = E extends `${infer D}:${infer N}`
  ? `on${Capitalize<CamelCase<D>>}${Capitalize<CamelCase<N>>}`
  : never;

/** `onTenantsListChanged(cb) => unsubscribe`, one per event. */
export type EventApi = {
  [E in EventName as EventMethodName<E>]: (listener: (payload: EventPayload<E>) => void) => () => void;
};

export { CHANNEL_NAMES, EVENT_NAMES } from '../channel-names';
export type { ChannelName, EventName } from '../channel-names';
