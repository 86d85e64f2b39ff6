import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../..');
const electronInstalled = (() => {
  try {
    return existsSync(join(repo, 'node_modules/electron', 'dist', readFileSync(join(repo, 'node_modules/electron/path.txt'), 'utf8')));
  } catch {
    return false;
  }
})();

let mirror: Server;
let mirrorUrl: string;
let cache: string;
let requests = 0;
beforeAll(async () => {
  // A mirror that has no Electron: the download fails the same way, online or offline.
  mirror = createServer((_req, res) => {
    requests++;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => mirror.listen(0, '127.0.0.1', r));
  const { port } = mirror.address() as { port: number };
  mirrorUrl = `http://127.0.0.1:${port}/`;
  cache = mkdtempSync(join(tmpdir(), 'authdesk-electron-cache-'));
});
afterAll(async () => {
  await new Promise((r) => mirror.close(r));
  rmSync(cache, { recursive: true, force: true });
});

describe('npm start without an Electron binary', () => {
  // Where Electron is installed, `npm start` would simply launch it; this proves the other path.
  it.skipIf(electronInstalled)('tries to fetch it, then says so, offers dev:browser and exits non-zero', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(repo, 'scripts/start.mjs'), '--check'],
        {
          cwd: repo,
          timeout: 60_000,
          env: { ...process.env, ELECTRON_MIRROR: mirrorUrl, electron_config_cache: cache, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
        },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(requests).toBeGreaterThan(0);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Electron's binary is not installed yet; downloading it");
    expect(result.stderr).toContain("Electron's binary could not be downloaded");
    expect(result.stderr).toContain('npm run dev:browser');
    // It stopped before building: nothing else was attempted.
    expect(result.stdout).not.toMatch(/building|rebuilding/);
    expect(existsSync(join(repo, 'node_modules/electron/path.txt'))).toBe(false);
  });
});
