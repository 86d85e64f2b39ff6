import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Store, StoreSnapshot } from './store';

/** Default quiet time before a snapshot is written after a change. */
export const SNAPSHOT_DEBOUNCE_MS = 250;
/** Upper bound on how long a stream of changes can postpone a snapshot. */
export const SNAPSHOT_MAX_WAIT_MS = 2_000;
/** Records serialised per write when streaming a snapshot. */
const SLICE = 2_000;

/**
 * `--data <file>`: the store as a JSON snapshot on disk. Loaded at start when the file exists;
 * written atomically (temp file in the same folder, fsync, rename, fsync of the folder), debounced
 * after changes and once more on close, so a crash leaves either the old or the new snapshot,
 * never half of one.
 */
export class SnapshotFile {
  private timer?: NodeJS.Timeout;
  private firstPendingAt?: number;
  private writing?: Promise<void>;
  private dirty = false;
  /** The last write's failure, surfaced by {@link flush}. */
  private lastError?: unknown;

  constructor(
    readonly file: string,
    private readonly store: Store,
    private readonly debounceMs = SNAPSHOT_DEBOUNCE_MS,
  ) {}

  /**
   * Loads the snapshot into the store. Returns false when the file does not exist; throws, without
   * touching the file, when it exists but cannot be read as a snapshot (so nothing is overwritten).
   */
  async load(): Promise<boolean> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        // A new data file: make its folder now, so the first snapshot cannot fail on it.
        await mkdir(dirname(this.file), { recursive: true });
        return false;
      }
      throw error;
    }
    let snapshot: StoreSnapshot;
    try {
      snapshot = JSON.parse(text) as StoreSnapshot;
    } catch {
      throw new Error(`The emulator data file ${this.file} is not valid JSON. Move it away or pass another --data file.`);
    }
    if (snapshot?.version !== 1 || !Array.isArray(snapshot.users) || !Array.isArray(snapshot.authenticators)) {
      throw new Error(`The emulator data file ${this.file} is not an emulator snapshot (version 1). Move it away or pass another --data file.`);
    }
    this.store.restore({ ...snapshot, actions: snapshot.actions ?? [], outbox: snapshot.outbox ?? [], actionConfigs: snapshot.actionConfigs ?? {} });
    return true;
  }

  /** Notes a change: a snapshot follows after a quiet period (bounded by {@link SNAPSHOT_MAX_WAIT_MS}). */
  schedule(): void {
    this.dirty = true;
    const now = Date.now();
    this.firstPendingAt ??= now;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstPendingAt + SNAPSHOT_MAX_WAIT_MS - now));
    this.timer = setTimeout(() => void this.writeNow(), wait);
    // A pending snapshot must not keep a process alive on its own; close() flushes it.
    this.timer.unref();
  }

  /** Writes any pending change now and waits for it; rejects if the last write failed. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    if (this.dirty) await this.writeNow();
    if (this.lastError) {
      const error = this.lastError;
      this.lastError = undefined;
      throw error instanceof Error ? error : new Error('The emulator snapshot could not be written.');
    }
  }

  private async writeNow(): Promise<void> {
    if (this.writing) {
      // One write at a time; the change that arrived meanwhile is written right after.
      await this.writing;
      if (!this.dirty) return;
    }
    this.dirty = false;
    this.firstPendingAt = undefined;
    this.timer = undefined;
    this.writing = this.write()
      .catch((error: unknown) => {
        this.lastError = error;
        console.error(`[emulator] could not write ${this.file}: ${(error as Error).message}`);
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  private async write(): Promise<void> {
    const snapshot = this.store.snapshot();
    const persisted: StoreSnapshot = {
      ...snapshot,
      // SECURITY: OTP codes and magic links are not written to disk. Pending challenges are not
      // persisted either, so after a restart these codes could not be used anyway.
      outbox: snapshot.outbox.map((m) => ({
        ...m,
        code: undefined,
        link: undefined,
        body: m.kind === 'otp' ? '(code not kept across restarts)' : '(link not kept across restarts)',
      })),
    };
    const dir = dirname(this.file);
    const temp = join(dir, `.${basename(this.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    // SECURITY: owner-only, since the snapshot holds TOTP secrets of the test users.
    const handle = await open(temp, 'w', 0o600);
    try {
      // Streamed in slices rather than one JSON.stringify: at 100k users one string would be
      // ~90 MB (twice that with non-Latin names) on top of the store. Each record is serialised
      // whole; a change made while the slices are written is caught by the next snapshot.
      await handle.write('{"version":1');
      const sections: [string, readonly unknown[]][] = [
        ['users', persisted.users],
        ['authenticators', persisted.authenticators],
        ['actions', persisted.actions],
        ['outbox', persisted.outbox],
      ];
      for (const [key, list] of sections) {
        await handle.write(`,"${key}":[`);
        for (let i = 0; i < list.length; i += SLICE) {
          const part = list
            .slice(i, i + SLICE)
            .map((item) => JSON.stringify(item))
            .join(',');
          await handle.write(i === 0 ? part : `,${part}`);
        }
        await handle.write(']');
      }
      await handle.write(`,"actionConfigs":${JSON.stringify(persisted.actionConfigs)}}`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    // The rename is durable only once the folder entry is synced (not possible on Windows).
    if (process.platform !== 'win32') {
      const folder = await open(dir, 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }
    }
  }
}
