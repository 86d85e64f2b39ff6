import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { CheckpointWriter } from '../../src/main/services/coverage/checkpoint';
import { detectFormat, inputFacts } from '../../src/main/services/coverage/input';
import { buildRow, csvHeader, rowToCsv } from '../../src/main/services/coverage/report-rows';
import { verifyEvidencePack } from '../../src/main/services/evidence/evidence.service';
import { addToSummary, CoverageRunOptions, emptySummary, type CoverageSummary } from '@shared/domain/coverage';
import { openConsole, runAxe, seriousViolations, type ConsoleSession } from '../support/chromium';

// The coverage journey in real Chromium through the browser harness, over the real services and
// an emulator with a rate limit: pick a file, watch the run, open the charts, filter, export CSV and
// JSON (real downloads), write an evidence pack that verifies. Then a 100,000-row report, to check
// the virtualised table keeps the DOM and the requests to main small.

let emulator: RunningEmulator;
let ui: ConsoleSession;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 300, faults: { rateLimit: 120, latencyMs: 5 } });
  ui = await openConsole({
    recordTraffic: true,
    keychainService: `authdesk-e2e-coverage-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: emulator.secret },
  });
});

afterAll(async () => {
  await ui?.close();
  await emulator?.close();
});

const runDir = (runId: string) => join(ui.harness.dataDir, 'coverage', 'runs', runId);
const runIdOf = (url: string) => /[?&]run=([0-9a-f-]{36})/.exec(url)?.[1] ?? '';

describe('coverage in Chromium', () => {
  it('runs an audit from a picked file, shows progress, charts and rows, exports and packs evidence', async () => {
    const page = ui.page;
    await ui.goto('/admin/coverage');
    await expect(page.title()).resolves.toBe('Enrollment coverage · Authdesk');
    expect(seriousViolations(await runAxe(page))).toEqual([]);

    const ids = [...emulator.store.userIds()];
    const csv = `userId,department\n${ids.map((id) => `"${id}",sales`).join('\n')}\n,missing id\n`;
    await page.setInputFiles('#coverage-file', { name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Start coverage run' }).click();

    // Progress: the bar moves through intermediate values before the run completes.
    const bar = page.locator('.progress-panel progress');
    await bar.waitFor();
    const seen = new Set<number>();
    const panel = page.locator('.progress-panel');
    for (let i = 0; i < 400 && (await panel.getAttribute('data-state')) !== 'completed'; i++) {
      seen.add(Number(await bar.getAttribute('value')));
      await page.waitForTimeout(25);
    }
    expect(await panel.getAttribute('data-state')).toBe('completed');
    expect([...seen].some((v) => v > 0 && v < ids.length + 1)).toBe(true);
    expect(await page.locator('[data-fact=done]').textContent()).toBe(`${(ids.length + 1).toLocaleString('en-US')} of ${(ids.length + 1).toLocaleString('en-US')}`);

    // Summary numbers are the run's.
    const runId = runIdOf(page.url());
    const written = JSON.parse(await readFile(join(runDir(runId), 'report.summary.json'), 'utf8')) as { summary: CoverageSummary };
    expect(await page.locator('[data-number=users] dd').textContent()).toBe(String(written.summary.users));
    expect(await page.locator('[data-invalid-lines]').textContent()).toContain(String(ids.length + 2));

    // Charts on request: drawn on canvases, each with its data table.
    await page.getByRole('button', { name: 'Show charts' }).click();
    const countChart = page.locator('[data-chart=count] canvas');
    await countChart.waitFor();
    expect(await countChart.getAttribute('role')).toBe('img');
    expect(await countChart.getAttribute('aria-label')).toContain(`No authenticator: ${written.summary.byCount.zero}`);
    const drawn = await countChart.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return painted;
    });
    expect(drawn).toBeGreaterThan(100);
    expect(await page.locator('[data-chart=methods] table tbody tr').count()).toBe(Object.keys(written.summary.methods).length);

    // Rows, then a view from the keyboard.
    const rows = page.locator('[data-coverage-table] [data-line]');
    await rows.first().waitFor();
    expect(await rows.first().getAttribute('data-line')).toBe('2');
    // Fits a 1280 px window: neither the page nor the report grid scrolls sideways, so no column
    // (Reason, Actions) is cut off (issue #14 point 8).
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 1280, height: 800 });
    const overflow = await page.evaluate(() => {
      // The grid and every box around it (a scrolling wrapper would hide columns too).
      let grid = 0;
      for (let el: Element | null = document.querySelector('[data-coverage-table]'); el && el !== document.body; el = el.parentElement) {
        grid = Math.max(grid, el.scrollWidth - el.clientWidth);
      }
      return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, grid };
    });
    expect(overflow).toEqual({ page: 0, grid: 0 });
    if (viewport) await page.setViewportSize(viewport);
    await page.locator('[data-view="No authenticator"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => document.querySelector('.count')?.textContent?.includes(`${n} of`), written.summary.byCount.zero);
    expect(page.url()).toContain('count=0');

    // Exports are real downloads with the report's content.
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(csvDownload.suggestedFilename()).toMatch(/^coverage-staff-[0-9a-f]{8}\.csv$/);
    expect(await readFile((await csvDownload.path()), 'utf8')).toBe(await readFile(join(runDir(runId), 'report.csv'), 'utf8'));
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
    const json = JSON.parse(await readFile((await jsonDownload.path()), 'utf8')) as { summary: CoverageSummary; rows: unknown[] };
    expect(json.summary).toEqual(written.summary);
    expect(json.rows).toHaveLength(ids.length + 1);

    // Evidence pack: written in the data dir, and it verifies.
    await page.getByRole('button', { name: 'Create evidence pack' }).click();
    const evidence = page.locator('[data-evidence]');
    await evidence.waitFor();
    const packPath = (await evidence.locator('code').first().textContent())!;
    const fingerprint = (await evidence.locator('.fingerprint').textContent())!;
    expect(await verifyEvidencePack(packPath, { trustedFingerprints: [fingerprint] })).toMatchObject({ ok: true, keyTrusted: true });

    expect(seriousViolations(await runAxe(page))).toEqual([]);
    expect(ui.problems).toEqual([]);
  });

  it('keeps a 100,000-row report light: few DOM rows, only the pages in view asked of main', async () => {
    const runId = await writeFinishedRun(100_000);
    ui.harness.clearTraffic();
    await ui.goto(`/admin/coverage?run=${runId}`);
    const page = ui.page;
    const rows = page.locator('[data-coverage-table] [data-line]');
    // The previous run's table stays until this one's first page arrives.
    await page.waitForFunction(() => document.querySelector('[data-coverage-table]')?.getAttribute('aria-rowcount') === '100001');
    expect(await rows.first().getAttribute('data-line')).toBe('2');
    // The run opened by URL is asked for through the URL's filter (none) from its first page on,
    // never through the filter the previous run had on screen.
    const firstCalls = ui.harness.traffic().filter((t) => t.kind === 'call' && t.channel === 'coverage:rows' && t.request.includes(runId));
    expect(firstCalls.length).toBeGreaterThan(0);
    for (const call of firstCalls) expect((JSON.parse(call.kind === 'call' ? call.request : '{}') as { filter?: unknown }).filter ?? {}).toEqual({});

    // Jump to the end, the way End or a dragged scrollbar does.
    const started = Date.now();
    await page.locator('[data-coverage-table] .scroller').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.locator('[data-coverage-table] [data-line="100001"]').waitFor();
    const jumpMs = Date.now() - started;

    // Scroll through a stretch in steps, as a wheel would.
    await page.locator('[data-coverage-table] .scroller').evaluate(async (el) => {
      for (let i = 0; i < 40; i++) {
        el.scrollTop -= 400;
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
      }
    });
    await page.waitForFunction(() => !document.querySelector('[data-coverage-table] .pending'));
    const domRows = await page.locator('[data-coverage-table] [role=row]').count();
    const rowCalls = ui.harness.traffic().filter((t) => t.kind === 'call' && t.channel === 'coverage:rows').length;
    console.log(`100k rows: jump to end ${jumpMs} ms, ${domRows} rows in the DOM, ${rowCalls} page requests`);
    expect(domRows).toBeLessThan(80);
    // ~16,000 px scrolled back is ~400 rows: a handful of 200-row pages, never the whole report.
    expect(rowCalls).toBeLessThan(12);
    expect(jumpMs).toBeLessThan(5_000);
    expect(ui.problems).toEqual([]);
  });
});

/**
 * A finished 100,000-row run in the harness's data dir, written with the report's own writers (rows,
 * summary, checkpoint): building it through the emulator would take a minute, and this test is about
 * showing a report, not computing one.
 */
async function writeFinishedRun(count: number): Promise<string> {
  const runId = randomUUID();
  const dir = join(ui.harness.dataDir, 'coverage', 'runs', runId);
  await mkdir(dir, { recursive: true });
  const input = join(dir, 'input.csv');
  const ids = Array.from({ length: count }, (_, i) => `usr_big_${i}`);
  await writeFile(input, `userId\n${ids.join('\n')}\n`);
  const asOf = new Date().toISOString();
  const summary = emptySummary(asOf, 180);
  const methods = ['PASSKEY', 'SMS', 'EMAIL_OTP', 'AUTHENTICATOR_APP'];
  const parts = [csvHeader()];
  for (const [i, userId] of ids.entries()) {
    const row = buildRow({
      line: i + 2,
      userId,
      email: `${userId}@example.com`,
      asOfMs: Date.parse(asOf),
      staleDays: 180,
      authenticators: methods.slice(0, i % 4).map((m, k) => ({ verificationMethod: m, lastVerifiedAt: new Date(Date.parse(asOf) - (i % 400) * 86_400_000 - k).toISOString() })),
    });
    addToSummary(summary, row);
    parts.push(rowToCsv(row));
  }
  const report = parts.join('');
  await writeFile(join(dir, 'report.csv'), report);
  const format = await detectFormat(input, { by: 'auto' });
  const facts = await inputFacts(input, format);
  const writer = await CheckpointWriter.create(`${join(dir, 'report.csv')}.checkpoint`, {
    t: 'start',
    v: 1,
    runId,
    startedAt: asOf,
    input: { path: input, ...facts },
    format,
    settings: CoverageRunOptions.parse({}),
    tenant: { id: 'local', name: 'Local tenant', host: '127.0.0.1' },
  });
  await writer.append({ t: 'end', at: asOf, offset: facts.bytes, line: count + 1, csvBytes: Buffer.byteLength(report), summary });
  await writer.close();
  await writeFile(join(dir, 'run.json'), JSON.stringify({ runId, inputName: 'big.csv', createdAt: asOf }));
  return runId;
}
