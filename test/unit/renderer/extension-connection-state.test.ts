import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { BridgeConnection } from '@shared/bridge/client';
import ConnectionState from '../../../src/extension/sidepanel/ConnectionState.vue';
import { RETRY_DELAYS_MS, retryDelay } from '../../../src/extension/sidepanel/backoff';

// Issue #18: each reason the panel cannot look users up has its own words and its one way forward.
const NOW = Date.parse('2026-12-03T07:00:00Z');
const render = (connection: BridgeConnection, extra: Partial<{ retryIn: number | null; askedAt: string | null }> = {}) =>
  mount(ConnectionState, { props: { connection, retryIn: null, askedAt: null, label: 'Chromium 140 on Linux', now: NOW, ...extra } });

describe('side panel connection states', () => {
  it('tells not running, not installed, declined and revoked apart', () => {
    const notRunning = render({ state: 'app-not-running', message: 'Authdesk is not running.' }, { retryIn: 8 });
    expect(notRunning.find('[data-state="not-running"] h1').text()).toBe('Open Authdesk');
    expect(notRunning.find('[data-testid="retry-in"]').text()).toBe('Checking again in 8 s.');

    const notInstalled = render({ state: 'host-not-installed', message: 'not found' });
    expect(notInstalled.find('[data-state="not-installed"] h1').text()).toBe('Switch on browser integration');
    expect(notInstalled.text()).toContain('Settings › Browser integration');

    const declined = render({ state: 'refused', reason: 'declined', retryAt: NOW + 5 * 60_000, error: { code: 'forbidden', message: 'declined' } });
    expect(declined.find('[data-state="declined"] h1').text()).toBe('Pairing declined');
    expect(declined.text()).toMatch(/can ask again after/);
    expect(declined.get('button').attributes('disabled')).toBeDefined();

    const over = render({ state: 'refused', reason: 'declined', retryAt: NOW - 1, error: { code: 'forbidden', message: 'declined' } });
    expect(over.get('button').attributes('disabled')).toBeUndefined();

    const revoked = render({ state: 'refused', reason: 'revoked', error: { code: 'forbidden', message: 'This browser was unpaired in Authdesk.' } });
    expect(revoked.find('[data-state="refused"] h1').text()).toBe('This browser was unpaired');
    expect(revoked.get('button').text()).toBe('Pair again');
  });

  it('shows the pairing words with the browser and the time it asked', () => {
    const pairing = render({ state: 'connected', pairing: 'pending', phrase: 'one two three four five six' }, { askedAt: '2026-12-03T06:59:30Z' });
    expect(pairing.get('[data-testid="phrase"]').text()).toBe('one two three four five six');
    expect(pairing.get('[data-testid="pair-label"]').text()).toBe('Chromium 140 on Linux');
    expect(pairing.text()).toMatch(/Asked.*\d{1,2}:\d{2}/s);
    expect(pairing.findAll('button')).toHaveLength(0);
  });

  it('waits longer after each failed check, up to a minute', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(retryDelay)).toEqual([2000, 4000, 8000, 15000, 30000, 60000, 60000]);
    expect(Math.max(...RETRY_DELAYS_MS)).toBe(60_000);
  });
});
