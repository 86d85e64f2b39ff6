import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { subscribeAll } from '../../src/main/ipc/events';
import { createHandlers } from '../../src/main/ipc/handlers';
import { createRouter, type Router } from '../../src/main/ipc/router';
import { createServices, type Services } from '../../src/main/services/container';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { verifyEvidencePack } from '../../src/main/services/evidence/evidence.service';
import type { CoverageProgress, CoverageRow } from '@shared/domain/coverage';
import type { CoverageExportChunk, CoverageRowsPage, CoverageRunInfo } from '@shared/ipc/channels/coverage';
import type { Result } from '@shared/ipc/result';

// The console's coverage journey through the real router and services (what the preload and the
// browser harness both call), against the local tenant over HTTP: upload in chunks, start, watch
// progress events, page and filter the rows, export, and write an evidence pack.

const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-coverage-ipc-${process.pid}`;
let emu: RunningEmulator;
let home: string;
let services: Services;
let router: Router;
const events: CoverageProgress[] = [];
let stopEvents: () => void;

async function call<T>(channel: string, input: unknown): Promise<T> {
  // A JSON round trip, as over IPC: only data crosses.
  const result = JSON.parse(JSON.stringify(await router.handle(channel, input, { transport: 'test' }))) as Result<T>;
  if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
  return result.value;
}

async function upload(text: string, chunkSize: number): Promise<string> {
  let uploadId: string | undefined;
  const pieces = Math.max(1, Math.ceil(text.length / chunkSize));
  for (let seq = 0; seq < pieces; seq++) {
    const chunk = text.slice(seq * chunkSize, (seq + 1) * chunkSize);
    const answer = await call<{ uploadId: string }>('coverage:upload', { uploadId, seq, chunk, done: seq === pieces - 1, name: 'staff.csv' });
    uploadId = answer.uploadId;
  }
  return uploadId!;
}

async function waitFor(runId: string, state: string): Promise<CoverageRunInfo> {
  for (let i = 0; i < 400; i++) {
    const { run } = await call<{ run: CoverageRunInfo }>('coverage:status', { runId });
    if (run.state === state) return run;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run never reached ${state}`);
}

beforeAll(async () => {
  emu = await startEmulator({ seed: 150 });
  home = await mkdtemp(join(tmpdir(), 'authdesk-coverage-ipc-'));
  services = createServices({ dataDir: home, keychainService: service, appVersion: 'test', localTenant: { apiUrl: emu.apiUrl, tenantId: 'local-tenant', secret: emu.secret } });
  router = createRouter(createHandlers(services));
  stopEvents = subscribeAll(services, (name, payload) => {
    if (name === 'coverage:progress-changed') events.push(payload as CoverageProgress);
  });
});
afterAll(async () => {
  stopEvents();
  const keychain = createKeychain(`${service}.evidence`);
  for (const account of await keychain.list().catch(() => [])) await keychain.delete(account);
  await services.close();
  await emu.close();
  await rm(home, { recursive: true, force: true });
});

