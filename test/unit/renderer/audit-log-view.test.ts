import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestingPinia } from '@pinia/testing';
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import App from '@console/App.vue';
import { PLATFORM_KEY } from '@console/platform/platform';
import { createPlatform } from '@console/platform/transport';
import { createConsoleRouter } from '@console/router';
import { dayBoundary, toQuery, emptyFilters } from '@console/stores/audit';
import { formatDateTime } from '@console/lib/format';
import { createHandlers } from '../../../src/main/ipc/handlers';
import { createRouter } from '../../../src/main/ipc/router';
import { createServices, type Services } from '../../../src/main/services/container';
import type { AuditAppendInput } from '../../../src/main/services/audit/audit-log.service';

/**
 * The console over the REAL main side for the audit log: the real service container (audit log and
 * settings in a temp dir, the local tenant profile) behind the real router; only Electron's pipe is
 * replaced by a JSON round trip, with a gate to hold a call open for the loading state.
 */
let dataDir: string;
let services: Services;
let wrapper: VueWrapper | undefined;
let calls: { channel: string; input: unknown }[];
let gates: Map<string, Promise<void>>;
/** Errors the router saw that were not AppErrors (bugs or real I/O failures). */
let unexpected: { channel: string; error: unknown }[];
/** Calls still being answered by the services (file I/O, fsyncs). */
let inflight = 0;

beforeEach(async () => {
  dataDir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'audit-view-'));
  services = createServices({
    dataDir,
    keychainService: `authdesk-audit-view-${process.pid}`,
    appVersion: '0.0.0-test',
    localTenant: { apiUrl: 'http://127.0.0.1:9/v1', tenantId: 'local', secret: 'unused-here' },
  });
  calls = [];
  gates = new Map();
  unexpected = [];
});
afterEach(async () => {
  await settle(0).catch(() => undefined);
  wrapper?.unmount();
  wrapper = undefined;
  document.body.innerHTML = '';
  await services.close();
  await rm(dataDir, { recursive: true, force: true });
});

const tenant = { id: 'local', name: 'Local tenant' };

async function seed(inputs: AuditAppendInput[]): Promise<void> {
  for (const input of inputs) await services.audit.append(input);
}

function hold(channel: string): () => void {
  let release!: () => void;
  gates.set(channel, new Promise<void>((r) => (release = r)));
  return () => {
    gates.delete(channel);
    release();
  };
}

async function open() {
  const router = createRouter(createHandlers(services), (channel, error) => unexpected.push({ channel, error }));
  const platform = createPlatform({
    kind: 'test',
    async call(channel, input) {
      calls.push({ channel, input });
      inflight += 1;
      try {
        await gates.get(channel);
        const result = await router.handle(channel, JSON.parse(JSON.stringify(input ?? {})), { transport: 'test' });
        return JSON.parse(JSON.stringify(result)) as never;
      } finally {
        inflight -= 1;
      }
    },
    subscribe: () => () => {},
    openExternal: () => false,
  });
  const consoleRouter = createConsoleRouter(createMemoryHistory());
  await consoleRouter.push('/admin/audit');
  await consoleRouter.isReady();
  wrapper = mount(App, {
    attachTo: document.body,
    global: {
      plugins: [createTestingPinia({ stubActions: false, createSpy: vi.fn }), consoleRouter],
      provide: { [PLATFORM_KEY as symbol]: platform },
    },
  });
  await settle();
  return wrapper;
}

/**
 * Waits until every call the console made has been answered by the real services (held calls
 * excepted) and Vue has re-rendered; `minRounds` > 0 also lets a just-clicked handler start.
 */
