import type { UserAuthenticator } from '@authsignal/node';
import { describe, expect, it } from 'vitest';
import { normaliseAaguid, offlineProviderName, providerName, ZERO_AAGUID } from '../../../src/main/services/directory/aaguid';
import { authenticatorTitle } from '../../../src/shared/domain/authenticator-view';
import {
  orderActions,
  orderAuthenticators,
  profileHasData,
  summaryFromQuery,
  toActionView,
  toAuthenticatorView,
  toProfile,
} from '../../../src/main/services/directory/sdk-converters';
import { pathSegment } from '../../../src/main/services/platform/authsignal-client';
import { AppError } from '@shared/errors';

const ICLOUD = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';

function authenticator(overrides: Partial<UserAuthenticator> & Record<string, unknown>): UserAuthenticator {
  return {
    userId: 'u1',
    userAuthenticatorId: 'a1',
    verificationMethod: 'SMS' as UserAuthenticator['verificationMethod'],
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('aaguid provider names', () => {
  it('prefers Authsignal\'s aaguidMapping name', () => {
    expect(providerName({ aaguid: ICLOUD, aaguidMapping: { name: 'iCloud Keychain (managed)' } })).toEqual({
      name: 'iCloud Keychain (managed)',
      source: 'aaguid-mapping',
    });
  });

  it('falls back to the bundled list, whatever the AAGUID\'s case or dashes', () => {
    const expected = offlineProviderName(ICLOUD);
    expect(expected).toBeTruthy();
    expect(providerName({ aaguid: ICLOUD.toUpperCase() })).toEqual({ name: expected, source: 'aaguid-list' });
    expect(providerName({ aaguid: ICLOUD.replace(/-/g, ''), aaguidMapping: { name: '  ' } })?.source).toBe('aaguid-list');
  });

  it('names nothing for the all-zero, unknown or malformed AAGUIDs', () => {
    expect(offlineProviderName(ZERO_AAGUID)).toBeUndefined();
    expect(offlineProviderName('12345678-1234-1234-1234-123456789abc')).toBeUndefined();
    expect(normaliseAaguid('not-an-aaguid')).toBeUndefined();
    expect(providerName({})).toBeUndefined();
  });
});

describe('toAuthenticatorView', () => {
  it('flattens a synced platform passkey with its provider, browser and OS', () => {
    const view = toAuthenticatorView(
      authenticator({
        userAuthenticatorId: 'pk1',
        verificationMethod: 'PASSKEY' as UserAuthenticator['verificationMethod'],
        lastVerifiedAt: '2025-03-01T10:00:00.000Z',
        webauthnCredential: {
          credentialId: 'c',
          deviceId: 'd',
          name: 'My MacBook',
          aaguid: ICLOUD,
          credentialBackedUp: true,
          credentialDeviceType: 'multiDevice',
          authenticatorAttachment: 'platform',
          parsedUserAgent: {
            ua: 'Mozilla/5.0',
            browser: { name: 'Safari', version: '17.4', major: '17' },
            os: { name: 'Mac OS', version: '14.4' },
            device: { vendor: 'Apple', model: 'Macintosh', type: '' },
          },
        },
      }),
    );
    expect(view).toMatchObject({
      id: 'pk1',
      method: 'PASSKEY',
      methodLabel: 'Passkey',
      name: offlineProviderName(ICLOUD),
      nameSource: 'aaguid-list',
      lastUsedAt: '2025-03-01T10:00:00.000Z',
      backedUp: true,
      deviceType: 'multiDevice',
      attachment: 'platform',
      browser: 'Safari 17.4',
      os: 'Mac OS 14.4',
      device: 'Apple Macintosh',
      phishingResistant: true,
      isDefault: null,
    });
  });

  it('keeps the credential\'s own name beside its provider, unless it only repeats the provider (issue #14 point 1)', () => {
    const named = (name: string) =>
      toAuthenticatorView(
        authenticator({
          verificationMethod: 'PASSKEY' as UserAuthenticator['verificationMethod'],
          webauthnCredential: { credentialId: 'c', deviceId: 'd', name, aaguid: ICLOUD, aaguidMapping: { name: 'Apple Passwords', svgIconLight: '', svgIconDark: '' } },
        }),
      );
    expect(named('MacBook Pro')).toMatchObject({ credentialName: 'MacBook Pro', provider: 'Apple Passwords' });
    expect(authenticatorTitle(named('MacBook Pro'))).toBe('Passkey (MacBook Pro)');
    expect(named('apple passwords').credentialName).toBeUndefined();
    expect(authenticatorTitle(named('Apple Passwords'))).toBe('Passkey (Apple Passwords)');
  });

  it('uses the credential name for an unknown security key, the number for SMS, the label for TOTP', () => {
    expect(
      toAuthenticatorView(
        authenticator({
          verificationMethod: 'SECURITY_KEY' as UserAuthenticator['verificationMethod'],
          webauthnCredential: { credentialId: 'c', deviceId: 'd', name: 'Blue key', aaguid: ZERO_AAGUID },
        }),
      ),
    ).toMatchObject({ name: 'Blue key', nameSource: 'credential', phishingResistant: true });
    expect(toAuthenticatorView(authenticator({ phoneNumber: '+14155550132' }))).toMatchObject({ name: '+14155550132', nameSource: 'contact', phishingResistant: false });
    expect(toAuthenticatorView(authenticator({ verificationMethod: 'AUTHENTICATOR_APP' as UserAuthenticator['verificationMethod'] }))).toMatchObject({
      name: 'Authenticator app',
      nameSource: 'method',
    });
  });

  it('keeps an isDefault the API sends and ignores fields of the wrong type', () => {
    const view = toAuthenticatorView(authenticator({ isDefault: true, lastVerifiedAt: 42 as unknown as string }));
    expect(view.isDefault).toBe(true);
    expect(view.lastUsedAt).toBeUndefined();
  });
});

describe('orderAuthenticators', () => {
  const sms = toAuthenticatorView(authenticator({ userAuthenticatorId: 'sms', lastVerifiedAt: '2025-02-01T00:00:00Z' }));
  const totp = toAuthenticatorView(
    authenticator({ userAuthenticatorId: 'totp', verificationMethod: 'AUTHENTICATOR_APP' as UserAuthenticator['verificationMethod'], lastVerifiedAt: '2025-03-01T00:00:00Z' }),
  );
  const old = toAuthenticatorView(authenticator({ userAuthenticatorId: 'old', createdAt: '2024-01-01T00:00:00Z' }));

  it('puts the default first, then the most recently used', () => {
    const ordered = orderAuthenticators([old, sms, totp], 'SMS');
    expect(ordered.map((a) => [a.id, a.isDefault])).toEqual([
      ['sms', true],
      ['totp', false],
      ['old', false],
    ]);
  });

  it('leaves isDefault unknown when neither the authenticators nor the user say', () => {
    expect(orderAuthenticators([old, sms, totp], undefined).map((a) => [a.id, a.isDefault])).toEqual([
      ['totp', null],
      ['sms', null],
      ['old', null],
    ]);
  });
});

describe('profiles, summaries and actions', () => {
  it('reads a profile defensively and tells an empty implicit user from a real one', () => {
    const empty = toProfile('ghost', { isEnrolled: false, emailVerified: false, phoneNumberVerified: false });
    expect(profileHasData(empty)).toBe(false);
    const real = toProfile('u', {
      isEnrolled: false,
      email: 'a@b.co',
      emailVerified: true,
      phoneNumberVerified: false,
      custom: { plan: 'pro', seats: 3, nested: { no: 1 } as never },
    });
    expect(real.custom).toEqual({ plan: 'pro', seats: 3 });
    expect(profileHasData(real)).toBe(true);
  });

  it('drops a queryUsers item without an id', () => {
    expect(summaryFromQuery({ email: 'x@y.z' }, ['email'])).toBeUndefined();
    expect(summaryFromQuery({ userId: 'u', displayName: 'Jane', isEnrolled: true }, ['email'])).toMatchObject({ userId: 'u', displayName: 'Jane', isEnrolled: true });
  });

  it('orders actions newest first and keeps the extra fields the docs mention', () => {
    const a = toActionView({ actionCode: 'login', idempotencyKey: '1', createdAt: '2025-01-01T00:00:00Z', state: 'ALLOW' });
    const b = toActionView({ actionCode: 'login', idempotencyKey: '2', createdAt: '2025-01-02T00:00:00Z', state: 'CHALLENGE_FAILED', ipAddress: '203.0.113.9' } as never);
    expect(orderActions([a, b]).map((x) => x.idempotencyKey)).toEqual(['2', '1']);
    expect(b.ipAddress).toBe('203.0.113.9');
  });
});

describe('pathSegment', () => {
  it('encodes what would change the request path and refuses dot segments', () => {
    expect(pathSegment('auth0|abc')).toBe('auth0%7Cabc');
    expect(pathSegment('a/../b?x#y')).toBe('a%2F..%2Fb%3Fx%23y');
    expect(pathSegment('jane+1@example.com')).toBe('jane%2B1%40example.com');
    expect(() => pathSegment('..')).toThrow(AppError);
    expect(() => pathSegment('.')).toThrow(/change the address/);
  });
});
