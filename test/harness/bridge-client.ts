// The browser harness's stand-in for src/preload/console.ts: it defines `window.authdesk` exactly as
// the preload does (same channel list, same method names), but carries calls over loopback HTTP
// instead of Electron IPC. Bundled and served by test/harness/server.ts; never shipped.
import { CHANNEL_NAMES, EVENT_NAMES } from '@shared/ipc/channel-names';
import { eventMethodOf, methodOf } from '@shared/ipc/contract';

const TOKEN_META = 'authdesk-harness-token';
const TOKEN_HEADER = 'x-authdesk-harness-token';

// SECURITY: the per-run token sits in the served page (same-origin readable only) and not in this
// script, so including this script from another origin reveals nothing. Removed once read.
const meta = document.querySelector<HTMLMetaElement>(`meta[name="${TOKEN_META}"]`);
const token = meta?.content ?? '';
meta?.remove();

async function call(channel: string, input: unknown): Promise<unknown> {
  const response = await fetch(`/__harness/call/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
    body: JSON.stringify(input ?? {}),
    cache: 'no-store',
  });
  // Like ipcRenderer.invoke when the pipe breaks: reject, and let the Platform turn it into a Result.
  if (!response.ok) throw new Error(`harness answered ${response.status}`);
  return response.json();
}

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
let streaming = false;

/** Reads the Server-Sent Events stream with fetch, so the token travels in a header, not the URL. */
async function stream(): Promise<void> {
  if (streaming) return;
  streaming = true;
  try {
    const response = await fetch('/__harness/events', { headers: { [TOKEN_HEADER]: token }, cache: 'no-store' });
    if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        dispatch(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  } catch {
    // The harness went away or restarted: try again shortly.
  } finally {
    streaming = false;
  }
  setTimeout(() => void stream(), 1000);
}

function dispatch(block: string): void {
  let name = '';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (!name || data.length === 0) return;
  const payload: unknown = JSON.parse(data.join('\n'));
  for (const listener of listeners.get(name) ?? []) listener(payload);
}

const api: Record<string, Record<string, unknown>> = { events: {} };
for (const name of CHANNEL_NAMES) {
  const { domain, method } = methodOf(name);
  (api[domain] ??= {})[method] = (input?: unknown) => call(name, input ?? {});
}
for (const name of EVENT_NAMES) {
  api.events[eventMethodOf(name)] = (listener: Listener) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const set = listeners.get(name) ?? new Set<Listener>();
    listeners.set(name, set);
    set.add(listener);
    void stream();
    return () => void set.delete(listener);
  };
}

// contextBridge hands the page a frozen copy; do the same so the console cannot rely on more.
for (const group of Object.values(api)) Object.freeze(group);
Object.defineProperty(window, 'authdesk', { value: Object.freeze(api), enumerable: true });
