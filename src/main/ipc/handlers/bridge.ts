import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `bridge:*` channel names. */
type BridgeChannelName = Extract<keyof Handlers, `bridge:${string}`>;

/** Handlers for `bridge:*` (browser integration settings). */
export function bridgeHandlers(services: Services): Pick<Handlers, BridgeChannelName> {
  return {
    'bridge:status': () => services.bridge.status(),
    'bridge:set-enabled': ({ enabled }) => services.bridge.setEnabled(enabled),
    'bridge:confirm-pairing': ({ pairingId, phrase }) => services.bridge.confirmPairing(pairingId, phrase),
    'bridge:reject-pairing': ({ pairingId }) => services.bridge.rejectPairing(pairingId),
    'bridge:revoke': ({ keyId }) => services.bridge.revoke(keyId),
  };
}
