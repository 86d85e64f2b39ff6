import type { EventName, EventPayload } from '@shared/ipc';
import type { Services } from '../services/container';

/** Where each event main pushes comes from: one subscription per event name, or the compiler complains. */
export type EventSources = {
  [E in EventName]: (services: Services, listener: (payload: EventPayload<E>) => void) => () => void;
};

/**
 * The services' change notifications, by event name. Shared by every transport (the Electron
 * shell's ipcMain transport and the browser harness) so an event reaches both or neither.
 */
export const eventSources: EventSources = {
  'tenants:list-changed': (services, listener) => services.tenants.onChange(listener),
  'coverage:progress-changed': (services, listener) => services.coverage.onProgress(listener),
};

/** Subscribes `emit` to every event; returns the function that unsubscribes all of them. */
export function subscribeAll(services: Services, emit: (name: EventName, payload: unknown) => void): () => void {
  const stops = (Object.keys(eventSources) as EventName[]).map((name) =>
    (eventSources[name] as (s: Services, l: (p: unknown) => void) => () => void)(services, (payload) => emit(name, payload)),
  );
  return () => stops.forEach((stop) => stop());
}
