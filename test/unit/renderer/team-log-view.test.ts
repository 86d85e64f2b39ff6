import type { VueWrapper } from '@vue/test-utils';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../../../src/main/services/container';
import { startPostgres, type TestPostgres } from '../../support/postgres';
import { closeConsoles, mountConsole } from './support/mount-console';

// The Audit log view's team scope over the real main side (services, router, keychain) and a real
// PostgreSQL: two agents' computers ship, this computer holds the admin connection, and the view
// filters the team log by agent and pages it by the store's keyset cursor.
let server: TestPostgres;
let mounted: VueWrapper | undefined;
let other: { services: Services; dir: string } | undefined;
afterEach(() => {
  mounted?.unmount();
  mounted = undefined;
  document.body.innerHTML = '';
});
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await closeConsoles();
  if (other) {
    await other.services.close();
    await rm(other.dir, { recursive: true, force: true });
  }
  await server?.stop();
});

const PROD = { name: 'Production', region: 'us' as const, secret: 'sk_prod' };

/** Team mode for a computer: the store installed (idempotent), the role added, connected as it. */
async function connectAgent(services: Services, role: string) {
  const installer = services.team.open(server.url('postgres'), server.password, 1);
  await installer.install();
  await installer.addMember(role, `${role}-password-x`);
  await installer.close();
  await services.team.saveConnection('agent', server.url(role), `${role}-password-x`);
}

async function radio(wrapper: VueWrapper, label: string) {
  const input = wrapper
    .findAll('[data-testid="audit-scope"] label')
    .find((l) => l.text().includes(label))
    ?.find('input');
  expect(input?.exists()).toBe(true);
  await input!.setValue(true);
}

function agentCells(wrapper: VueWrapper) {
  return wrapper.findAll('[data-testid="team-agent"]').map((c) => c.text());
}

