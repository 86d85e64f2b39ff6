import { stat } from 'node:fs/promises';
import { AppError } from '@shared/errors';
import { readLocalLines, type LocalLine } from './local-log';
import type { AppendResult, DeviceHead } from './team-store';

/** What the shipper needs of the store (TeamStore; narrowed for tests and benchmarks). */
export interface ShipTarget {
  deviceHead(deviceId: string): Promise<DeviceHead>;
  append(deviceId: string, lines: readonly string[]): Promise<AppendResult[]>;
}

/** The team log state shown in the header and by `authdesk team status`. */
export interface TeamSyncStatus {
  /**
   * off: no team store configured. in-sync: every local entry is in the store. waiting: entries
   * are being shipped. offline: the store cannot be reached (entries wait locally). refused: the
   * store refused what this device sent (a rewritten local log, a revoked role): needs a person.
   */
  state: 'off' | 'in-sync' | 'waiting' | 'offline' | 'refused';
  /** Local entries not yet in the store. */
  waiting: number;
  /** The last local seq the store holds for this device. */
  shippedSeq: number;
  /** The last complete local entry's seq. */
  localSeq: number;
  /** When the store became unreachable (ISO), while offline. */
  offlineSince: string | null;
  /** When the last entry was stored (ISO). */
  lastShippedAt: string | null;
  /** What went wrong last (no secrets: store errors name the URL without password). */
  message: string | null;
}

/** How the shipper is built. */
export interface ShipperOptions {
  /** The local audit log. */
  file: string;
  /** This device's id (a function: resolved only once a store is configured, so solo use writes nothing). */
  deviceId: string | (() => Promise<string>);
  /** The store to ship to, or null when team mode is off (asked at every pass). */
  target: () => Promise<ShipTarget | null>;
  /** Entries per call (default 200). */
  batchSize?: number;
  /** How often to look for new entries when caught up (default 1000 ms); `wake()` is immediate. */
  idleMs?: number;
  /** Backoff while the store is unreachable: from minMs, doubling, up to maxMs (default 500 ms to 60 s). */
  backoff?: { minMs: number; maxMs: number };
  now?: () => Date;
  /** Called after each state change (the header's event source). */
  onStatus?: (status: TeamSyncStatus) => void;
}

/** Where the last pass stopped in the file, so the next one need not read it from the start. */
interface Cursor {
  ino: number;
  offset: number;
  line: number;
  seq: number;
}

/**
 * Ships the local audit log to the team store in the background: in order, at least once, in
 * batches. The store is idempotent on (device, local seq), so at-least-once here is exactly-once
 * there. Nothing is kept on this side: every pass starts from what the store holds for this device
 * (its device head), so a crash or kill at any point loses and duplicates nothing. While the store
 * is unreachable it backs off; appends to the local log never wait for it.
 */
export class TeamShipper {
  private readonly options: ShipperOptions;
  private readonly batchSize: number;
  private readonly now: () => Date;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private failures = 0;
  private cursor: Cursor | null = null;
  /** When the store was last asked for this device's head. */
  private checkedAt = 0;
  private current: TeamSyncStatus = { state: 'off', waiting: 0, shippedSeq: 0, localSeq: 0, offlineSince: null, lastShippedAt: null, message: null };
  /** One pass at a time (the loop, and `shipNow()` from a command). */
  private passing: Promise<TeamSyncStatus> | null = null;

  constructor(options: ShipperOptions) {
    this.options = options;
    this.batchSize = Math.max(1, Math.min(1000, options.batchSize ?? 200));
    this.now = options.now ?? (() => new Date());
  }

