import type { InjectionKey } from 'vue';
import type { BridgeClient } from '@shared/bridge/client';

/** The side panel's bridge client (connection state, pairing, "Open in Authdesk"). */
export const BRIDGE_CLIENT_KEY: InjectionKey<BridgeClient> = Symbol('authdesk.bridge-client');
