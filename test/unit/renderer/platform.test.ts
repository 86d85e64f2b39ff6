import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, EVENT_NAMES, eventMethodOf, methodOf, type Api } from '@shared/ipc';
import { createDesktopPlatform } from '@console/platform/desktop';
import { createPlatform } from '@console/platform/transport';
import { createServicePlatform, type ServicePlatform } from './support/service-platform';

// The only mock allowed: the `electron` module, so the REAL preload can build window.authdesk here.
const bridge = vi.hoisted(() => {
  const exposed: Record<string, unknown> = {};
  let invoke: undefined | ((channel: string, input: unknown) => Promise<unknown>);
  return { exposed, invoke, listeners: new Map<string, Set<(event: unknown, payload: unknown) => void>>() };
});
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (bridge.exposed[key] = api) },
  ipcRenderer: {
    invoke: (channel: string, input: unknown) => bridge.invoke!(channel, input),
    on: (channel: string, l: (event: unknown, payload: unknown) => void) => {
      const set = bridge.listeners.get(channel) ?? new Set();
      bridge.listeners.set(channel, set);
      set.add(l);
    },
    removeListener: (channel: string, l: (event: unknown, payload: unknown) => void) => bridge.listeners.get(channel)?.delete(l),
  },
}));

// The real router over the real services (temp data dir, real keychain, one emulator for the file).
let host: ServicePlatform;
beforeAll(async () => {
  host = await createServicePlatform();
});
afterAll(async () => {
  await host?.close();
});

describe('createPlatform', () => {
  it('names one method per channel and one subscription per event, as the preload does', () => {
    const { platform } = host;
    for (const name of CHANNEL_NAMES) {
      const { domain, method } = methodOf(name);
      expect(typeof (platform as unknown as Record<string, Record<string, unknown>>)[domain][method], name).toBe('function');
    }
    for (const name of EVENT_NAMES) {
      expect(typeof (platform.events as unknown as Record<string, unknown>)[eventMethodOf(name)], name).toBe('function');
    }
  });

  it('turns a broken transport into an `unavailable` Result instead of a rejection', async () => {
    const platform = createPlatform({
      kind: 'test',
      call: () => Promise.reject(new Error('pipe closed')),
      subscribe: () => () => {},
      openExternal: () => false,
    });
    const result = await platform.tenants.list();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('unavailable');
      expect(result.error.message).toMatch(/reload/i);
    }
  });

  it('refuses an answer that is not a Result', async () => {
    const platform = createPlatform({
      kind: 'test',
      call: () => Promise.resolve('surprise' as never),
      subscribe: () => () => {},
      openExternal: () => false,
    });
    expect((await platform.app.info()).ok).toBe(false);
  });
});

describe('createDesktopPlatform over the real preload', () => {
  it('calls every channel by its preload name and receives events', async () => {
    const { emulator } = host;
    await host.services.tenants.add({ name: 'Prod', apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret, testFirst: false, makeActive: false });
    const seen: string[] = [];
    bridge.invoke = (channel, input) => {
      seen.push(channel);
      const { domain, method } = methodOf(channel);
      return (host.platform as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[domain][method](input);
    };
    await import('../../../src/preload/console');
    const desktop = createDesktopPlatform(bridge.exposed.authdesk as Api);

    const list = await desktop.tenants.list();
    expect(list.ok && list.value.tenants.map((t) => t.name)).toContain('Prod');
    const renamed = await desktop.tenants.rename({ id: 'prod', name: 'Production' });
    expect(renamed.ok && renamed.value.name).toBe('Production');
    expect(seen).toEqual(['tenants:list', 'tenants:rename']);

    // Every channel, by its preload method name: each reaches the real router under its own name. A
    // string is no channel's input, so each answers the router's validation Result (an unknown
    // channel would answer 'Unknown channel' instead) and no service does any work.
    seen.splice(0);
    for (const name of CHANNEL_NAMES) {
      const { domain, method } = methodOf(name);
      const call = (desktop as unknown as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[domain][method];
      const result = await call('not an input');
      expect(result, name).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect(result, name).not.toMatchObject({ error: { message: 'Unknown channel' } });
    }
    expect(seen).toEqual([...CHANNEL_NAMES]);

    const received: unknown[] = [];
    const stop = desktop.events.onTenantsListChanged((payload) => received.push(payload));
    for (const l of bridge.listeners.get('tenants:list-changed') ?? []) l({ sender: 'never exposed' }, { tenants: [], activeId: null });
    stop();
    for (const l of bridge.listeners.get('tenants:list-changed') ?? []) l({}, { tenants: [], activeId: 'x' });
    expect(received).toEqual([{ tenants: [], activeId: null }]);
  });

  it('reports `unavailable` when there is no bridge at all', async () => {
    const desktop = createDesktopPlatform(undefined);
    const result = await desktop.tenants.list();
    expect(!result.ok && result.error.code).toBe('unavailable');
    expect(desktop.events.onTenantsListChanged(() => {})).toBeTypeOf('function');
  });

  it('opens only https links', () => {
    const open = vi.spyOn(window, 'open').mockReturnValue(null);
    const desktop = createDesktopPlatform(undefined);
    expect(desktop.openExternal('javascript:alert(1)')).toBe(false);
    expect(desktop.openExternal('http://example.com')).toBe(false);
    expect(open).not.toHaveBeenCalled();
    expect(desktop.openExternal('https://docs.authsignal.com')).toBe(true);
    expect(open).toHaveBeenCalledWith('https://docs.authsignal.com', '_blank', 'noopener,noreferrer');
    open.mockRestore();
  });
});
