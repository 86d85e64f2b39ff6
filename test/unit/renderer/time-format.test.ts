import { describe, expect, it } from 'vitest';
import { absoluteTime, fullTime, relativeTime } from '@console/components/user/time-format';

const now = new Date('2026-03-12T14:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

describe('relativeTime', () => {
  it.each([
    [10, 'just now'],
    [5 * 60, '5 minutes ago'],
    [3 * 3600, '3 hours ago'],
    [26 * 3600, 'yesterday'],
    [3 * 86400, '3 days ago'],
    [15 * 86400, '2 weeks ago'],
    [200 * 86400, '7 months ago'],
    [400 * 86400, 'last year'],
  ])('%i s ago reads "%s"', (seconds, text) => {
    expect(relativeTime(ago(seconds), now, 'en')).toBe(text);
  });

  it('speaks of the future too, and says nothing for an unreadable date', () => {
    expect(relativeTime(new Date(now.getTime() + 2 * 3600 * 1000).toISOString(), now, 'en')).toBe('in 2 hours');
    expect(relativeTime('not a date', now, 'en')).toBe('');
  });
});

describe('absolute and full times', () => {
  it('formats in the given locale, with the year', () => {
    // 11:00 UTC is the 12th in every time zone from UTC-11 to UTC+12.
    expect(absoluteTime('2026-03-12T11:00:00Z', 'en-GB')).toMatch(/12 Mar 2026/);
    expect(fullTime('2026-03-12T11:00:00Z', 'en-GB')).toMatch(/Thursday,? 12 March 2026/);
  });

  it('gives back what it cannot read', () => {
    expect(absoluteTime('soon')).toBe('soon');
    expect(fullTime('soon')).toBe('soon');
  });
});
