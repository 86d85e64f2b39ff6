import fs from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import lockfile from 'proper-lockfile';
import { AppError } from '@shared/errors';

/**
 * One run per report at a time, across processes: a proper-lockfile lock (the `<report>.lock`
 * directory, as the tenant list and the audit log use) held for the whole run and refreshed while
 * it lives, with `<report>.lock-owner.json` beside it naming the process. A second run on the same report is
 * refused at once, naming the owner. The lock is taken over only from a dead owner: on this host
 * when its process no longer exists (a `kill -9` or a crash, so a resume right after needs no
 * wait), elsewhere when it stopped refreshing the lock for {@link STALE_MS}.
 */

/**
 * A lock not refreshed for this long belongs to a dead (or frozen) owner. Long on purpose: on this
 * host a dead owner is recognised at once by its pid, so staleness only matters for an owner on
 * another host, while a short threshold would declare a live run on a busy machine (event loop
 * late by seconds) dead and stop it.
 */
export const STALE_MS = 5 * 60_000;
/** How often the owner refreshes the lock. */
const UPDATE_MS = 10_000;

interface Owner {
  pid: number;
  host: string;
  since: string;
}

/** The held lock. `lost` fires when another process took it over (this run must stop). */
export interface RunLock {
  release(): Promise<void>;
  readonly lost: AbortSignal;
}

// Removal is recursive, so a lock directory left with stray files by an older version still goes.
const lockFs = { ...fs, rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) => fs.rm(path, { recursive: true, force: true }, callback) };

const lockDirOf = (path: string) => `${path}.lock`;
/**
 * Beside the lock directory, not in it: proper-lockfile treats any change of the directory's mtime
 * (a file created inside) as another process having taken the lock.
 */
export const ownerFileOf = (path: string) => `${path}.lock-owner.json`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock's owner; waits a moment for it when the lock was just taken (the owner file follows the mkdir). */
async function ownerOf(path: string): Promise<Owner | null> {
  for (let i = 0; i < 20; i++) {
    const owner = await readOwner(path);
    if (owner) return owner;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

async function readOwner(path: string): Promise<Owner | null> {
  try {
    const raw = JSON.parse(await readFile(ownerFileOf(path), 'utf8')) as Partial<Owner>;
    return typeof raw.pid === 'number' && typeof raw.host === 'string' ? { pid: raw.pid, host: raw.host, since: String(raw.since ?? '') } : null;
  } catch {
    return null;
  }
}

/** Takes the lock of the report at `path` (its resolved path), or refuses naming who holds it. */
export async function lockRun(path: string): Promise<RunLock> {
  const controller = new AbortController();
  const attempt = () =>
    lockfile.lock(path, {
      realpath: false,
      stale: STALE_MS,
      update: UPDATE_MS,
      retries: 0,
      fs: lockFs,
      onCompromised: (error: Error) =>
        controller.abort(
          new AppError('conflict', `Another process took over the lock of ${path} while this run was writing it (${error.message}). This run stopped; check the report, then resume it.`),
        ),
    });
  const held = (error: unknown, owner: Owner | null): never => {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const who = owner ? `process ${owner.pid} on ${owner.host}, since ${owner.since}` : 'another process';
    throw new AppError(
      'conflict',
      `Another coverage run (${who}) is writing ${path}. Only one run may write a report at a time: wait for it to finish or stop it, then try again.`,
    );
  };
  let release: () => Promise<void>;
  try {
    release = await attempt();
  } catch (error) {
    const owner = await ownerOf(path);
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || !owner || owner.host !== hostname() || alive(owner.pid)) return held(error, owner);
    // SECURITY: taken over only because its owner is gone (same host, process no longer exists).
    // Removing it is safe to race: whoever loses the next mkdir is refused like any second run.
    await rm(lockDirOf(path), { recursive: true, force: true });
    release = await attempt().catch(async (again: unknown) => held(again, await ownerOf(path)));
  }
  const owner: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await writeFile(ownerFileOf(path), `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  return {
    lost: controller.signal,
    release: async () => {
      await rm(ownerFileOf(path), { force: true });
      await release().catch(() => undefined);
    },
  };
}
