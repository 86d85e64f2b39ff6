import type { VueWrapper } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localeCountry } from '@console/stores/search';
import { isTypingTarget, keyName } from '@console/composables/useHotkeys';
import { mountHelpdesk, until } from './support/mount-helpdesk';
import { createServicePlatform, type ServicePlatform } from './support/service-platform';

let host: ServicePlatform;
let mounted: VueWrapper | undefined;

beforeAll(async () => {
  host = await createServicePlatform();
});
afterAll(() => host.close());
afterEach(() => {
  mounted?.unmount();
  mounted = undefined;
  document.body.innerHTML = '';
});

async function openSearch() {
  const m = await mountHelpdesk(host, '/search');
  mounted = m.wrapper;
  return m;
}

const box = () => document.querySelector<HTMLInputElement>('input[role="combobox"]')!;
const options = () => [...document.querySelectorAll<HTMLElement>('[role="option"]')];

function type(text: string) {
  const input = box();
  input.value = text;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

function key(name: string, init: KeyboardEventInit = {}, target: EventTarget = box()) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true, ...init }));
}

describe('the search box (combobox over the real services)', () => {
  it('is focused on arrival and wired as a combobox to its listbox', async () => {
    await openSearch();
    const input = box();
    expect(document.activeElement).toBe(input);
    const listbox = document.getElementById(input.getAttribute('aria-controls')!);
    expect(listbox?.getAttribute('role')).toBe('listbox');
    expect(input.getAttribute('aria-autocomplete')).toBe('list');
  });

  it('finds a user by email, makes the first result active and opens it with Enter', async () => {
    const { router } = await openSearch();
    type('grace@example.com');
    await until(() => options().length > 0);
    expect(options()).toHaveLength(1);
    expect(options()[0].textContent).toContain('Grace Hopper');
    expect(options()[0].textContent).toContain('matched by email');
    expect(box().getAttribute('aria-expanded')).toBe('true');
    expect(box().getAttribute('aria-activedescendant')).toBe(options()[0].id);
    expect(options()[0].getAttribute('aria-selected')).toBe('true');
    key('Enter');
    await until(() => router.currentRoute.value.name === 'user');
    expect(router.currentRoute.value.params.userId).toBe('auth0|5f1b2c3d4e');
  });

  it('records the searches the agent meant, not every pause while typing (issue #14)', async () => {
    await openSearch();
    const searches = async () => (await host.services.audit.query({ action: ['user.search'], limit: 200 })).entries.map((e) => e.details.query);
    type('ada@exampl');
    await new Promise((r) => setTimeout(r, 600)); // the search settles, showing nobody
    type('ada@example.com');
    await until(() => options().length === 1);
    // Two sentences, spaced (issue #14 point 9).
    expect(document.querySelector('.search-status')!.textContent.trim()).toMatch(/^1 user found\. Looked up by email/);
    type('nobody-here@example.com');
    await new Promise((r) => setTimeout(r, 300));
    key('Enter');
    let recorded = await searches();
    for (let i = 0; i < 100 && !recorded.includes('nobody-here@example.com'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      recorded = await searches();
    }
    expect(recorded).toContain('nobody-here@example.com'); // Enter: always recorded
    expect(recorded).toContain('ada@example.com'); // a pause that showed a user
    expect(recorded).not.toContain('ada@exampl'); // a pause that showed nobody
  });

  it('moves the active option with the arrow keys, wrapping around', async () => {
    await openSearch();
    type('+1 415 555 0199');
    await until(() => options().length === 2);
    const ids = options().map((o) => o.id);
    expect(box().getAttribute('aria-activedescendant')).toBe(ids[0]);
    key('ArrowDown');
    await until(() => box().getAttribute('aria-activedescendant') === ids[1]);
    key('ArrowDown');
    await until(() => box().getAttribute('aria-activedescendant') === ids[0]);
    key('ArrowUp');
    await until(() => box().getAttribute('aria-activedescendant') === ids[1]);
    expect(options()[1].getAttribute('aria-selected')).toBe('true');
    expect(options()[0].getAttribute('aria-selected')).toBe('false');
  });

  it('says how it read the query and when nothing matches; Escape clears', async () => {
    await openSearch();
    type('nobody-here@example.com');
    await until(() => (document.querySelector('[role="status"].search-status')?.textContent ?? '').includes('No user'));
    const status = document.querySelector('.search-status')!.textContent;
    expect(status).toContain('No user matches exactly.');
    expect(status).toContain('Looked up by email, user id, username');
    expect(box().getAttribute('aria-expanded')).toBe('false');
    key('Escape');
    await until(() => box().value === '');
  });

  it('offers to open an id that matched nobody as a user id anyway', async () => {
    const { router } = await openSearch();
    type('usr_nobody');
    await until(() => !!document.querySelector('.open-as-id a'));
    (document.querySelector('.open-as-id a') as HTMLAnchorElement).click();
    await until(() => router.currentRoute.value.name === 'user');
    expect(router.currentRoute.value.params.userId).toBe('usr_nobody');
  });

  it('lists the users opened recently when the box is empty', async () => {
    await host.platform.users.get({ userId: 'usr_margaret' });
    await openSearch();
    await until(() => options().length > 0);
    expect(document.querySelector('[role="listbox"]')?.getAttribute('aria-label')).toBe('Recent users');
    expect(options()[0].dataset.userId).toBe('usr_margaret');
    expect(box().getAttribute('aria-activedescendant')).toBeNull();
  });

  it('drops an older answer when a newer query was typed (no results from the past)', async () => {
    await openSearch();
    host.emulator.setFaults({ latencyMs: 120 });
    try {
      type('grace@example.com');
      type('alan@example.com');
      await until(() => document.querySelector('.search-status')!.textContent.includes('found'));
      expect(options().map((o) => o.dataset.userId)).toEqual(['usr_alan']);
      // The older answer came back first and was dropped, not shown for a moment.
      expect(host.calls.filter((c) => c.channel === 'users:search').slice(-2).map((c) => (c.input as { query: string }).query)).toEqual([
        'grace@example.com',
        'alan@example.com',
      ]);
    } finally {
      host.emulator.setFaults({ latencyMs: 0 });
    }
  });

  it('records every search in the audit log', async () => {
    await openSearch();
    type('dvaughan');
    await until(() => options()[0]?.dataset.userId === 'usr_dorothy');
    const page = await host.services.audit.query({ action: ['user.search'], limit: 5 });
    expect(page.entries[0].details).toMatchObject({ query: 'dvaughan', results: 1 });
  });
});

describe('hotkeys', () => {
  it('Ctrl+K and "/" bring focus to the search box from another view; "/" still types in a field', async () => {
    const { router } = await mountHelpdesk(host, '/users/usr_margaret').then((m) => ((mounted = m.wrapper), m));
    await until(() => document.querySelector('h1')?.textContent?.includes('Margaret') ?? false);
    key('k', { ctrlKey: true }, document.body);
    await until(() => router.currentRoute.value.name === 'search' && document.activeElement === box());
    // "/" typed inside the search box is text, not a shortcut.
    const slash = new KeyboardEvent('keydown', { key: '/', bubbles: true, cancelable: true });
    box().dispatchEvent(slash);
    expect(slash.defaultPrevented).toBe(false);
    box().blur();
    key('/', {}, document.body);
    await until(() => document.activeElement === box());
  });

  it('names keys per platform and knows what is a typing target', () => {
    expect(keyName(new KeyboardEvent('keydown', { key: 'K', metaKey: true }), true)).toBe('mod+k');
    expect(keyName(new KeyboardEvent('keydown', { key: 'k', metaKey: true }), false)).toBe('k');
    const text = document.createElement('input');
    const check = document.createElement('input');
    check.type = 'checkbox';
    expect(isTypingTarget(text)).toBe(true);
    expect(isTypingTarget(check)).toBe(false);
    expect(isTypingTarget(document.createElement('textarea'))).toBe(true);
    expect(isTypingTarget(document.body)).toBe(false);
  });

  it('derives the phone country from the console locale', () => {
    expect(localeCountry(['en-GB', 'en'])).toBe('GB');
    expect(localeCountry(['de'])).toBe('DE');
    expect(localeCountry(['not a tag', 'fr-CA'])).toBe('CA');
    expect(localeCountry([])).toBeUndefined();
  });
});
