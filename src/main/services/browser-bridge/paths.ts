import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** The bridge's folder in the data dir (0700): socket, pairings, desktop identity. */
export function bridgeDir(dataDir: string): string {
  return join(dataDir, 'browser-bridge');
}

/**
 * Where the desktop app listens for the native host: a unix socket inside the 0700 bridge folder,
 * or on Windows a named pipe whose name is derived from the data dir (pipes live in their own
 * namespace, so two data dirs get two pipes).
 */
export function bridgeSocketPath(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    const tag = createHash('sha256').update(dataDir.toLowerCase()).digest('hex').slice(0, 16);
    return `\\\\.\\pipe\\authdesk-bridge-${tag}`;
  }
  return join(bridgeDir(dataDir), 'bridge.sock');
}
