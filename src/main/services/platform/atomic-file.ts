import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the result; default 0o600 (owner read/write only). */
  mode?: number;
  /** Mode of the parent directory if it has to be created; default 0o700. */
  dirMode?: number;
}

/**
 * Writes a file so readers see either the old or the new content, never a torn one, even on a
 * crash or power loss: write a temp file in the same directory (same filesystem, so rename is
 * atomic), fsync it, rename it over the target, then fsync the directory so the rename is durable.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  // SECURITY: the data dir holds tenant profiles and audit data; keep it private to the user.
  await mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // SECURITY: 'wx' + mode: the temp file is created fresh with its final permissions, never
  // world-readable for an instant, and an attacker-planted file or symlink at that name makes us fail.
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

/** Flushes a directory entry; a no-op where directories cannot be opened (Windows). */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `value` as pretty JSON (with a trailing newline) through {@link writeFileAtomic}. */
export async function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}

/**
 * Reads a JSON file; `undefined` when it does not exist. A file that is not JSON throws a
 * SyntaxError naming nothing but the problem (callers decide what to tell the person).
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}
