import { join } from 'node:path';
import { AppError } from '@shared/errors';
import { readJsonFile, writeJsonAtomic } from '../platform/atomic-file';
import { TaskQueue, withFileLock } from '../platform/file-lock';
import { TENANTS_FILE, TenantsFile } from './profiles';

/**
 * `<dataDir>/tenants.json`, read fresh every time and written atomically; read-modify-write steps
 * are queued in this process and hold a cross-process lock (proper-lockfile), because the desktop
 * app and the CLI share the data dir.
 */
export class TenantsFileStore {
  readonly file: string;
  private readonly queue = new TaskQueue();

  constructor(
    private readonly dataDir: string,
    private readonly staleMs: number,
  ) {
    this.file = join(dataDir, TENANTS_FILE);
  }

  async read(): Promise<TenantsFile> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.file);
    } catch (error) {
      if (error instanceof SyntaxError) throw this.damaged(error);
      throw new AppError('unavailable', `Authdesk could not read ${this.file}. Check that it is readable by you, then try again.`, { cause: error });
    }
    if (raw === undefined) return { version: 1, activeId: null, profiles: [] };
    const parsed = TenantsFile.safeParse(raw);
    if (!parsed.success) throw this.damaged(parsed.error);
    return parsed.data;
  }

  private damaged(cause: unknown): AppError {
    return new AppError('internal', `The tenant list ${this.file} is damaged. Move it aside and add your tenants again (their secrets are still in the keychain).`, { cause });
  }

  write(file: TenantsFile): Promise<void> {
    return writeJsonAtomic(this.file, file);
  }

  /**
   * Runs read-modify-write steps one at a time: queued within this process, and under a
   * cross-process lock, because the desktop app and the CLI share the data dir and an unlocked
   * read-modify-write from each would lose one of the two changes.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(() => this.locked(fn));
  }

  /**
   * Runs `task` holding the proper-lockfile lock on `tenants.json` (a `tenants.json.lock` dir next
   * to it; the atomic write renames onto the file itself, so the lock dir stays put).
   */
  private locked<T>(task: () => Promise<T>): Promise<T> {
    const busyMessage = 'Another Authdesk window or CLI run is changing the tenant list. Wait for it to finish and try again.';
    return withFileLock(this.file, { dir: this.dataDir, staleMs: this.staleMs, pollMs: 50, busyMessage }, task);
  }
}
