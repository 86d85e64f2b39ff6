import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { createTestingPinia } from '@pinia/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, type Router as VueRouter } from 'vue-router';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import { subscribeAll } from '../../../src/main/ipc/events';
import { createHandlers } from '../../../src/main/ipc/handlers';
import { createRouter } from '../../../src/main/ipc/router';
import { createServices, type Services } from '../../../src/main/services/container';
import App from '@console/App.vue';
import { filterToQuery, loadSavedViews, queryToFilter, SAVED_VIEWS_KEY } from '@console/components/coverage-report/filters';
import { formatDate, formatDateTime } from '@console/lib/format';
import { PLATFORM_KEY } from '@console/platform/platform';
import { createPlatform } from '@console/platform/transport';
import { createConsoleRouter } from '@console/router';
import { useCoverageStore } from '@console/stores/coverage';
import type { EventName } from '@shared/ipc';

/**
 * The Coverage view over the REAL main side: the service container (local tenant = an emulator
 * seeded with 60 synthetic users, over HTTP), the real router, and the progress events wired the
 * way the transports wire them. Only Electron's pipe is replaced by a JSON round trip.
 */
let emu: RunningEmulator;
let dataDir: string;
let services: Services;
let wrapper: VueWrapper | undefined;
let consoleRouter: VueRouter;
let calls: { channel: string; input: unknown }[];
let stopEvents: () => void;
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

// happy-dom does no layout: every element is 0 px tall, so a virtualised list would show no row.
// Give the table's scroll area the viewport a browser would (the e2e test checks real layout).
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
const clientWidth = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientWidth');
function layoutScroller() {
  const size = (px: number, fallback: PropertyDescriptor | undefined) => ({
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('scroller') ? px : ((fallback?.get?.call(this) as number | undefined) ?? 0);
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', size(480, clientHeight));
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', size(1000, clientWidth));
}
function restoreLayout() {
  if (clientHeight) Object.defineProperty(HTMLElement.prototype, 'clientHeight', clientHeight);
  if (clientWidth) Object.defineProperty(HTMLElement.prototype, 'clientWidth', clientWidth);
}

beforeAll(async () => {
  layoutScroller();
  // happy-dom has XMLHttpRequest; main's axios (in the SDK) must keep using Node's http.
  axios.defaults.adapter = 'http';
  emu = await startEmulator({ seed: 60 });
});
afterAll(async () => {
  restoreLayout();
  await emu.close();
});
beforeEach(async () => {
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'coverage-view-'));
  services = createServices({
    dataDir,
    keychainService: `authdesk-coverage-view-${process.pid}`,
    appVersion: '0.0.0-test',
    localTenant: { apiUrl: emu.apiUrl, tenantId: emu.tenantId, secret: emu.secret },
  });
  stopEvents = subscribeAll(services, (name, payload) => listeners.get(name)?.forEach((l) => l(JSON.parse(JSON.stringify(payload)))));
  calls = [];
  localStorage.clear();
});
afterEach(async () => {
  wrapper?.unmount();
  wrapper = undefined;
  document.body.innerHTML = '';
  stopEvents();
  listeners.clear();
  await services.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function open(path = '/admin/coverage') {
  const router = createRouter(createHandlers(services), (channel, error) => console.error(channel, error));
  const platform = createPlatform({
    kind: 'test',
    async call(channel, input) {
      calls.push({ channel, input });
      const result = await router.handle(channel, JSON.parse(JSON.stringify(input ?? {})), { transport: 'test' });
      return JSON.parse(JSON.stringify(result)) as never;
    },
    subscribe(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    openExternal: () => false,
  });
  consoleRouter = createConsoleRouter(createMemoryHistory());
  await consoleRouter.push(path);
  await consoleRouter.isReady();
  wrapper = mount(App, {
    attachTo: document.body,
    global: {
      plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn }), consoleRouter],
      provide: { [PLATFORM_KEY as symbol]: platform },
    },
  });
  await until(() => !wrapper!.find('.loading-state').exists());
  return wrapper;
}

/** Waits (real time: main does real I/O) until the condition holds. */
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error('timed out waiting for the console');
    await flushPromises();
    await new Promise((r) => setTimeout(r, 10));
  }
  await flushPromises();
}

async function pickAndStart(w: VueWrapper, text: string, name = 'staff.csv') {
  const input = w.find('input[type=file]');
  const file = new File([text], name, { type: 'text/csv' });
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
  await input.trigger('change');
  await w.find('form[aria-labelledby=coverage-new-title]').trigger('submit');
}

