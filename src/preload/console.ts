import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNEL_NAMES, EVENT_NAMES } from '@shared/ipc/channel-names';
import { eventMethodOf, methodOf } from '@shared/ipc/contract';

/**
 * Builds `window.authdesk` from the channel list: one named function per channel and one
 * `on<Event>(listener) => unsubscribe` per event.
 *
 * SECURITY: the renderer never gets ipcRenderer, a generic invoke, or the IpcRendererEvent (whose
 * `sender` would let it message any channel); inputs are validated again in main.
 */
const api: Record<string, Record<string, unknown>> = { events: {} };

for (const name of CHANNEL_NAMES) {
  const { domain, method } = methodOf(name);
  (api[domain] ??= {})[method] = (input?: unknown) => ipcRenderer.invoke(name, input ?? {});
}

for (const name of EVENT_NAMES) {
  api.events[eventMethodOf(name)] = (listener: (payload: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(name, wrapped);
    return () => void ipcRenderer.removeListener(name, wrapped);
  };
}

contextBridge.exposeInMainWorld('authdesk', api);
