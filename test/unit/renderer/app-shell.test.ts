import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createServices } from '../../../src/main/services/container';
import { buildRoutes, consoleRoutes, navLinks } from '@console/router';
import { closeConsoles, mountConsole } from './support/mount-console';

let mounted: VueWrapper | undefined;
let flushPromises: () => Promise<void>;
afterEach(() => {
  mounted?.unmount();
  mounted = undefined;
  document.body.innerHTML = '';
});
afterAll(closeConsoles);

async function open(options: Parameters<typeof mountConsole>[0] = {}) {
  const m = await mountConsole(options);
  mounted = m.wrapper;
  // Real calls take real time: wait for main, not just for the microtask queue.
  flushPromises = m.settle;
  return m;
}

const LOCAL = { name: 'Local tenant', kind: 'local' as const };
const PROD = { name: 'Production', region: 'us' as const, secret: 'sk_prod' };

describe('console shell', () => {
  it('has a skip link, a header, a labelled navigation and one main landmark', async () => {
    const { wrapper } = await open({ seed: [PROD] });
    const skip = wrapper.find('a.skip-link');
    expect(skip.text()).toBe('Skip to main content');
    expect(wrapper.findAll('header')).toHaveLength(1);
    expect(wrapper.find('nav').attributes('aria-label')).toBe('Main');
    expect(wrapper.findAll('main')).toHaveLength(1);
    await skip.trigger('click');
    expect(document.activeElement).toBe(wrapper.find('main').element);
  });

  it('banners the local demo tenant with a way to connect a real one, and only then', async () => {
    const { wrapper } = await open({ path: '/nowhere', seed: [LOCAL, PROD] });
    const banner = wrapper.find('section[aria-label="Local demo tenant"]');
    expect(banner.text()).toContain('You are on the local demo tenant');
    const link = banner.find('a');
    expect(link.text()).toBe('Connect your real tenant');

    // The link opens the tenant settings with focus on the add form's first field.
    await link.trigger('click');
    await flushPromises();
    await flushPromises();
    expect(wrapper.find('h1').text()).toBe('Tenants');
    expect((document.activeElement as HTMLElement).id).toMatch(/-name$/);

    // Switching to a real tenant removes the banner.
    const select = wrapper.find('.tenant-switcher select');
    await select.setValue('production');
    await flushPromises();
    expect(wrapper.find('section[aria-label="Local demo tenant"]').exists()).toBe(false);
  });

  it('keeps the tenant switcher visible and switches through main', async () => {
    const { wrapper, host } = await open({ seed: [PROD, { name: 'Staging', region: 'eu', secret: 's' }] });
    const select = wrapper.find('.tenant-switcher select');
    const label = wrapper.find(`label[for="${select.attributes('id')}"]`);
    expect(label.text()).toBe('Tenant');
    expect(select.findAll('option').map((o) => o.text())).toEqual(['Production', 'Staging']);
    await select.setValue('staging');
    await flushPromises();
    expect(host.calls.at(-1)).toEqual({ channel: 'tenants:set-active', input: { id: 'staging' } });
    expect((await host.services.tenants.list()).activeId).toBe('staging');
    expect(wrapper.find('.status-notice').text()).toContain('Now working on Staging');
  });

  it('puts the switcher back and says why when a switch fails', async () => {
    const { wrapper, host } = await open({ seed: [PROD, { name: 'Staging', region: 'eu', secret: 's' }] });
    // Another process on the same data dir and keychain (the CLI) removes Staging; this window was not told.
    const cli = createServices(host.services.options);
    await cli.tenants.remove('staging');
    await cli.close();
    const select = wrapper.find('.tenant-switcher select');
    await select.setValue('staging');
    await flushPromises();
    expect((select.element as HTMLSelectElement).value).toBe('production');
    const error = wrapper.find('.tenant-switcher [role=alert]');
    expect(error.text()).toContain('There is no tenant "staging"');
    expect(select.attributes('aria-describedby')).toBe(error.attributes('id'));
  });

  it('offers to add a tenant when there is none', async () => {
    const { wrapper } = await open({ seed: [] });
    expect(wrapper.find('.tenant-switcher').text()).toContain('none yet');
    expect(wrapper.find('.tenant-switcher label').exists()).toBe(false);
  });

  it('shows a not-found view for unknown routes, with the way back', async () => {
    const { wrapper, router } = await open({ path: '/no/such/page', seed: [PROD] });
    expect(wrapper.find('h1').text()).toBe('Page not found');
    expect(document.title).toBe('Page not found · Authdesk');
    await wrapper.find('main a').trigger('click');
    await flushPromises();
    // The start page is the user search (a lazily loaded view): it puts focus in its search box on purpose.
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('search'));
    await vi.waitFor(() => expect(document.activeElement).toBe(wrapper.find('input[role="combobox"]').element));
  });
});