const tableLines = (w: VueWrapper) => w.findAll('[data-coverage-table] [data-line]').map((r) => Number(r.attributes('data-line')));

// Real HTTP, real disk and fsyncs behind every call: more than the renderer project's 5 s default.
describe('Coverage view', { timeout: 30_000 }, () => {
  it('is in the admin navigation, says when there is no run yet, and checks the form next to its fields', async () => {
    const w = await open();
    const link = w.findAll('nav a').find((a) => a.text() === 'Coverage');
    expect(link?.attributes('href')).toContain('/admin/coverage');
    expect(w.find('h1').text()).toBe('Enrollment coverage');
    expect(w.find('.empty-state h2').text()).toBe('No coverage run yet');
    await w.find('form[aria-labelledby=coverage-new-title]').trigger('submit');
    expect(w.find('#coverage-file-error').text()).toBe('Pick the file with your user list first.');
    expect(w.find('#coverage-file').attributes('aria-invalid')).toBe('true');
    await w.find('#coverage-stale').setValue('0');
    expect(w.find('#coverage-stale-error').text()).toMatch(/whole number of days/);
    expect(calls.filter((c) => c.channel === 'coverage:upload')).toEqual([]);
  });

  it('uploads the picked file, follows the run to its end, and shows the summary, views and rows', async () => {
    const ids = [...emu.store.userIds()];
    const w = await open();
    await pickAndStart(w, `userId\n${ids.join('\n')}\nbad\u0001id\n`);
    await until(() => w.find('[data-number=users]').exists());
    const uploads = calls.filter((c) => c.channel === 'coverage:upload');
    expect(uploads.length).toBeGreaterThan(0);
    expect(consoleRouter.currentRoute.value.query.run).toMatch(/^[0-9a-f-]{36}$/);

    const runId = consoleRouter.currentRoute.value.query.run as string;
    const checkpoint = JSON.parse((await readFile(join(dataDir, 'coverage', 'runs', runId, 'report.summary.json'), 'utf8')).toString()) as {
      summary: { users: number; byCount: { zero: number }; invalid: number };
    };
    expect(w.find('[data-number=users] dd').text()).toBe(String(checkpoint.summary.users));
    expect(w.find('[data-number=zero] dd').text()).toContain(String(checkpoint.summary.byCount.zero));
    expect(w.find('[data-invalid-lines]').text()).toContain(`${ids.length + 2}`);
    // A count beside the count, the line numbers apart and said to be line numbers (issue #14 point 8).
    expect(w.find('[data-number=invalid] dd').text()).toBe('1');
    expect(w.find('[data-invalid-lines]').text()).toMatch(/^Line numbers of the malformed lines: \d+ /);
    expect(w.find('.progress-panel').attributes('data-state')).toBe('completed');
    // No stale toast: "started" never shows beside a complete run (issue #14 point 7).
    await flushPromises();
    expect(w.find('.status-notice').exists()).toBe(true);
    expect(w.find('.status-notice').text()).not.toContain('Coverage run started');
    await until(() => tableLines(w).length > 0);
    expect(tableLines(w).slice(0, 5)).toEqual([2, 3, 4, 5, 6]);
    // Dates in the console's one style, not raw ISO days; the full date-time on hover (issue #14 point 8).
    const times = w.findAll('[data-coverage-table] time');
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) {
      expect(t.text()).not.toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(t.text()).toBe(formatDate(t.attributes('datetime')!));
      expect(t.attributes('title')).toBe(formatDateTime(t.attributes('datetime')!));
    }
    // Only what is on screen is in the DOM, and only the first page was asked of main.
    expect(tableLines(w).length).toBeLessThan(40);
    expect(calls.filter((c) => c.channel === 'coverage:rows').every((c) => (c.input as { offset: number }).offset === 0)).toBe(true);
    expect(w.find('[data-coverage-table]').attributes('aria-rowcount')).toBe(String(ids.length + 2));

    // A built-in view filters through main and lands in the URL.
    await w.find('[data-view="No authenticator"]').trigger('click');
    await until(() => consoleRouter.currentRoute.value.query.count === '0' && w.find('.count').text().includes('match'));
    expect(w.find('.count').text()).toContain(`${checkpoint.summary.byCount.zero} of ${ids.length + 1} rows match`);
    expect(w.find('[data-view="No authenticator"]').attributes('aria-pressed')).toBe('true');
    const rowsCall = calls.filter((c) => c.channel === 'coverage:rows').at(-1)!.input as { filter: unknown };
    expect(rowsCall.filter).toEqual({ authenticators: ['0'] });

    // Save it as a named view: kept on this computer, without the free-text filter.
    await w.find('#coverage-filter-text').setValue('ann@corp.example');
    await w.find('form[role=search]').trigger('submit');
    await until(() => consoleRouter.currentRoute.value.query.q === 'ann@corp.example');
    await w.find('#coverage-view-name').setValue('Unenrolled example');
    await w.find('form[aria-label="Save this view"]').trigger('submit');
    expect(w.find('[data-view="Unenrolled example"]').exists()).toBe(true);
    expect(loadSavedViews()).toEqual([{ name: 'Unenrolled example', filter: { authenticators: ['0'] } }]);
    expect(localStorage.getItem(SAVED_VIEWS_KEY)).not.toContain('ann@corp.example');
  });

  it('shows the charts on request with their numbers as tables, and exports the report', async () => {
    const ids = [...emu.store.userIds()];
    const w = await open();
    await pickAndStart(w, `${ids.join('\n')}\n`);
    await until(() => w.find('[data-number=users]').exists());
    expect(w.find('[data-chart]').exists()).toBe(false);
    const toggle = w.findAll('button').find((b) => b.text() === 'Show charts')!;
    await toggle.trigger('click');
    await until(() => w.find('[data-chart=count] table').exists());
    expect(toggle.attributes('aria-expanded')).toBe('true');
    const store = useCoverageStore();
    const summary = store.run!.summary!;
    const countTable = w.find('[data-chart=count] table').text();
    expect(countTable).toContain(`No authenticator${summary.byCount.zero}`);
    expect(w.find('[data-chart=methods] table').text()).toContain('Passkey');
    expect(w.find('[data-chart=count] canvas').attributes('aria-label')).toMatch(/^Users by number of authenticators\. No authenticator: \d+/);

    const csv = await store.exportReport('csv');
    expect(csv.ok).toBe(true);
    const reportFile = join(dataDir, 'coverage', 'runs', store.run!.runId, 'report.csv');
    if (csv.ok) expect(csv.value.parts.join('')).toBe(await readFile(reportFile, 'utf8'));
  });

  it('shows ids Authsignal has no record of as their own category, outside the figures, with the rule', async () => {
    const ids = [...emu.store.userIds()].slice(0, 10);
    const w = await open();
    await pickAndStart(w, `userId\n${ids.join('\n')}\ntypo-user-1\ntypo-user-2\n`);
    await until(() => w.find('[data-number=users]').exists());
    expect(w.find('[data-number=users] dd').text()).toBe('10');
    expect(w.find('[data-number=notFound] dt').text()).toBe('Not found in Authsignal');
    expect(w.find('[data-number=notFound] dd').text()).toBe('2');
    expect(w.find('[data-not-found-rule]').text()).toMatch(/2 values are not found in Authsignal: a 404 for the user, or no authenticators and no record/);
    await w.find('[data-view="Not found in Authsignal"]').trigger('click');
    await until(() => consoleRouter.currentRoute.value.query.status === 'not-found' && tableLines(w).length === 2);
    expect(tableLines(w)).toEqual([12, 13]);
    expect(w.find('[data-coverage-table]').text()).toContain('Not found in Authsignal');
  });

  it('shows why a file that is not a user list was refused, before any request', async () => {
    const w = await open();
    await pickAndStart(w, `PK\u0003\u0004[Content_Types].xml\u0000\u0000`, 'users.xlsx');
    await until(() => w.text().includes('is not a text list of users'));
    expect(w.text()).toMatch(/it looks like a ZIP archive \(an Excel \.xlsx workbook\?\)\. Save the list as CSV \(UTF-8\)/);
    expect(w.find('[data-number=users]').exists()).toBe(false);
  });

  it('keeps filters in the URL both ways, ignoring what it cannot read', () => {
    expect(queryToFilter({ status: 'failed,invalid', count: ['0', '7'], pr: 'no', stale: 'maybe', method: 'passkey', q: 'ann' })).toEqual({
      status: ['failed', 'invalid'],
      authenticators: ['0'],
      phishingResistant: false,
      text: 'ann',
    });
    expect(filterToQuery({ authenticators: ['1', '2+'], phishingResistant: false, method: 'SMS' })).toEqual({ count: '1,2+', pr: 'no', method: 'SMS' });
  });
});
