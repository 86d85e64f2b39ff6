import { BRIDGE_CHANNELS, NATIVE_HOST_NAME, type BridgeChannel } from '@shared/bridge/protocol';
import { BridgeClient, type BridgeConnector, type ExtensionIdentity } from '@shared/bridge/client';
import { createPlatform, type Platform } from '@console/public';

/** chrome.runtime.connectNative as a {@link BridgeConnector}: one host process per session. */
export const nativeConnector: BridgeConnector = (handlers) => {
  const port = chrome.runtime.connectNative(NATIVE_HOST_NAME);
  port.onMessage.addListener((message: unknown) => handlers.onFrame(message));
  port.onDisconnect.addListener(() => {
    // Reading lastError marks it handled ("host not found" when integration is off).
    void chrome.runtime.lastError;
    handlers.onClose();
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
  return new BridgeClient({ identity, connect: nativeConnector });
}