describe('security-admin views (issue #12)', () => {
  async function policyFile(policy: Record<string, unknown>) {
    const file = join(await mkdtemp(join(tmpdir(), 'shell-policy-')), 'policy.json');
    await writeFile(file, JSON.stringify(policy));
    await chmod(file, 0o644);
    return file;
  }

  it('an agent who types the coverage URL gets a clear "not for your role" page, focused, with the way back; main still refuses', async () => {
    const file = await policyFile({ securityAdmins: ['alice'] });
    const { wrapper, router, host } = await open({ policy: { file, account: 'bob' } });
    await router.push('/admin/coverage');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('role-forbidden'));
    await flushPromises();
    const heading = wrapper.find('main h1');
    await vi.waitFor(() => expect(heading.text()).toBe('Your role (agent) cannot run coverage'));
    expect(wrapper.find('main').text()).toMatch(/Coverage runs, their exports and evidence packs are for security admins\.\s*Ask a security admin to do it for you \(you are signed in as bob\)/);
    expect(document.activeElement).toBe(heading.element);
    expect(document.title).toBe('Not available for your role · Authdesk');
    expect(router.currentRoute.value.query.from).toBe('/admin/coverage');
    // The guard is a courtesy: main refuses the view's calls to an agent whatever the console does.
    expect(await host.platform.coverage.status({})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await wrapper.find('main a').trigger('click');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('search'));
  });

  it('the console opened on the coverage URL sends an agent there too; a security admin gets coverage', async () => {
    const file = await policyFile({ securityAdmins: ['alice'] });
    const agent = await open({ policy: { file, account: 'bob' }, path: '/admin/coverage' });
    await vi.waitFor(() => expect(agent.router.currentRoute.value.name).toBe('role-forbidden'));
    agent.wrapper.unmount();
    const admin = await open({ policy: { file, account: 'alice' } });
    await admin.router.push('/admin/coverage');
    await flushPromises();
    expect(admin.router.currentRoute.value.name).toBe('coverage');
    await vi.waitFor(() => expect(admin.wrapper.find('main h1').text()).toBe('Enrollment coverage'));
  });
});

describe('routes', () => {
  it('collects every route file and keeps the catch-all last', () => {
    expect(consoleRoutes.map((r) => r.name ?? r.path)).toContain('tenants');
    expect(consoleRoutes.at(-1)?.name).toBe('not-found');
  });

  it('opens on the route marked home, else the tenant settings', () => {
    const notFound = { path: '/:pathMatch(.*)*', name: 'not-found', component: {}, meta: { title: 'x' } };
    const search = { path: '/search', name: 'search', component: {}, meta: { title: 'Find', home: true } };
    const built = buildRoutes([notFound, search]);
    expect(built.home).toEqual({ name: 'search' });
    expect(built.routes[0]).toEqual({ path: '/', redirect: { name: 'search' } });
    expect(built.routes.at(-1)).toBe(notFound);
    expect(buildRoutes([notFound]).home).toEqual({ name: 'tenants' });
  });

  it('builds the navigation from meta.nav in section order', () => {
    const links = navLinks([
      { path: '/a', name: 'a', component: {}, meta: { title: 'A', nav: { label: 'Audit', section: 'admin', order: 1 } } },
      { path: '/b', name: 'b', component: {}, meta: { title: 'B', nav: { label: 'Search', section: 'helpdesk', order: 2 } } },
      { path: '/c', name: 'c', component: {}, meta: { title: 'C', nav: { label: 'User', section: 'helpdesk', order: 1 } } },
      { path: '/d', name: 'd', component: {}, meta: { title: 'D' } },
    ]);
    expect(links.map((l) => l.label)).toEqual(['User', 'Search', 'Audit']);
  });
});
