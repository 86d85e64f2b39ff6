import { z } from 'zod';
import { ErrorCode, ErrorInfo } from '../errors';

/**
 * The browser bridge protocol (issue #8): the extension talks to the desktop app through the
 * browser's native messaging, relayed by `authdesk native-host` over a per-user socket. Every frame
 * on every hop is JSON parsed with these schemas, on both ends.
 *
 * Hops: extension <-> (Chrome native messaging: 32-bit length + JSON) <-> native host <-> (the same
 * framing over a unix socket / named pipe) <-> the desktop app's bridge server.
 *
 * Session: `hello` / `welcome` exchange static and ephemeral ECDH P-256 keys; both sides derive one
 * AES-256-GCM key per direction with HKDF-SHA-256 (see crypto.ts). Everything after is `sealed`.
 */

/** Name of the native messaging host (the manifest's `name`; lowercase, dots). */
export const NATIVE_HOST_NAME = 'com.authdesk.bridge';
/** Protocol version carried by `hello`, `welcome` and the host's first frame. */
export const BRIDGE_PROTOCOL_VERSION = 1;
/** Largest frame on any hop: Chrome caps host->browser messages at 1 MB; we cap both ways. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** A message's timestamp may differ from the receiver's clock by at most this much. */
export const MAX_CLOCK_SKEW_MS = 10_000;
/** Longest browser label carried by `hello`. */
export const BROWSER_LABEL_MAX = 80;

/**
 * The console channels the extension may call: read-only lookups. Everything that changes state
 * (verification, enrollment, removal, revocation) is handed over to the desktop window instead.
 */
export const BRIDGE_CHANNELS = ['users:search', 'users:get', 'users:recent'] as const;
/** A channel the extension may call. */
export type BridgeChannel = (typeof BRIDGE_CHANNELS)[number];
/** Schema of a channel the extension may call. */
export const BridgeChannel = z.enum(BRIDGE_CHANNELS);

/** An extension origin as Chrome passes it to the host: `chrome-extension://<32 letters a-p>/`. */
export const ExtensionOrigin = z.string().regex(/^chrome-extension:\/\/[a-p]{32}\/$/, 'Not a Chromium extension origin');
/** A Chromium extension id. */
export const ExtensionId = z.string().regex(/^[a-p]{32}$/, 'Not a Chromium extension id');

const b64 = (min: number, max: number) => z.string().min(min).max(max).regex(/^[A-Za-z0-9_-]+$/);
/** A raw uncompressed P-256 public key (65 bytes) in base64url. */
export const PublicKeyB64 = b64(87, 87);
/** A 16-byte nonce in base64url. */
export const NonceB64 = b64(22, 22);
/** A message id: a random UUID, unique per message, remembered to refuse replays. */
export const MessageId = z.uuid();
/** Milliseconds since the epoch at the sender. */
export const Timestamp = z.number().int().nonnegative();
/** A session id chosen by the desktop in `welcome`. */
export const SessionId = b64(16, 64);

/**
 * A frame of type `t` with these fields.
 * SECURITY: strict, so a frame with any field more is refused rather than carried along unread.
 */
const frame = <T extends string, S extends z.ZodRawShape>(t: T, fields: S) =>
  z.object({ t: z.literal(t), ...fields }).strict();

/** The host's first frame to the desktop: which extension Chrome started it for. */
export const HostFrame = frame('host', { v: z.literal(BRIDGE_PROTOCOL_VERSION), origin: ExtensionOrigin });
export type HostFrame = z.infer<typeof HostFrame>;

/** What both handshake frames start with: the protocol version, id and time. */
const handshakeHeader = {
  v: z.literal(BRIDGE_PROTOCOL_VERSION),
  id: MessageId,
  ts: Timestamp,
};

/** The keys each side of the handshake offers. */
const handshakeKeys = {
  /** The sender's long-term public key (what pairing trusts). */
  key: PublicKeyB64,
  /** This session's ephemeral public key (forward secrecy). */
  eph: PublicKeyB64,
  nonce: NonceB64,
};

