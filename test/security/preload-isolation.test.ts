import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, EVENT_NAMES } from '@shared/ipc/channel-names';
import { eventMethodOf, methodOf } from '@shared/ipc/contract';

// What each preload hands its page (issue #7, item 3), over a mocked electron: the console gets one
// named function per channel and nothing that can pick a channel; the guided-enrollment window gets
// its three functions and no way at all to the console API. (Which frames main answers is proven in
// test/unit/main/electron/ipc-transport.test.ts; webPreferences in windows.test.ts.)

const exposed = new Map<string, unknown>();
const invoked: { channel: string; args: unknown[] }[] = [];
const listeners = new Map<string, ((event: unknown, payload: unknown) => void)[]>();

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, value: unknown) => {
      if (exposed.has(key)) throw new Error(`exposed twice: ${key}`);
      exposed.set(key, value);
    },
  },
  ipcRenderer: {
    invoke: (channel: string, ...args: unknown[]) => {
      invoked.push({ channel, args });
      return Promise.resolve({ ok: true, value: null });
    },
    on: (channel: string, fn: (event: unknown, payload: unknown) => void) => void (listeners.get(channel) ?? listeners.set(channel, []).get(channel)!).push(fn),
    removeListener: (channel: string, fn: (event: unknown, payload: unknown) => void) =>
      void listeners.set(channel, (listeners.get(channel) ?? []).filter((f) => f !== fn)),
    send: () => {
      throw new Error('a preload must not use send');
    },
    sendSync: () => {
      throw new Error('a preload must not use sendSync');
    },
  },
}));

beforeEach(() => {
  exposed.clear();
  invoked.splice(0);
  listeners.clear();
  vi.resetModules();
});

/** Every function reachable from a value, by path (the whole surface a page could touch). */
function surface(value: unknown, path = '', seen = new Set<unknown>()): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return out;
  seen.add(value);
  if (typeof value === 'function') out.set(path, value);
  for (const key of Object.getOwnPropertyNames(value)) {
    if (typeof value === 'function' && ['length', 'name', 'prototype'].includes(key)) continue;
    for (const [p, v] of surface((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, seen)) out.set(p, v);
  }
  return out;
}

describe('console preload', () => {
  it('exposes window.authdesk only: one function per channel and per event, nothing generic', async () => {
    await import('../../src/preload/console');
    expect([...exposed.keys()]).toEqual(['authdesk']);
    const fns = surface(exposed.get('authdesk'));
    const expected = [
      ...CHANNEL_NAMES.map((c) => `${methodOf(c).domain}.${methodOf(c).method}`),
      ...EVENT_NAMES.map((e) => `events.${eventMethodOf(e)}`),
    ].sort();
    expect([...fns.keys()].sort()).toEqual(expected);
    for (const name of fns.keys()) expect(name).not.toMatch(/invoke|send|ipc|emit|raw|call$/i);
  });

  it('each function reaches exactly its own channel, whatever a page passes to it', async () => {
    await import('../../src/preload/console');
    const api = exposed.get('authdesk') as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
    for (const channel of CHANNEL_NAMES) {
      const { domain, method } = methodOf(channel);
      invoked.splice(0);
      // A hostile page tries to smuggle another channel or extra arguments through.
      await api[domain][method]({ channel: 'tenants:remove' }, 'tenants:remove', () => 'x');
      expect(invoked).toEqual([{ channel, args: [{ channel: 'tenants:remove' }] }]);
    }
  });

  it('event listeners get the payload only, never the IPC event (its sender could message any channel)', async () => {
    await import('../../src/preload/console');
    const api = exposed.get('authdesk') as { events: Record<string, (cb: (...args: unknown[]) => void) => () => void> };
    for (const name of EVENT_NAMES) {
      const got: unknown[][] = [];
      const off = api.events[eventMethodOf(name)]((...args) => got.push(args));
      const fakeEvent = { sender: { send: () => undefined }, ports: [] };
      for (const fn of listeners.get(name) ?? []) fn(fakeEvent, { hello: 1 });
      expect(got).toEqual([[{ hello: 1 }]]);
      off();
      expect(listeners.get(name)).toEqual([]);
      expect(() => api.events[eventMethodOf(name)]('not a function' as never)).toThrow(TypeError);
    }
  });
});

describe('guided-enrollment preload', () => {
  it('exposes its three functions only, and none reaches a console channel', async () => {
    await import('../../src/preload/enroll');
    expect([...exposed.keys()]).toEqual(['authdeskEnroll']);
    const fns = surface(exposed.get('authdeskEnroll'));
    expect([...fns.keys()].sort()).toEqual(['cancel', 'complete', 'session']);
    for (const fn of fns.values()) await (fn as (...args: unknown[]) => Promise<unknown>)('tenants:list', { secret: true });
    const channels = invoked.map((i) => i.channel);
    expect(channels.sort()).toEqual(['enroll-window:cancel', 'enroll-window:complete', 'enroll-window:session']);
    for (const c of channels) expect(CHANNEL_NAMES as readonly string[]).not.toContain(c);
    // The session call takes no page input at all.
    expect(invoked.find((i) => i.channel === 'enroll-window:session')?.args).toEqual([]);
  });
});