  status(): TeamSyncStatus {
    return { ...this.current };
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the loop; an in-flight call finishes or fails on its own (the store keeps it or not, atomically). */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  /** Looks for new entries now (after a local append). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Runs one pass to the end of the log and resolves with the state after it (throws nothing). */
  shipNow(): Promise<TeamSyncStatus> {
    this.passing ??= this.pass().finally(() => {
      this.passing = null;
    });
    return this.passing;
  }

  private set(next: Partial<TeamSyncStatus>): void {
    const before = JSON.stringify(this.current);
    this.current = { ...this.current, ...next };
    if (JSON.stringify(this.current) !== before) this.options.onStatus?.(this.status());
  }

  private async run(): Promise<void> {
    while (this.running) {
      const status = await this.shipNow();
      if (!this.running) break;
      let delay = this.options.idleMs ?? 1000;
      if (status.state === 'offline' || status.state === 'refused') {
        const { minMs, maxMs } = this.options.backoff ?? { minMs: 500, maxMs: 60_000 };
        // Exponential with jitter, so many agents coming back at once do not hit the store together.
        const base = Math.min(maxMs, minMs * 2 ** Math.min(this.failures - 1, 20));
        delay = status.state === 'refused' ? maxMs : base / 2 + Math.random() * (base / 2);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }

  private async pass(): Promise<TeamSyncStatus> {
    let target: ShipTarget | null;
    try {
      target = await this.options.target();
    } catch (error) {
      // The keychain could not say whether team mode is on: solo use stays silent (off); a
      // computer that was shipping shows it cannot right now.
      if (this.current.state === 'off') return this.status();
      return this.failed(error);
    }
    if (!target) {
      this.cursor = null;
      this.set({ state: 'off', waiting: 0, offlineSince: null, message: null });
      return this.status();
    }
    try {
      // Caught up and the file has not grown: no need to ask the store (at most every 30 s).
      const quick = await stat(this.options.file).catch(() => null);
      const c0 = this.cursor;
      if (c0 && quick && this.current.state === 'in-sync' && quick.ino === c0.ino && quick.size === c0.offset && Date.now() - this.checkedAt < 30_000) {
        return this.status();
      }
      this.checkedAt = Date.now();
      const deviceId = typeof this.options.deviceId === 'string' ? this.options.deviceId : await this.options.deviceId();
      const head = await target.deviceHead(deviceId);
      let shipped = head.localSeq;
      let localSeq = shipped;
      const st = await stat(this.options.file).catch(() => null);
      // Resume from the cursor only when the file is the same one and the store is where we left it.
      const c = this.cursor;
      const resume = c && st && c.ino === st.ino && c.seq === shipped && st.size >= c.offset ? c : null;
      let batch: LocalLine[] = [];
      const send = async () => {
        if (batch.length === 0) return;
        const results = await target.append(deviceId, batch.map((l) => l.text));
        const last = batch[batch.length - 1];
        shipped = results.length > 0 ? results[results.length - 1].localSeq : shipped;
        this.cursor = st ? { ino: st.ino, offset: last.offset + Buffer.byteLength(last.text, 'utf8') + 1, line: last.line + 1, seq: last.seq ?? shipped } : null;
        const stored = results.some((r) => !r.duplicate) ? { lastShippedAt: this.now().toISOString() } : {};
        this.set({ ...stored, state: 'waiting', shippedSeq: shipped, waiting: Math.max(0, localSeq - shipped) });
        batch = [];
      };
      let end: Cursor | null = null;
      for await (const line of readLocalLines(this.options.file, resume?.offset ?? 0, resume?.line ?? 1)) {
        // A line that is not an entry stops shipping there: `audit verify` reports it.
        if (line.seq === null) break;
        localSeq = Math.max(localSeq, line.seq);
        if (st) end = { ino: st.ino, offset: line.offset + Buffer.byteLength(line.text, 'utf8') + 1, line: line.line + 1, seq: line.seq };
        if (line.seq <= shipped && batch.length === 0) continue;
        batch.push(line);
        if (batch.length >= this.batchSize) await send();
      }
      await send();
      // Everything read is in the store: the next pass starts after it.
      if (end && end.seq === shipped) this.cursor = end;
      this.failures = 0;
      this.set({ state: 'in-sync', shippedSeq: shipped, localSeq, waiting: Math.max(0, localSeq - shipped), offlineSince: null, message: null });
      if (localSeq > shipped) this.set({ state: 'waiting' });
      return this.status();
    } catch (error) {
      this.cursor = null;
      return this.failed(error, await this.lastLocalSeq());
    }
  }

  /** The last complete local entry's seq (for "N entries waiting" while the store is away). */
  private async lastLocalSeq(): Promise<number> {
    let last = this.current.localSeq;
    try {
      for await (const line of readLocalLines(this.options.file)) if (line.seq !== null) last = Math.max(last, line.seq);
    } catch {
      // Unreadable right now: keep what we knew.
    }
    return last;
  }

  private failed(error: unknown, localSeq = this.current.localSeq): TeamSyncStatus {
    this.failures += 1;
    this.set({ localSeq, waiting: Math.max(0, localSeq - this.current.shippedSeq) });
    const e = error instanceof AppError ? error : new AppError('unavailable', 'The team store could not be reached.', { cause: error });
    if (e.code === 'unavailable' || e.code === 'keychain-unavailable') {
      this.set({ state: 'offline', offlineSince: this.current.offlineSince ?? this.now().toISOString(), message: e.message });
    } else {
      this.set({ state: 'refused', offlineSince: null, message: e.message });
    }
    return this.status();
  }
}
