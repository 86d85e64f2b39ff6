import { describe, expect, it } from 'vitest';
import type { Role } from '@shared/domain/policy';
import { maskCoverageRow } from '../../../src/main/services/coverage/contact-mask';
import { ContactRule, disclosureScope, maskContactsInJson, maskContactsInText } from '../../../src/main/services/policy/contact-rule';

// The one contact-masking rule (issue #12): who sees contacts in full, and how audit details are masked.

describe('disclosureScope', () => {
  it('an agent sees contacts only in a verified call, whatever the tenant or the policy says', () => {
    for (const maskLocked of [true, false]) {
      for (const requireVerification of [true, false]) {
        expect(disclosureScope({ role: 'agent', maskLocked, requireVerification })).toBe('verified-callers');
      }
    }
  });

  it('a security admin sees as before, unless a managed or team policy masks contacts', () => {
    expect(disclosureScope({ role: 'admin', maskLocked: false, requireVerification: false })).toBe('everyone');
    expect(disclosureScope({ role: 'admin', maskLocked: false, requireVerification: true })).toBe('verified-callers');
    expect(disclosureScope({ role: 'admin', maskLocked: true, requireVerification: false })).toBe('verified-callers');
  });
});

describe('masking audit details', () => {
  it('masks emails inside text and E.164 phone numbers, and leaves tickets, ids and counts alone', () => {
    expect(maskContactsInText('katherine@example.com')).toBe('k•••••••e@example.com');
    expect(maskContactsInText('caller said ada@example.com is hers')).toBe('caller said a•a@example.com is hers');
    expect(maskContactsInText('+14155550124')).toBe('+•••••••••24');
    expect(maskContactsInText('INC-123456')).toBe('INC-123456');
    expect(maskContactsInText('123456')).toBe('123456');
    expect(maskContactsInJson({ query: 'grace@example.com', results: 1, ids: ['usr_1'], nested: { to: '+4930123456' }, ok: true })).toEqual({
      query: 'g•••e@example.com',
      results: 1,
      ids: ['usr_1'],
      nested: { to: '+••••••••56' },
      ok: true,
    });
  });
});

describe('bulk views: the coverage table, its exports, evidence packs', () => {
  const rule = (role: Role, source: 'managed' | 'team' | 'default') =>
    new ContactRule({
      tenants: { activeTenant: () => Promise.resolve({ id: 'local' }) },
      policy: { effective: () => Promise.resolve({ role, settings: { maskContacts: { value: true, source } } }) },
      // A tenant requiring verification does not mask coverage for an admin (solo use as before).
      requireVerification: () => Promise.resolve(true),
      verifiedNow: () => Promise.resolve(() => true),
    });

  it('mask for an agent always, for a security admin only under a managed or team maskContacts', async () => {
    expect(await rule('agent', 'default').masksBulk()).toBe(true);
    expect(await rule('admin', 'default').masksBulk()).toBe(false);
    expect(await rule('admin', 'managed').masksBulk()).toBe(true);
    expect(await rule('admin', 'team').masksBulk()).toBe(true);
  });

  it('a coverage row loses the contacts in its user id, email and reason, and keeps the rest', () => {
    const row = {
      ...{ line: 3, userId: '+14155550124', email: 'katherine@example.com', status: 'not-found' as const, reason: 'not-found: no user has katherine@example.com' },
      ...{ count: 0, methods: [], methodCounts: {}, phishingResistant: false, newestLastVerifiedAt: null, oldestLastVerifiedAt: null, staleAuthenticators: 0, stale: false },
    };
    expect(maskCoverageRow(row)).toEqual({ ...row, userId: '+•••••••••24', email: 'k•••••••e@example.com', reason: 'not-found: no user has k•••••••e@example.com' });
    // Masking twice changes nothing (a report written masked is masked again on its way to the table).
    expect(maskCoverageRow(maskCoverageRow(row))).toEqual(maskCoverageRow(row));
  });
});
