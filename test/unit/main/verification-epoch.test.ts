import { describe, expect, it } from 'vitest';
import { epochMs } from '../../../src/main/services/verification/targets';

describe('epochMs (a challenge expiry of unknown unit)', () => {
  it('keeps milliseconds, scales seconds, parses ISO, ignores the rest', () => {
    expect(epochMs(1_767_225_900_000)).toBe(1_767_225_900_000);
    expect(epochMs(1_767_225_900)).toBe(1_767_225_900_000);
    expect(epochMs('1767225900')).toBe(1_767_225_900_000);
    expect(epochMs('2026-01-01T00:05:00.000Z')).toBe(Date.parse('2026-01-01T00:05:00.000Z'));
    for (const bad of [undefined, null, 0, -5, 'soon', Number.NaN, {}]) expect(epochMs(bad)).toBeUndefined();
  });
});
