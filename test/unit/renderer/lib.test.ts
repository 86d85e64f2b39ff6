import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import { NOTICE_VISIBLE_MS, useNoticesStore } from '@console/stores/notices';
import { ERROR_CODES } from '@shared/errors';
import { ERROR_COPY, describeError } from '@console/lib/error-copy';
import { fieldErrorsFrom } from '@console/lib/field-errors';
import { REGION_OPTIONS } from '@console/lib/regions';
import { REGIONS } from '@shared/domain/tenant';

describe('error copy', () => {
  it('has words and an action for every error code', () => {
    expect(Object.keys(ERROR_COPY).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      expect(ERROR_COPY[code].title.length, code).toBeGreaterThan(3);
      expect(ERROR_COPY[code].fallback, code).toMatch(/[.]$/);
    }
  });

  it("keeps main's specific message and adds the title and action", () => {
    const d = describeError({ code: 'unauthorized', message: 'Check the secret and the region (eu).' });
    expect(d).toMatchObject({ title: 'The tenant refused the secret', message: 'Check the secret and the region (eu).', action: 'open-tenants' });
  });

  it('falls back to the table when main sent no message, and says how long to wait', () => {
    const d = describeError({ code: 'rate-limited', message: ' ', retryAfterSeconds: 1.2 });
    expect(d.message).toBe(ERROR_COPY['rate-limited'].fallback);
    expect(d.retryHint).toBe('Try again in 2 seconds.');
  });

  it('reads an unknown code as internal', () => {
    expect(describeError({ code: 'boom' as never, message: '' }).code).toBe('internal');
  });
});

describe('fieldErrorsFrom', () => {
  it('maps issues to fields by the head of their path and keeps the first per field', () => {
    const mapped = fieldErrorsFrom(
      [
        { path: 'name', code: 'too_small', message: 'Give the tenant a name' },
        { path: 'name', code: 'custom', message: 'second' },
        { path: 'apiUrl.host', code: 'custom', message: 'Bad host' },
        { path: '', code: 'custom', message: 'Whole form' },
        { path: 'mystery', code: 'custom', message: 'Unclaimed' },
      ],
      ['name', 'apiUrl'] as const,
    );
    expect(mapped.fields).toEqual({ name: 'Give the tenant a name', apiUrl: 'Bad host' });
    expect(mapped.other).toEqual(['Whole form', 'Unclaimed']);
  });

  it('follows aliases', () => {
    const mapped = fieldErrorsFrom([{ path: 'region', code: 'custom', message: 'One of the two' }], ['apiUrl'] as const, { region: 'apiUrl' });
    expect(mapped.fields).toEqual({ apiUrl: 'One of the two' });
  });
});

describe('regions', () => {
  it('offers every region of the shared domain', () => {
    expect(REGION_OPTIONS.map((r) => r.value).sort()).toEqual([...REGIONS].sort());
  });
});

describe('notices (toasts)', () => {
  it('time out, pause while hovered or focused, and a withdrawn stale one never lingers (issue #14 point 7)', () => {
    vi.useFakeTimers();
    try {
      setActivePinia(createPinia());
      const notices = useNoticesStore();
      notices.announce('Tenant added');
      vi.advanceTimersByTime(NOTICE_VISIBLE_MS + 1);
      expect(notices.current).toBeNull();

      notices.announce('Saved');
      vi.advanceTimersByTime(1000);
      notices.pause();
      vi.advanceTimersByTime(NOTICE_VISIBLE_MS * 3);
      expect(notices.current?.text).toBe('Saved');
      notices.resume();
      vi.advanceTimersByTime(NOTICE_VISIBLE_MS);
      expect(notices.current).toBeNull();

      const started = notices.announce('Coverage run started over staff.csv.');
      const newer = notices.announce('Now working on Staging');
      notices.dismiss(started); // stale, and no longer the one shown: the newer stays
      expect(notices.current?.id).toBe(newer);
      notices.dismiss(newer);
      expect(notices.current).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
