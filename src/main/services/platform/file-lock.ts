import { mkdir } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { AppError } from '@shared/errors';

/**
 * Runs tasks one at a time within this process, in the order they were queued; a task that fails
 * does not stop the ones after it.
 */
export class TaskQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** How {@link withFileLock} waits for and holds a lock. */
export interface FileLockOptions {
  /** The folder the file lives in, created (owner-only) when missing. */
  dir: string;
  /** After how long another process's lock counts as abandoned (a crash). */
  staleMs: number;
  /** How often to retry while another process holds the lock. */
  pollMs: number;
  /** What the user reads when the lock cannot be had: who holds it and what to do. */
  busyMessage: string;
  /** Called when another process took over a lock we held too long. */
  onCompromised?: () => void;
}

/**
 * Runs `task` holding the proper-lockfile lock on `file` (a `<file>.lock` dir next to it), so the
 * desktop app and the CLI, which share the data dir, never interleave their writes. Throws
 * `unavailable` with `busyMessage` when the lock stays held past the stale time and a half.
 */
export async function withFileLock<T>(file: string, options: FileLockOptions, task: () => Promise<T>): Promise<T> {
  // SECURITY: owner-only data dir; it holds the audit log and the tenant list.
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: options.staleMs,
      // Wait long enough for a crashed holder's lock to go stale, but not forever.
      retries: {
        retries: Math.ceil((options.staleMs * 1.5) / options.pollMs),
        factor: 1,
        minTimeout: options.pollMs,
        maxTimeout: options.pollMs,
      },
      ...(options.onCompromised ? { onCompromised: options.onCompromised } : {}),
    });
  } catch (error) {
    throw new AppError('unavailable', options.busyMessage, { cause: error });
  }
  try {
    return await task();
  } finally {
    await release().catch(() => undefined);
  }
}