describe('coverage over the router', () => {
  it('uploads in chunks, runs with progress events, pages and filters rows, exports, and packs evidence', async () => {
    const ids = [...emu.store.userIds()];
    // Multi-byte text split across chunks must arrive intact.
    const text = `userId,note\n${ids.map((id, i) => `${id},naïve-${i}`).join('\n')}\n,empty id\n`;
    const uploadId = await upload(text, 97);
    const started = await call<CoverageRunInfo>('coverage:start', { uploadId, options: { staleDays: 90 } });
    expect(started).toMatchObject({ inputName: 'staff.csv', total: ids.length + 1, staleDays: 90, tenant: { id: 'local' } });
    await expect(call('coverage:start', { uploadId })).rejects.toMatchObject({ code: 'conflict' });
    const done = await waitFor(started.runId, 'completed');
    expect(done.summary).toMatchObject({ rows: ids.length + 1, users: ids.length, invalid: 1, staleDays: 90 });
    expect(await readFile(join(home, 'coverage', 'runs', started.runId, 'input.csv'), 'utf8')).toBe(text);
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ runId: started.runId, state: 'completed', done: ids.length + 1 });

    // Paging: the pages join up to the whole report, in order.
    const all: CoverageRow[] = [];
    for (let offset = 0; ; offset += 40) {
      const page = await call<CoverageRowsPage>('coverage:rows', { runId: started.runId, offset, limit: 40 });
      expect(page.total).toBe(ids.length + 1);
      all.push(...page.rows);
      if (page.rows.length < 40) break;
    }
    expect(all.map((r) => r.line)).toEqual([...ids.map((_, i) => i + 2), ids.length + 2]);
    // Filters: the total counts what passes, and pages deep into a filter are right.
    const zero = await call<CoverageRowsPage>('coverage:rows', { runId: started.runId, filter: { authenticators: ['0'] }, limit: 500 });
    expect(zero.total).toBe(done.summary!.byCount.zero);
    expect(zero.rows.every((r) => r.count === 0 && r.status === 'ok')).toBe(true);
    const passkeys = all.filter((r) => r.methods.includes('PASSKEY'));
    const second = await call<CoverageRowsPage>('coverage:rows', { runId: started.runId, filter: { method: 'PASSKEY' }, offset: 3, limit: 5 });
    expect(second.rows).toEqual(passkeys.slice(3, 8));
    const invalid = await call<CoverageRowsPage>('coverage:rows', { runId: started.runId, filter: { status: ['invalid'] } });
    expect(invalid.rows).toEqual([expect.objectContaining({ line: ids.length + 2, reason: 'malformed: the user id is empty' })]);
    await expect(call('coverage:rows', { runId: started.runId, filter: { method: 'passkey' } })).rejects.toMatchObject({ code: 'validation' });

    // Export: chunks reassemble to the report (CSV) and to {summary, rows} (JSON).
    const exported = async (format: 'csv' | 'json') => {
      let text = '';
      let offset: number | null = 0;
      while (offset !== null) {
        const chunk: CoverageExportChunk = await call<CoverageExportChunk>('coverage:export', { runId: started.runId, format, offset });
        text += chunk.chunk;
        offset = chunk.nextOffset;
      }
      return text;
    };
    expect(await exported('csv')).toBe(await readFile(join(home, 'coverage', 'runs', started.runId, 'report.csv'), 'utf8'));
    const json = JSON.parse(await exported('json')) as { summary: unknown; rows: CoverageRow[] };
    expect(json.summary).toEqual(done.summary);
    expect(json.rows).toEqual(all);

    // Evidence: a pack in the data dir that verifies.
    const pack = await call<{ path: string; keyFingerprint: string }>('evidence:export', { runId: started.runId });
    expect(pack.path.startsWith(join(home, 'evidence'))).toBe(true);
    // Trusted only when pinned (issue #12): the fingerprint is handed to the auditor separately.
    expect(await verifyEvidencePack(pack.path, { trustedFingerprints: [pack.keyFingerprint] })).toMatchObject({ ok: true, keyFingerprint: pack.keyFingerprint });
    expect(await verifyEvidencePack(pack.path)).toMatchObject({ ok: false, keyTrusted: false });

    const audit = await services.audit.query({ action: ['coverage.*', 'evidence.*'], limit: 10 });
    expect(audit.entries.map((e) => e.action).sort()).toEqual(['coverage.export', 'coverage.export', 'coverage.run', 'evidence.export']);
  });

  it('cancels a running run, lists it as resumable, and resumes it to the end', async () => {
    const ids = [...emu.store.userIds()];
    emu.setFaults({ latencyMs: 15 });
    const uploadId = await upload(`${ids.join('\n')}\n`, 4096);
    const started = await call<CoverageRunInfo>('coverage:start', { uploadId, options: { concurrencyMax: 2 } });
    const cancelled = await call<CoverageRunInfo>('coverage:cancel', { runId: started.runId });
    emu.setFaults({ latencyMs: 0 });
    expect(cancelled).toMatchObject({ state: 'cancelled', resumable: true });
    const { runs } = await call<{ runs: CoverageRunInfo[] }>('coverage:status', {});
    expect(runs[0]).toMatchObject({ runId: started.runId, resumable: true });
    await expect(call('coverage:export', { runId: started.runId, format: 'csv' })).rejects.toMatchObject({ code: 'conflict' });
    await call<CoverageRunInfo>('coverage:start', { resumeRunId: started.runId });
    const done = await waitFor(started.runId, 'completed');
    expect(done.summary).toMatchObject({ rows: ids.length, users: ids.length, failed: 0 });
  });

  it('refuses bad input at the router: an upload out of order, a start without input, a foreign run id', async () => {
    await expect(call('coverage:upload', { seq: 1, chunk: 'x' })).rejects.toMatchObject({ code: 'validation' });
    await expect(call('coverage:start', {})).rejects.toMatchObject({ code: 'validation' });
    await expect(call('coverage:rows', { runId: '../../etc' })).rejects.toMatchObject({ code: 'validation' });
    await expect(call('coverage:status', { runId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'not-found' });
  });
});
