import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuthenticatorView } from '@shared/domain/authenticator-view';
import type { UserDetail } from '@shared/domain/user';
import {
  isLive,
  maskContactLabel,
  maskEmail,
  maskPhone,
  maskRecentUser,
  maskUserDetail,
  maskUserSummary,
} from '@shared/domain/verification';

// The masking main applies before an unverified caller's user crosses IPC (issue #5).

describe('maskEmail', () => {
  it('keeps the domain and the ends of the local part, hides the rest', () => {
    expect(maskEmail('katherine@example.com')).toBe('k•••••••e@example.com');
    expect(maskEmail('ab@example.com')).toBe('a•••@example.com');
    expect(maskEmail('a@example.com')).toBe('a•••@example.com');
    expect(maskEmail('Ben.Okafor@Example.com')).toBe('B••••••••r@Example.com');
    expect(maskEmail('not-an-email')).toBe('••••••••••••');
  });

  it('never shows a local part of three or more characters whole', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9._+-]{3,30}$/), fc.domain(), (local, domain) => {
        const masked = maskEmail(`${local}@${domain}`);
        expect(masked.endsWith(`@${domain}`)).toBe(true);
        expect(masked).not.toContain(`${local}@`);
        expect(masked.startsWith(local[0])).toBe(true);
      }),
    );
  });
});

describe('maskPhone', () => {
  it('keeps only the last two digits and the plus', () => {
    expect(maskPhone('+14155550124')).toBe('+•••••••••24');
    expect(maskPhone('+44 7700 900123')).toBe('+••••••••••23');
    expect(maskPhone('12')).toBe('•••');
  });

  it('never keeps more than two digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+[1-9][0-9]{6,14}$/), (phone) => {
        expect(maskPhone(phone).replace(/\D/g, '')).toBe(phone.slice(-2));
      }),
    );
  });
});

describe('masking a user', () => {
  const authenticator = (over: Partial<AuthenticatorView>): AuthenticatorView => ({
    id: 'a1',
    method: 'SMS',
    methodLabel: 'SMS code',
    name: '+14155550124',
    nameSource: 'contact',
    createdAt: '2026-01-01T00:00:00.000Z',
    isDefault: true,
    phishingResistant: false,
    phoneNumber: '+14155550124',
    ...over,
  });
  const detail: UserDetail = {
    profile: {
      userId: 'u1',
      email: 'grace@example.com',
      emailVerified: true,
      phoneNumber: '+14155550123',
      phoneNumberVerified: true,
      displayName: 'Grace Hopper',
      custom: {},
      isEnrolled: true,
      enrolledVerificationMethods: ['SMS', 'PASSKEY'],
      allowedVerificationMethods: [],
    },
    authenticators: {
      ok: true,
      value: [
        authenticator({}),
        authenticator({ id: 'a2', method: 'PASSKEY', methodLabel: 'Passkey', name: 'iCloud Keychain', nameSource: 'aaguid-mapping', phoneNumber: undefined }),
        authenticator({ id: 'a3', method: 'EMAIL_OTP', methodLabel: 'Email code', name: 'grace@example.com', email: 'grace@example.com', phoneNumber: undefined }),
      ],
    },
    actions: { ok: true, value: [] },
    actionsFrom: '2026-01-01T00:00:00.000Z',
    fetchedAt: '2026-01-02T00:00:00.000Z',
  };

  it('masks every email and phone in the user view and keeps everything else', () => {
    const masked = maskUserDetail(detail);
    const text = JSON.stringify(masked);
    for (const full of ['grace@example.com', '+14155550123', '+14155550124']) expect(text).not.toContain(full);
    expect(masked.profile).toMatchObject({ email: 'g•••e@example.com', phoneNumber: '+•••••••••23', displayName: 'Grace Hopper', emailVerified: true });
    expect(masked.authenticators.ok && masked.authenticators.value.map((a) => a.name)).toEqual(['+•••••••••24', 'iCloud Keychain', 'g•••e@example.com']);
    // Nothing else changed.
    expect({ ...masked, profile: detail.profile, authenticators: detail.authenticators }).toEqual(detail);
  });

  it('shows back the field a search matched on and masks the others', () => {
    const hit = { userId: 'u1', email: 'grace@example.com', phoneNumber: '+14155550123', matchedBy: ['email' as const] };
    expect(maskUserSummary(hit)).toEqual({ ...hit, phoneNumber: '+•••••••••23' });
    expect(maskUserSummary({ ...hit, matchedBy: ['phoneNumber'] })).toEqual({ ...hit, matchedBy: ['phoneNumber'], email: 'g•••e@example.com' });
  });

  it('masks a recent label only when it is a contact', () => {
    expect(maskRecentUser({ userId: 'u1', label: 'Grace Hopper', openedAt: 'x' }).label).toBe('Grace Hopper');
    expect(maskRecentUser({ userId: 'u1', label: 'grace@example.com', openedAt: 'x' }).label).toBe('g•••e@example.com');
    expect(maskContactLabel('+1 (415) 555-0123')).toBe('+•••••••••23');
  });
});

describe('isLive', () => {
  it('is true only for a verified verification before it expires', () => {
    const now = Date.parse('2026-01-01T00:05:00.000Z');
    expect(isLive({ status: 'verified', expiresAt: '2026-01-01T00:10:00.000Z' }, now)).toBe(true);
    expect(isLive({ status: 'verified', expiresAt: '2026-01-01T00:05:00.000Z' }, now)).toBe(false);
    expect(isLive({ status: 'pending', expiresAt: '2026-01-01T00:10:00.000Z' }, now)).toBe(false);
    expect(isLive({ status: 'verified' }, now)).toBe(false);
  });
});
