import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHandlers } from '../../src/main/ipc/handlers/index';
import { createRouter } from '../../src/main/ipc/router';
import type { Services } from '../../src/main/services/container';
import type { AuditEntry } from '@shared/domain/audit';
import type { Result } from '@shared/ipc/result';

/**
 * Test helpers over what Authdesk leaves behind and how the console reaches it: every file of a
 * data dir (for "no secret on disk" checks), the audit log's entries, and the real router over a
 * service container with a JSON round trip, as over IPC.
 */

/** Every file under `dir` with its text; lock directories that vanish mid-walk held nothing. */
export async function filesUnder(dir: string): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push({ file: full, text: await readFile(full, 'utf8').catch(() => '') });
  }
  return out;
}

/** The audit log of a data dir, oldest first. */
export async function auditEntries(dataDir: string): Promise<AuditEntry[]> {
  const text = await readFile(join(dataDir, 'audit', 'audit.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);
}

/** Calls channels on the real router over `services`; `ok` throws on a failed Result. */
export function routerOver(services: Services) {
  const router = createRouter(createHandlers(services), (channel, error) => console.error(channel, error));
  const call = async <T>(channel: string, input: unknown): Promise<Result<T>> =>
    JSON.parse(JSON.stringify(await router.handle(channel, JSON.parse(JSON.stringify(input)), { transport: 'test' }))) as Result<T>;
  const ok = async <T>(channel: string, input: unknown): Promise<T> => {
    const result = await call<T>(channel, input);
    if (!result.ok) throw new Error(`${channel} failed: ${result.error.code} ${result.error.message}`);
    return result.value;
  };
  return { call, ok };
}
