import { z } from 'zod';
import { IsoTimestamp } from '../../domain/fields';
import { channel } from '../contract';
import { channelWithoutInput } from './no-input';

const KeyId = z.string().regex(/^[0-9a-f]{16}$/, 'Pick a paired browser from the list');
const PairingId = z.uuid('Pick a pairing request from the list');

/** A browser extension paired with this desktop. */
export const PairedBrowserView = z.object({
  keyId: z.string(),
  extensionId: z.string(),
  /** The phrase both sides showed when it was confirmed. */
  phrase: z.string(),
  /** How the browser described itself when it asked ("Chrome 140 on Linux"). */
  label: z.string().optional(),
  pairedAt: IsoTimestamp,
  /** Who confirmed it (agent name, else OS account). */
  pairedBy: z.string().optional(),
  lastSeenAt: IsoTimestamp.optional(),
});
export type PairedBrowserView = z.infer<typeof PairedBrowserView>;

/** A pairing request waiting for the agent: confirm only if the extension shows the same phrase. */
export const PendingPairingView = z.object({
  pairingId: z.string(),
  keyId: z.string(),
  extensionId: z.string(),
  phrase: z.string(),
  label: z.string(),
  requestedAt: IsoTimestamp,
});
export type PendingPairingView = z.infer<typeof PendingPairingView>;

/** Browser integration as the settings view shows it. */
export const BridgeStatus = z.object({
  enabled: z.boolean(),
  /** The desktop app is accepting the native host on its socket. */
  listening: z.boolean(),
  socketPath: z.string(),
  extensionIds: z.array(z.string()),
  /** Host manifests written (one per browser). */
  manifests: z.array(z.object({ browser: z.string(), path: z.string() })),
  /** Why integration is on but not listening, when it is not. */
  problem: z.string().optional(),
  paired: z.array(PairedBrowserView),
  pending: z.array(PendingPairingView),
  /** Browsers declined recently: they may ask again after `until`. */
  declined: z.array(z.object({ keyId: z.string(), declinedAt: z.string(), until: z.string() })),
});
export type BridgeStatus = z.infer<typeof BridgeStatus>;

/** The `bridge:*` channels: browser integration on/off, pairing confirmation, paired list, revocation. */
export const bridgeChannels = {
  'bridge:status': channelWithoutInput('Browser integration: on/off, paired browsers and pairing requests', BridgeStatus),
  'bridge:set-enabled': channel({
    summary: 'Switch browser integration on (writes the native host manifests) or off (removes them)',
    input: z.object({ enabled: z.boolean() }).strict(),
    output: BridgeStatus,
  }),
  'bridge:confirm-pairing': channel({
    summary: 'Pair a browser after checking it shows the same phrase',
    input: z.object({ pairingId: PairingId, phrase: z.string().trim().min(1, 'Type or confirm the phrase').max(200) }).strict(),
    output: BridgeStatus,
  }),
  'bridge:reject-pairing': channel({
    summary: 'Decline a pairing request',
    input: z.object({ pairingId: PairingId }).strict(),
    output: BridgeStatus,
  }),
  'bridge:revoke': channel({
    summary: 'Unpair a browser: its key is refused from now on',
    input: z.object({ keyId: KeyId }).strict(),
    output: BridgeStatus,
  }),
};