describe('Audit log view, team scope', { timeout: 120_000 }, () => {
  it('has no scope switch when team mode is off', async () => {
    const { wrapper } = await mountConsole({ seed: [PROD], path: '/admin/audit' });
    mounted = wrapper;
    expect(wrapper.text()).toContain('Audit log');
    expect(wrapper.find('[data-testid="audit-scope"]').exists()).toBe(false);
  });

  it('filters the team log by agent (the database role), pages by cursor, and shows an unreachable store', async () => {
    const { wrapper, settle } = await mountConsole({
      seed: [PROD],
      path: '/admin/audit',
      before: async (h) => {
        // This agent calls itself "carol" in settings: the console must still name the role.
        await h.services.settings.update({ agentName: 'carol' });
        await connectAgent(h.services, 'tl_alice');
        for (let i = 1; i <= 52; i++) {
          await h.services.audit.append({
            action: 'user.lookup',
            subject: { userId: `alice-user-${i}` },
            details: { ticket: `T-${i}` },
          });
        }
        expect(await h.services.team.shipNow()).toMatchObject({ state: 'in-sync', waiting: 0 });
        // A second agent's computer.
        const dir = await mkdtemp(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'team-log-other-'));
        const services = createServices({
          dataDir: dir,
          keychainService: `authdesk-team-log-other-${process.pid}`,
          appVersion: '0.0.0-test',
          localTenant: { apiUrl: 'http://127.0.0.1:9/v1', tenantId: 'local', secret: 'unused-here' },
        });
        other = { services, dir };
        await connectAgent(services, 'tl_carol');
        await services.audit.append({ action: 'user.lookup', subject: { userId: 'carol-user-1' } });
        await services.audit.append({
          action: 'user.lookup',
          subject: { userId: 'carol-user-2' },
          error: new Error('lookup failed'),
        });
        expect(await services.team.shipNow()).toMatchObject({ state: 'in-sync', waiting: 0 });
        // This computer is also the admin's: team:list reads everyone's entries through it.
        await h.services.team.saveConnection('admin', server.url('postgres'), server.password);
      },
    });
    mounted = wrapper;
    expect(wrapper.find('[data-testid="team-log"]').exists()).toBe(false);
    await radio(wrapper, 'The team');
    await settle();

    // 57 entries in all: this computer's seed (tenant added, switched), its settings change and 52
    // lookups, and the other computer's 2. First page: 50 of them, newest first.
    const log = () => wrapper.find('[data-testid="team-log"]');
    expect(log().text()).toContain('Page 1: 50 entries');
    const firstPageSeqs = wrapper
      .findAll('[data-team-seq]')
      .map((r) => Number(r.attributes('data-team-seq')));
    expect(firstPageSeqs).toEqual([...firstPageSeqs].sort((a, b) => b - a));
    expect(agentCells(wrapper).some((t) => t.startsWith('tl_carol'))).toBe(true);
    // The role is the agent; the self-chosen name is only a label beside it.
    const alice = agentCells(wrapper).find((t) => t.startsWith('tl_alice'));
    expect(alice).toMatch(/^tl_alice\s+“carol”$/);

    const button = (text: string) => wrapper.findAll('button').find((b) => b.text() === text)!;
    expect(button('Newer entries').attributes('disabled')).toBeDefined();
    await button('Older entries').trigger('click');
    await settle();
    expect(log().text()).toContain('Page 2: 7 entries');
    const secondPageSeqs = wrapper
      .findAll('[data-team-seq]')
      .map((r) => Number(r.attributes('data-team-seq')));
    expect(Math.max(...secondPageSeqs)).toBeLessThan(Math.min(...firstPageSeqs));
    expect(button('Older entries').attributes('disabled')).toBeDefined();
    await button('Newer entries').trigger('click');
    await settle();
    expect(wrapper.findAll('[data-team-seq]').map((r) => Number(r.attributes('data-team-seq')))).toEqual(
      firstPageSeqs,
    );

    // Filter by agent: only the other computer's two entries, both by its role.
    await wrapper.find('input[id$="-role"]').setValue('tl_carol');
    await wrapper.find('form.team-filters').trigger('submit');
    await settle();
    expect(log().text()).toContain('Page 1: 2 entries');
    expect(agentCells(wrapper)).toEqual(['tl_carol', 'tl_carol']);
    expect(wrapper.findAll('[data-testid="team-user"]').map((c) => c.text())).toEqual([
      'carol-user-2',
      'carol-user-1',
    ]);

    // Agent and ticket together; then a filter nothing matches.
    await wrapper.find('input[id$="-role"]').setValue('tl_alice');
    await wrapper.find('input[id$="-ticket"]').setValue('T-7');
    await wrapper.find('form.team-filters').trigger('submit');
    await settle();
    expect(wrapper.findAll('[data-team-seq]')).toHaveLength(1);
    expect(log().text()).toContain('alice-user-7');
    await wrapper.find('input[id$="-role"]').setValue('tl_nobody');
    await wrapper.find('form.team-filters').trigger('submit');
    await settle();
    expect(log().text()).toContain('No team entries match these filters');

    // The store goes away: an error that says so, with a retry that works once it is back.
    await server.halt();
    try {
      await wrapper.find('input[id$="-role"]').setValue('tl_carol');
      await wrapper.find('input[id$="-ticket"]').setValue('');
      await wrapper.find('form.team-filters').trigger('submit');
      await settle();
      expect(log().find('[role="alert"]').exists()).toBe(true);
      expect(log().text()).toMatch(/load the team log/i);
    } finally {
      await server.resume();
    }
    await wrapper
      .findAll('[data-testid="team-log"] button')
      .find((b) => /try again|retry/i.test(b.text()))!
      .trigger('click');
    await settle();
    expect(agentCells(wrapper)).toEqual(['tl_carol', 'tl_carol']);

    // Back to this computer: the local list again.
    await radio(wrapper, 'This computer');
    expect(wrapper.find('[data-testid="team-log"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Entries');
  });
});