async function settle(minRounds = 2): Promise<void> {
  const held = () => gates.size;
  for (let round = 0; round < 500; round++) {
    await flushPromises();
    if (round >= minRounds && inflight <= held()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('The console is still waiting for main after 5 s');
}

const rows = (w: VueWrapper) => w.findAll('tbody tr').map((r) => Number(r.attributes('data-seq')));
const listCalls = () => calls.filter((c) => c.channel === 'audit:list').map((c) => c.input);

describe('Audit log view', () => {
  it('is in the admin navigation and shows entries newest first, in words', async () => {
    await seed([
      { action: 'user.search', tenant, details: { query: 'dana' } },
      { action: 'user.lookup', tenant, subject: { userId: 'user-1' } },
      {
        action: 'authenticator.remove',
        tenant,
        subject: { userId: 'user-1' },
        details: { reason: 'Lost phone', ticket: 'HD-7', authenticatorId: 'auth-1' },
        verification: { id: 'ver-9', method: 'email-otp', expiresAt: '2026-05-01T10:10:00.000Z' },
      },
      { action: 'sessions.revoke', tenant, subject: { userId: 'user-1' }, error: { code: 'unavailable', message: 'Authsignal did not answer.' } },
    ]);
    const w = await open();
    const link = w.findAll('nav a').find((a) => a.text() === 'Audit log');
    expect(link?.attributes('href')).toContain('/admin/audit');
    expect(w.find('h1').text()).toBe('Audit log');
    expect(rows(w)).toEqual([4, 3, 2, 1]);
    const [revoke, remove] = w.findAll('tbody tr');
    expect(revoke.text()).toContain('Revoked sessions');
    expect(revoke.text()).toContain('Failed');
    expect(revoke.text()).toContain('Authsignal did not answer. (unavailable)');
    expect(remove.text()).toContain('Removed an authenticator');
    expect(remove.text()).toContain('Succeeded');
    expect(remove.text()).toContain('Lost phone');
    expect(remove.text()).toContain('HD-7');
    expect(remove.text()).toMatch(/Verified by\s*Email code \(ver-9\)/);
    expect(remove.text()).toContain('Local tenant');
    expect(remove.find('time').attributes('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('reads like a record: the real outcome, sentences instead of JSON, one local time format with seconds and zone', async () => {
    await seed([
      { action: 'verification.fail', tenant, subject: { userId: 'ada' }, details: { verificationId: 'ver-1', method: 'email-otp', reason: 'wrong-code' } },
      {
        action: 'enrollment.complete',
        tenant,
        subject: { userId: 'ada' },
        details: { enrollmentId: 'enr-1', firstEnrollment: false, added: [{ id: 'auth-7', method: 'PASSKEY' }, { id: 'auth-8', method: 'EMAIL_OTP' }], pendingUntil: '2026-05-01T10:10:05.000Z' },
      },
    ]);
    const w = await open();
    const [enrolled, failed] = w.findAll('tbody tr');
    expect(failed.find('.badge').text()).toBe('Not verified');
    expect(failed.find('.badge').classes()).toContain('badge-failed');
    expect(failed.text()).toContain('The caller read back a wrong code');
    expect(failed.text()).toContain('Email code');
    // No JSON anywhere in the details, and no raw ISO instants.
    expect(enrolled.find('.details').text()).not.toMatch(/[[{"]/);
    expect(enrolled.find('.details').text()).not.toMatch(/\dT\d/);
    expect(enrolled.find('.details').text()).toContain('2 authenticators: Passkey (auth-7), Email code (auth-8)');
    expect(enrolled.find('.details').text()).toContain('No');
    // The When column and a date inside the details read the same way: seconds and the zone.
    const when = enrolled.find('time');
    expect(when.text()).toBe(formatDateTime(when.attributes('datetime')!));
    expect(when.text()).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    expect(formatDateTime('2026-05-01T10:10:05.000Z', 'en-GB')).toMatch(/1 May 2026.*\d{2}:10:05.*(UTC|GMT|[A-Z]{3,4})/);
    expect(enrolled.find('.details').text()).toContain(formatDateTime('2026-05-01T10:10:05.000Z'));
  });

  it('isolates every user-controlled string and shows bidi controls in ids as visible marks', async () => {
    await seed([{ action: 'user.lookup', tenant: { id: 'local', name: 'Evil \u202etnanet' }, subject: { userId: 'adm\u202enimda' }, details: { reason: 'x\u202ey' } }]);
    const w = await open();
    const row = w.find('tbody tr');
    const user = row.findAll('td')[6];
    expect(user.find('bdi').exists()).toBe(true);
    expect(user.text()).not.toContain('\u202e');
    expect(user.text()).toContain('adm[U+202E]nimda');
    const tenantCell = row.findAll('td')[5];
    expect(tenantCell.find('bdi').exists()).toBe(true);
    expect(row.findAll('td')[4].find('bdi').exists()).toBe(true);
    for (const dd of row.findAll('.details dd')) expect(dd.find('bdi').exists(), dd.html()).toBe(true);
  });

  it('says when nothing is recorded yet, and shows a loading state while the list is on its way', async () => {
    const release = hold('audit:list');
    const w = await open();
    expect(w.find('.loading-state').text()).toContain('Loading the audit log');
    expect(w.find('section.entries').attributes('aria-busy')).toBe('true');
    release();
    await settle();
    expect(w.find('.empty-state h2').text()).toBe('Nothing recorded yet');
    expect(w.find('.loading-state').exists()).toBe(false);
  });

  it('filters by area, user, outcome and text through main, and says when nothing matches', async () => {
    await seed([
      { action: 'verification.start', tenant, subject: { userId: 'alice' } },
      { action: 'verification.fail', tenant, subject: { userId: 'alice' }, error: { code: 'expired' } },
      { action: 'verification.succeed', tenant, subject: { userId: 'bob' } },
      { action: 'user.lookup', tenant, subject: { userId: 'alice' }, details: { reason: 'Ticket HD-55' } },
    ]);
    const w = await open();
    const form = w.find('form[role=search]');
    await form.find('select').setValue('verification.*');
    await form.find('input.mono').setValue('alice');
    await form.trigger('submit');
    await settle();
    expect(listCalls().at(-1)).toEqual({ limit: 50, action: ['verification.*'], userId: 'alice' });
    expect(rows(w)).toEqual([2, 1]);

    await form.findAll('select')[1].setValue('error');
    await form.trigger('submit');
    await settle();
    expect(rows(w)).toEqual([2]);

    await w.findAll('button').find((b) => b.text() === 'Clear filters')!.trigger('click');
    await settle();
    expect(rows(w)).toEqual([4, 3, 2, 1]);

    await form.find('input[type=search]').setValue('hd-55');
    await form.trigger('submit');
    await settle();
    expect(rows(w)).toEqual([4]);

    await form.find('input[type=search]').setValue('no such words');
    await form.trigger('submit');
    await settle();
    expect(w.find('.empty-state h2').text()).toBe('No entries match these filters');
  });

  it('checks the date range next to the field before asking main', async () => {
    const w = await open();
    const before = listCalls().length;
    await w.find('input[type=date]').setValue('2026-05-02');
    await w.findAll('input[type=date]')[1].setValue('2026-05-01');
    await w.find('form[role=search]').trigger('submit');
    await settle();
    expect(listCalls()).toHaveLength(before);
    const error = w.find('.field-error');
    expect(error.text()).toContain('must not be after');
    const from = w.find('input[type=date]');
    expect(from.attributes('aria-invalid')).toBe('true');
    expect(from.attributes('aria-describedby')).toBe(error.attributes('id'));
    expect(document.activeElement).toBe(from.element);
  });

  it('pages older entries with "Show older entries"', async () => {
    await seed(Array.from({ length: 57 }, (_, i) => ({ action: 'user.lookup' as const, tenant, subject: { userId: `u-${i}` } })));
    const w = await open();
    expect(rows(w)).toHaveLength(50);
    expect(rows(w)[0]).toBe(57);
    const more = w.findAll('button').find((b) => b.text() === 'Show older entries');
    await more!.trigger('click');
    await settle();
    expect(rows(w)).toEqual(Array.from({ length: 57 }, (_, i) => 57 - i));
    expect(w.findAll('button').some((b) => b.text() === 'Show older entries')).toBe(false);
  });

  it('verifies the chain and names the broken line when the file was edited', async () => {
    await seed([
      { action: 'user.lookup', tenant, subject: { userId: 'a' } },
      { action: 'user.lookup', tenant, subject: { userId: 'b' }, details: { reason: 'original' } },
      { action: 'user.lookup', tenant, subject: { userId: 'c' } },
    ]);
    const w = await open();
    const verifyButton = () => w.findAll('button').find((b) => b.text() === 'Verify chain')!;
    await verifyButton().trigger('click');
    await settle();
    expect(w.find('[data-verdict=ok]').text()).toContain('All 3 entries verify, up to #3');

    const raw = await readFile(services.audit.file, 'utf8');
    await writeFile(services.audit.file, raw.replace('original', 'tampered'));
    await verifyButton().trigger('click');
    await settle();
    const broken = w.find('[data-verdict=broken]');
    expect(broken.text()).toContain('Chain broken at line 2 (#2): the entry was changed');
    expect(broken.text()).toContain('The 1 entries before it verify.');
    expect(w.find('.verdict').attributes('aria-live')).toBe('polite');
  });

  it('offers a confirmed repair of a torn last line, then records it and verifies', async () => {
    await seed([{ action: 'user.lookup', tenant, subject: { userId: 'a' } }]);
    await appendFile(services.audit.file, '{"action":"authentic');
    const w = await open();
    const alert = w.find('.chain-panel .alert');
    expect(alert.text()).toContain('The audit log needs a repair');
    expect(alert.text()).toContain('20 incomplete bytes');
    await alert.find('button').trigger('click');
    await settle();
    const confirm = w.findAll('button').find((b) => b.text() === 'Yes, repair it')!;
    expect(document.activeElement).toBe(confirm.element);
    await confirm.trigger('click');
    await settle();
    expect(calls.some((c) => c.channel === 'audit:repair')).toBe(true);
    expect(w.find('.chain-panel .alert').exists()).toBe(false);
    expect(w.find('.status-notice').text()).toMatch(/moved to quarantine\/torn-after-seq-1-/);
    expect(w.find('tbody tr').text()).toContain('Repaired the log after a crash');
    await w.findAll('button').find((b) => b.text() === 'Verify chain')!.trigger('click');
    await settle();
    expect(w.find('[data-verdict=ok]').text()).toContain('1 crash repair(s)');
  });

  it('shows an error it can retry when the log cannot be read', async () => {
    // A directory where the log file should be: a real read failure in the real service.
    await mkdir(join(dataDir, 'audit', 'audit.jsonl'), { recursive: true });
    const w = await open();
    const error = w.find('section.entries [role=alert]');
    expect(error.text()).toContain('Could not load the audit log');
    expect(unexpected.map((u) => [u.channel, (u.error as NodeJS.ErrnoException).code])).toContainEqual(['audit:list', 'EISDIR']);
    await rm(join(dataDir, 'audit', 'audit.jsonl'), { recursive: true });
    await seed([{ action: 'user.lookup', tenant }]);
    await error.find('button').trigger('click');
    await settle();
    expect(w.find('section.entries [role=alert]').exists()).toBe(false);
    expect(rows(w)).toEqual([1]);
  });

  it('labels every control and uses only native, focusable controls', async () => {
    const w = await open();
    const view = w.find('.audit-view');
    for (const control of view.findAll('input, select')) {
      const id = control.attributes('id');
      expect(id, control.html()).toBeTruthy();
      expect(view.find(`label[for="${id}"]`).exists(), `label for ${id}`).toBe(true);
    }
    expect(view.findAll('[tabindex]').filter((e) => Number(e.attributes('tabindex')) > 0)).toEqual([]);
    expect(view.findAll('[onclick], div[role=button], span[role=button]')).toEqual([]);
  });
});

describe('audit store helpers', () => {
  it('turns a local day range into instants that include the whole last day', () => {
    const from = dayBoundary('2026-05-01', false)!;
    const to = dayBoundary('2026-05-01', true)!;
    expect(Date.parse(to) - Date.parse(from)).toBe(24 * 3600 * 1000 - 1);
    expect(new Date(from).getHours()).toBe(0);
    expect(dayBoundary('yesterday', false)).toBeUndefined();
    expect(toQuery({ ...emptyFilters(), userId: '  u-1 ', text: ' ' }, '10-2')).toEqual({ limit: 50, userId: 'u-1', cursor: '10-2' });
  });
});
