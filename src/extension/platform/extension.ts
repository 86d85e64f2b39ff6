import { BRIDGE_CHANNELS, NATIVE_HOST_NAME, type BridgeChannel } from '@shared/bridge/protocol';
import { BridgeClient, type BridgeConnector, type ExtensionIdentity } from '@shared/bridge/client';
import { createPlatform, type Platform } from '@console/public';

/** chrome.runtime.connectNative as a {@link BridgeConnector}: one host process per session. */
export const nativeConnector: BridgeConnector = (handlers) => {
  const port = chrome.runtime.connectNative(NATIVE_HOST_NAME);
  port.onMessage.addListener((message: unknown) => handlers.onFrame(message));
  port.onDisconnect.addListener(() => {
    // Reading lastError marks it handled; its text tells "not installed" ("Specified native messaging
    // host not found.") from a host that started and stopped.
    handlers.onClose(chrome.runtime.lastError?.message);
  });
  return { send: (frame) => port.postMessage(frame), close: () => port.disconnect() };
};

const isBridgeChannel = (channel: string): channel is BridgeChannel => (BRIDGE_CHANNELS as readonly string[]).includes(channel);

/**
 * The console's Platform inside the extension: the read-only channels go over the bridge to the
 * desktop app; every other channel answers `forbidden` with the way forward, so the same stores and
 * views run unchanged and anything that changes state happens in the desktop window.
 */
export function createExtensionPlatform(client: BridgeClient): Platform {
  return createPlatform({
    kind: 'browser',
    call(channel, input) {
      if (isBridgeChannel(channel)) return client.call(channel, input);
      // SECURITY: the extension never asks for more than lookups; the desktop refuses anything else too.
      return Promise.resolve({
        ok: false,
        error: { code: 'forbidden', message: 'This is done in the Authdesk desktop app: use “Open in Authdesk”.' },
      });
    },
    subscribe: () => () => {},
    openExternal(url) {
      if (!/^https:\/\//i.test(url)) return false;
      void chrome.tabs.create({ url });
      return true;
    },
  });
}

/** The bridge client over native messaging for an identity. */
export function createNativeClient(identity: ExtensionIdentity): BridgeClient {
  return new BridgeClient({ identity, connect: nativeConnector, label: browserLabel() });
}

/**
 * How this browser describes itself to the agent when it asks to pair: brand, major version and
 * OS ("Chromium 140 on Linux"), from User-Agent Client Hints where present, else the UA string.
 */
export function browserLabel(nav: Pick<Navigator, 'userAgent'> & { userAgentData?: { brands?: { brand: string; version: string }[]; platform?: string } } = navigator): string {
  const brands = (nav.userAgentData?.brands ?? []).filter((b) => !/not.?a.?brand/i.test(b.brand));
  const named = brands.find((b) => b.brand !== 'Chromium') ?? brands[0];
  const ua = nav.userAgent;
  const fromUa = /(Edg|OPR|Brave|Chrome|Chromium)\/(\d+)/.exec(ua);
  const brand = named ? `${named.brand} ${named.version}` : fromUa ? `${{ Edg: 'Edge', OPR: 'Opera' }[fromUa[1]] ?? fromUa[1]} ${fromUa[2]}` : 'Browser';
  const os = nav.userAgentData?.platform || (/Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '');
  return os ? `${brand} on ${os}` : brand;
}
