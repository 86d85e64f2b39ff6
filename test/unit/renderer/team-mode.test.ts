import type { VueWrapper } from '@vue/test-utils';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/main/services/container';
import { startPostgres, type TestPostgres } from '../../support/postgres';
import { closeConsoles, mountConsole } from './support/mount-console';

// The header's team log state over the real main side (services, router, keychain) and a real
// PostgreSQL: nothing in solo use; "in sync" once shipped; "offline since" with the entries
// waiting when the store goes away.
let server: TestPostgres;
let mounted: VueWrapper | undefined;
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
  await server?.stop();
});

const PROD = { name: 'Production', region: 'us' as const, secret: 'sk_prod' };

describe('team log state in the header', { timeout: 60_000 }, () => {
  it('shows nothing when team mode is off', async () => {
    const { wrapper, host } = await mountConsole({ seed: [PROD] });
    mounted = wrapper;
    expect(host.calls.some((c) => c.channel === 'team:status')).toBe(true);
    expect(wrapper.find('[data-testid="team-sync"]').exists()).toBe(false);
  });

  /** Team mode on for the host's services: installs (idempotent), adds the role, connects, ships. */
  async function connect(services: Services, role: string) {
    const installer = services.team.open(server.url('postgres'), server.password, 1);
    await installer.install();
    await installer.addMember(role, `${role}-password-x`);
    await installer.close();
    await services.team.saveConnection('agent', server.url(role), `${role}-password-x`);
    await services.audit.append({ action: 'user.lookup', subject: { userId: 'u1' } });
    expect(await services.team.shipNow()).toMatchObject({ state: 'in-sync', waiting: 0 });
  }

  it('says in sync once every entry is shipped', async () => {
    const { wrapper } = await mountConsole({ seed: [PROD], before: (h) => connect(h.services, 'badge_sync') });
    mounted = wrapper;
    const badge = wrapper.find('[data-testid="team-sync"]');
    expect(badge.text()).toContain('Team log in sync');
    expect(badge.attributes('role')).toBe('status');
  });

  it('says offline since a time, with the entries waiting, when the store is away', async () => {
    try {
      const { wrapper } = await mountConsole({
        seed: [PROD],
        before: async (h) => {
          await connect(h.services, 'badge_offline');
          await server.halt();
          await h.services.audit.append({ action: 'user.lookup', subject: { userId: 'u2' } });
          await h.services.audit.append({ action: 'user.lookup', subject: { userId: 'u3' } });
          expect(await h.services.team.shipNow()).toMatchObject({ state: 'offline', waiting: 2 });
        },
      });
      mounted = wrapper;
      const badge = wrapper.find('[data-testid="team-sync"]');
      expect(badge.text()).toMatch(/Team log offline since \d{1,2}:\d{2}.*, 2 entries waiting/);
      expect(badge.attributes('title')).toMatch(/cannot be reached/);
    } finally {
      await server.resume();
    }
  });

  it('Settings → Team audit store turns team mode on from the console, keeps the password in main, shows the state and turns it off', async () => {
    const role = 'settings_agent';
    const password = `${role}-password-x`;
    const { wrapper, host, settle } = await mountConsole({
      seed: [PROD],
      path: '/settings/general',
      before: async (h) => {
        const installer = h.services.team.open(server.url('postgres'), server.password, 1);
        await installer.install();
        await installer.addMember(role, password);
        await installer.close();
      },
    });
    mounted = wrapper;
    const section = () => wrapper.find('[data-testid="team-store-settings"]');
    expect(section().find('[data-testid="team-store-state"]').attributes('data-state')).toBe('off');
    const field = (label: string) => {
      const id = section().findAll('label').find((l) => l.text() === label)?.attributes('for');
      expect(id, label).toBeDefined();
      return section().find(`[id="${id}"]`);
    };
    const submit = async (secret: string) => {
      await field('Role password').setValue(secret);
      await section().find('form').trigger('submit');
      await settle();
    };
    // Plaintext to a host that is not this computer: refused by main's checks, before any network.
    await field('Server host').setValue('192.0.2.10');
    await field('Database').setValue(server.database);
    await field('Database role').setValue(role);
    await section().find('input[type="radio"][value="disable"]').setValue(true);
    await submit(password);
    expect(section().find('.error-summary').text()).toMatch(/sslmode=disable is refused for 192\.0\.2\.10/);
    // The password field was emptied as it was read.
    expect((field('Role password').element as HTMLInputElement).value).toBe('');
    // This computer's server, a wrong password: the store says so, nothing is kept.
    await field('Server host').setValue('127.0.0.1');
    await field('Port').setValue(String(server.port));
    await submit('not-the-password-000');
    expect(section().find('.error-summary').text()).toMatch(/refused the role's password/);
    expect(await host.services.team.connection('agent')).toBeNull();
    // The right one: team mode on, the state shown, the password only in the keychain.
    await submit(password);
    const state = section().find('[data-testid="team-store-state"]');
    expect(state.attributes('data-state')).toBe('in-sync');
    expect(state.text()).toContain('In sync');
    expect(section().text()).toContain(server.url(role));
    expect(await host.services.team.connection('agent')).toEqual({ url: server.url(role), password });
    expect(document.documentElement.outerHTML).not.toContain(password);
    expect(host.calls.filter((c) => JSON.stringify(c.input).includes(password)).map((c) => c.channel)).toEqual(['team:connect', 'team:connect']);
    // Keyboard: the Disconnect button opens a confirmation whose first focus keeps team mode on.
    const open = section().findAll('button').find((b) => b.text() === 'Disconnect…');
    await open!.trigger('click');
    await settle();
    const dialog = wrapper.find('dialog[open]');
    expect(dialog.text()).toContain('Turn team mode off on this computer?');
    expect(document.activeElement?.textContent?.trim()).toBe('Keep team mode on');
    await dialog.findAll('button').find((b) => b.text() === 'Disconnect')!.trigger('click');
    await settle();
    // In team mode the role is the database role's: an agent may not stop shipping its own log
    // (issue #12), and says so in the dialog; team mode stays on.
    expect(wrapper.find('dialog[open]').text()).toMatch(/Your role \(agent\) may not turn a protection off/);
    expect(await host.services.team.connection('agent')).not.toBeNull();
    // Once the team policy names the role a security admin, the same button turns it off.
    const admin = host.services.team.open(server.url('postgres'), server.password, 1);
    await admin.setPolicy({ securityAdmins: [role] });
    await admin.close();
    await wrapper.find('dialog[open]').findAll('button').find((b) => b.text() === 'Disconnect')!.trigger('click');
    await settle();
    expect(section().find('[data-testid="team-store-state"]').attributes('data-state')).toBe('off');
    expect(await host.services.team.connection('agent')).toBeNull();
  });

  it('lets the Audit log view compare the local log with the team store and names a truncation', async () => {
    const { wrapper, host, settle } = await mountConsole({ seed: [PROD], path: '/admin/audit', before: (h) => connect(h.services, 'badge_compare') });
    mounted = wrapper;
    // The agent cuts the end off the log (head -n 2), which the local chain alone cannot show.
    const lines = (await readFile(host.services.audit.file, 'utf8')).split('\n').filter(Boolean);
    await writeFile(host.services.audit.file, lines.slice(0, 2).map((l) => `${l}\n`).join(''));
    const button = wrapper.findAll('button').find((b) => b.text() === 'Compare with the team store');
    expect(button).toBeDefined();
    await button!.trigger('click');
    await settle();
    const verdict = wrapper.find('[data-testid="team-compare"]');
    expect(verdict.attributes('role')).toBe('alert');
    expect(verdict.text()).toContain('The local log differs from what was shipped');
    expect(verdict.text()).toMatch(/truncated \(seq 3(–\d+)?\): The local log ends at seq 2/);
  });
});