/** Extension -> desktop: opens a session. */
export const HelloFrame = frame('hello', {
  ...handshakeHeader,
  ...handshakeKeys,
  /**
   * How the browser describes itself ("Chrome 140 on Linux"), shown to the agent with the pairing
   * request and kept with the pairing. Untrusted text: the desktop strips control characters.
   */
  label: z.string().max(BROWSER_LABEL_MAX).optional(),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

/**
 * Whether the desktop trusts the extension's key: `declined` means the agent said no, and the key
 * may not ask again until the cooldown ends.
 */
export const PairingState = z.enum(['paired', 'pending', 'revoked', 'declined']);
export type PairingState = z.infer<typeof PairingState>;

/** Desktop -> extension: accepts a session. */
export const WelcomeFrame = frame('welcome', {
  ...handshakeHeader,
  replyTo: MessageId,
  ...handshakeKeys,
  sid: SessionId,
  pairing: PairingState,
});
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;

/** Either direction, after `welcome`: one AES-GCM sealed inner message. */
export const SealedFrame = frame('sealed', {
  sid: SessionId,
  iv: b64(16, 16),
  ct: b64(22, Math.ceil((MAX_FRAME_BYTES * 4) / 3)),
});
export type SealedFrame = z.infer<typeof SealedFrame>;

/** Either side refuses a frame (tampered, stale, replayed, oversized, unpaired…). Never quotes it. */
export const ErrorFrame = frame('error', {
  code: ErrorCode,
  message: z.string().max(500),
  replyTo: MessageId.optional(),
  /** Why a browser is refused, when it is about its pairing (the extension shows each differently). */
  reason: z.enum(['revoked', 'declined']).optional(),
  /** For `declined`: when (ms since the epoch) this key may ask to pair again. */
  retryAt: Timestamp.optional(),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

/** What the extension can be told about the desktop side before any session exists. */
export const AppState = z.enum(['app-not-running', 'bridge-disabled']);
export type AppState = z.infer<typeof AppState>;

/** Host -> extension: the desktop app cannot be reached. */
export const StateFrame = frame('state', { state: AppState, message: z.string().max(500) });
export type StateFrame = z.infer<typeof StateFrame>;

/** Any frame the extension may send. */
export const ExtensionFrame = z.discriminatedUnion('t', [HelloFrame, SealedFrame]);
export type ExtensionFrame = z.infer<typeof ExtensionFrame>;
/** Any frame the desktop (or the host on its behalf) may send to the extension. */
export const DesktopFrame = z.discriminatedUnion('t', [WelcomeFrame, SealedFrame, ErrorFrame, StateFrame]);
export type DesktopFrame = z.infer<typeof DesktopFrame>;
/** Any frame the desktop's socket may receive. */
export const ServerInboundFrame = z.discriminatedUnion('t', [HostFrame, HelloFrame, SealedFrame]);
export type ServerInboundFrame = z.infer<typeof ServerInboundFrame>;

const envelope = { id: MessageId, ts: Timestamp };

/** Inner, extension -> desktop: call a read-only console channel. */
export const CallMessage = z
  .object({ ...envelope, kind: z.literal('call'), channel: BridgeChannel, input: z.unknown() })
  .strict();
/** Inner, extension -> desktop: bring the desktop window up on a user (or the search). */
export const OpenMessage = z
  .object({
    ...envelope,
    kind: z.literal('open'),
    userId: z.string().trim().min(1).max(500).optional(),
    query: z.string().max(320).optional(),
  })
  .strict();
/** Inner, extension -> desktop: is this extension paired yet? */
export const StatusMessage = z.object({ ...envelope, kind: z.literal('status') }).strict();
/** Any inner message the extension sends. */
export const ExtensionMessage = z.discriminatedUnion('kind', [CallMessage, OpenMessage, StatusMessage]);
export type ExtensionMessage = z.infer<typeof ExtensionMessage>;

/** A Result as it crosses the bridge (the value was already shaped by the channel's output schema). */
export const BridgeResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorInfo }),
]);

/** Inner, desktop -> extension: the answer to a call, open or status. */
export const ResultMessage = z.object({ ...envelope, kind: z.literal('result'), replyTo: MessageId, result: BridgeResult }).strict();
/** Inner, desktop -> extension: the pairing changed (confirmed or revoked in the desktop app). */
export const PairingMessage = z
  .object({ ...envelope, kind: z.literal('pairing'), state: PairingState, retryAt: Timestamp.optional() })
  .strict();
/** Any inner message the desktop sends. */
export const DesktopMessage = z.discriminatedUnion('kind', [ResultMessage, PairingMessage]);
export type DesktopMessage = z.infer<typeof DesktopMessage>;

/** Messages the receiver refuses by time: `stale` outside ±{@link MAX_CLOCK_SKEW_MS}. */
export function isFresh(ts: number, now: number, skewMs = MAX_CLOCK_SKEW_MS): boolean {
  return Math.abs(now - ts) <= skewMs;
}

/**
 * Remembers message ids for twice the skew window, so a replay within the window is refused and
 * anything older is refused as stale anyway. Bounded: at most `limit` ids are kept.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 2 * MAX_CLOCK_SKEW_MS,
    private readonly limit = 10_000,
  ) {}

  /** True when `id` is new (and records it); false when it was seen within the window. */
  accept(id: string, now: number): boolean {
    for (const [seenId, at] of this.seen) {
      if (now - at <= this.windowMs && this.seen.size < this.limit) break;
      this.seen.delete(seenId);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }
}
