import { MAX_FRAME_BYTES } from '@shared/bridge/protocol';

/**
 * Native messaging framing: each message is a 32-bit length in native byte order (little-endian on
 * every platform Chromium ships for) followed by that many bytes of UTF-8 JSON. The native host
 * speaks it to the browser on stdin/stdout and, unchanged, to the desktop app over the socket.
 */

/** Encodes one JSON value as a frame. Throws when it would exceed `max` bytes. */
export function encodeFrame(value: unknown, max = MAX_FRAME_BYTES): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  if (body.length > max) throw new RangeError(`frame of ${body.length} bytes exceeds ${max}`);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** What the reader hands on for each frame. */
export type FrameEvent =
  | { kind: 'frame'; body: Buffer }
  /** A frame announced more than `max` bytes: its bytes are skipped, never buffered. */
  | { kind: 'oversized'; length: number };

/**
 * Incremental frame reader. Oversized frames are reported and their bytes skipped as they stream
 * by, so a hostile peer cannot make us buffer more than `max` bytes.
 */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private skipping = 0;

  constructor(private readonly max = MAX_FRAME_BYTES) {}

  /** Feeds bytes; returns the complete frames (and oversize notices) they finished. */
  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let data = chunk;
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, data.length);
      this.skipping -= n;
      data = data.subarray(n);
    }
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    for (;;) {
      if (this.buffer.length < 4) break;
      const length = this.buffer.readUInt32LE(0);
      if (length > this.max) {
        events.push({ kind: 'oversized', length });
        const available = this.buffer.length - 4;
        const n = Math.min(length, available);
        this.skipping = length - n;
        this.buffer = this.buffer.subarray(4 + n);
        if (this.skipping > 0) break;
        continue;
      }
      if (this.buffer.length < 4 + length) break;
      events.push({ kind: 'frame', body: this.buffer.subarray(4, 4 + length) });
      this.buffer = this.buffer.subarray(4 + length);
    }
    return events;
  }

  /** Bytes of an unfinished frame still held. */
  get pending(): number {
    return this.buffer.length;
  }
}

/** Parses a frame body as JSON; undefined when it is not (the caller answers with an error frame). */
export function parseFrameBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
