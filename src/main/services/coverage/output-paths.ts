import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { AppError } from '@shared/errors';

/**
 * Where a run may write. Every path is resolved the way the kernel will (symlinks followed, also a
 * dangling one, whose target a write would create) and compared with the input and with the other
 * outputs, by resolved path and, for files that exist, by device and inode (a hard link to the input
 * is the input). A collision is refused before anything is opened for writing; so is replacing an
 * existing file, unless the person said `--force`. File-system failures are reported with the path
 * and the reason, in words.
 */

/** One file a run writes, with the name the person knows it by (the flag). */
export interface OutputFile {
  /** How the person named it: `--out`, `--json-out`, "the checkpoint"… */
  label: string;
  path: string;
}

/** The path a write to `path` lands on. */
export async function resolveReal(path: string, depth = 0): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    // Missing: a dangling symlink writes its target; anything else is created in its (real) folder.
  }
  const link = await lstat(absolute).catch(() => null);
  if (link?.isSymbolicLink() && depth < 40) return resolveReal(resolve(dirname(absolute), await readlink(absolute)), depth + 1);
  const folder = await realpath(dirname(absolute)).catch(() => dirname(absolute));
  return resolve(folder, basename(absolute));
}

/** Device and inode of an existing file (null when there is none). */
async function identity(path: string): Promise<string | null> {
  const s = await stat(path).catch(() => null);
  return s ? `${s.dev}:${s.ino}` : null;
}

/**
 * Refuses outputs that are the input or each other. Returns the outputs' resolved paths (in the
 * order given), which is where the run must write.
 */
export async function checkOutputs(input: OutputFile, outputs: readonly OutputFile[]): Promise<string[]> {
  const all = [input, ...outputs];
  const real = await Promise.all(all.map((f) => resolveReal(f.path)));
  const ids = await Promise.all(real.map(identity));
  for (let i = 1; i < all.length; i++) {
    for (let j = 0; j < i; j++) {
      if (real[i] !== real[j] && (ids[i] === null || ids[i] !== ids[j])) continue;
      const other = j === 0 ? `the input (${real[0]})` : `${all[j].label} (${real[j]})`;
      // SECURITY: writing an output over the input (or over another output) destroys it: refused
      // whatever path, symlink or hard link leads there.
      throw new AppError(
        'validation',
        `${all[i].label} ${all[i].path} is ${other}${all[i].path !== real[i] ? `, through ${real[i]}` : ''}; the run would overwrite it. Choose another ${all[i].label} path.`,
      );
    }
  }
  return real.slice(1);
}

/** Refuses to replace existing files unless `force`. */
export async function checkNotReplacing(outputs: readonly OutputFile[], force: boolean, hint = '--force'): Promise<void> {
  if (force) return;
  for (const out of outputs) {
    const existing = await lstat(out.path).catch(() => null);
    if (existing) {
      throw new AppError(
        'conflict',
        `${out.label} ${out.path} already exists. Choose another path, or pass ${hint} to replace it.`,
      );
    }
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EIO: 'an input/output error',
  EMFILE: 'too many open files',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/** An fs failure as an error that names the file, what was being done and why it failed. */
export function fileError(path: string, doing: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason = REASONS[code] ?? (code ? `error ${code}` : 'an unexpected error');
  const retry = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO' || code === 'EMFILE';
  return new AppError(
    retry ? 'unavailable' : 'validation',
    `Cannot ${doing} ${path}: ${reason}${code ? ` (${code})` : ''}. ${retry ? 'Free the resource, then resume the run with --resume.' : 'Choose a path you can write to, or fix its permissions.'}`,
    { cause: error },
  );
}

/** Runs an fs step, turning its failure into {@link fileError}. */
export async function onFile<T>(path: string, doing: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw fileError(path, doing, error);
  }
}

/** The file name an export is offered under: `coverage-<input name>-<run id prefix>.<format>`. */
export function exportFileName(inputName: string, runId: string, format: 'csv' | 'json'): string {
  // SECURITY: the name came from the renderer (the picked file's name); only safe characters reach a file name.
  const base = inputName.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60) || 'users';
  return `coverage-${base}-${runId.slice(0, 8)}.${format}`;
}
