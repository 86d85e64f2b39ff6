import type { Services } from '../../src/main/services/container';
import type { EventName, EventPayload } from '../../src/shared/ipc';

/** Where each event main pushes comes from: one subscription per event name, or the compiler complains. */
export type EventSources = {
  [E in EventName]: (services: Services, listener: (payload: EventPayload<E>) => void) => () => void;
};

/**
 * The services' change notifications, by event name. TODO(#2): the Electron shell needs the same
 * table to forward events over IPC; move it to src/main/ipc/ when it does, and import it here.
 */
export const eventSources: EventSources = {
  'tenants:list-changed': (services, listener) => services.tenants.onChange(listener),
};

/** Subscribes `emit` to every event; returns the function that unsubscribes all of them. */
export function subscribeAll(services: Services, emit: (name: EventName, payload: unknown) => void): () => void {
  const stops = (Object.keys(eventSources) as EventName[]).map((name) =>
    (eventSources[name] as (s: Services, l: (p: unknown) => void) => () => void)(services, (payload) => emit(name, payload)),
  );
  return () => stops.forEach((stop) => stop());
}
