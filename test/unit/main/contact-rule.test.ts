import { describe, expect, it } from 'vitest';
import { disclosureScope, maskContactsInJson, maskContactsInText } from '../../../src/main/services/policy/contact-rule';

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
