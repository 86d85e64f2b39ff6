import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';

/**
 * Serving the built renderer's files safely, shared by the console's `app://` protocol handler and
 * the guided enrollment page's localhost server: which request path maps to which file, and
 * reading it without following a symlink out of the build.
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
};

/** The Content-Type a built file is served with (by its extension; unknown: octet-stream). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function inside(root: string, full: string): boolean {
  const rel = relative(root, full);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Maps a request's (still encoded) path to a file under `root`, or null when it is outside the
 * allowed top-level folders or would leave `root`. Decoding happens once, and any `..`, backslash
 * or NUL left after decoding refuses the request outright instead of being normalised into
 * something that happens to resolve. A path ending in `/` means its `index.html`.
 */
export function resolveServedPath(root: string, allowedDirs: readonly string[], encodedPath: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(encodedPath);
  } catch {
    return null;
  }
  // SECURITY: path traversal: reject rather than repair anything that could climb out of root.
  if (/[\\\0]/.test(pathname)) return null;
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return null;
  if (segments.length === 0 || !allowedDirs.includes(segments[0])) return null;
  if (pathname.endsWith('/')) segments.push('index.html');
  const full = resolve(root, ...segments);
  return inside(root, full) ? full : null;
}

/**
 * Reads a file {@link resolveServedPath} chose (no body for HEAD), or null when it is not a
 * regular file inside `root` once symlinks are resolved, or cannot be read.
 */
export async function readServedFile(
  root: string,
  file: string,
  head: boolean,
): Promise<{ body: Buffer<ArrayBuffer> | null; contentType: string } | null> {
  try {
    // SECURITY: a symlink inside the build must not lead outside it either.
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!inside(realRoot, realFile) || !(await stat(realFile)).isFile()) return null;
    return {
      body: head ? null : await readFile(realFile),
      contentType: contentTypeOf(realFile),
    };
  } catch {
    return null;
  }
}
