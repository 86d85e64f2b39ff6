import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TenantSummary } from '@shared/domain/tenant';
import { TenantAddInput, TenantTestInput } from '@shared/ipc/channels/tenants';
import { apiUrlOf, fingerprintSecret, slugify, toSummary, type TenantProfile } from '../../../src/main/services/tenants/profiles';

const profile: TenantProfile = {
  id: 'prod-eu',
  name: 'Prod EU',
  region: 'eu',
  tenantId: 'tn_123',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
};

describe('tenant summaries', () => {
  it('carry hasSecret and an 8-hex fingerprint of SHA-256, never the secret', () => {
    const secret = 'sk_live_0123456789abcdef';
    const summary = toSummary(profile, { active: true, secret });
    expect(summary).toEqual({
      id: 'prod-eu',
      name: 'Prod EU',
      kind: 'remote',
      region: 'eu',
      apiUrl: 'https://eu.api.authsignal.com/v1',
      tenantId: 'tn_123',
      createdAt: profile.createdAt,
      updatedAt: profile.updatedAt,
      active: true,
      hasSecret: true,
      secretFingerprint: createHash('sha256').update(secret).digest('hex').slice(0, 8),
    });
    expect(TenantSummary.parse(summary)).toEqual(summary);
  });

  it('say when there is no secret', () => {
    const summary = toSummary({ ...profile, region: undefined, apiUrl: 'http://127.0.0.1:4010/v1/' }, { active: false, secret: null });
    expect(summary.hasSecret).toBe(false);
    expect(summary.secretFingerprint).toBeUndefined();
    expect(summary.apiUrl).toBe('http://127.0.0.1:4010/v1');
    expect('region' in summary).toBe(false);
  });

  it('never contain the secret, whatever it is and whatever rides on the profile', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 12, maxLength: 120 }), (secret) => {
        // Extra keys on the profile (as if someone put the secret there) must not leak either.
        const sneaky = { ...profile, secret, apiSecretKey: secret } as TenantProfile;
        const text = JSON.stringify(toSummary(sneaky, { active: false, secret }));
        expect(text.includes(JSON.stringify(secret).slice(1, -1))).toBe(false);
        expect(fingerprintSecret(secret)).toMatch(/^[0-9a-f]{8}$/);
      }),
    );
  });
});

describe('profile ids', () => {
  it('are readable slugs of the name', () => {
    expect(slugify('Prod EU')).toBe('prod-eu');
    expect(slugify('  Ünïcode — Tenant!! ')).toBe('unicode-tenant');
    expect(slugify('日本')).toBe('tenant');
    expect(slugify('a'.repeat(100))).toHaveLength(40);
  });
});

describe('apiUrlOf', () => {
  it('maps regions to their Server API and keeps custom URLs without a trailing slash', () => {
    expect(apiUrlOf({ region: 'us' })).toBe('https://api.authsignal.com/v1');
    expect(apiUrlOf({ region: 'au' })).toBe('https://au.api.authsignal.com/v1');
    expect(apiUrlOf({ apiUrl: 'http://127.0.0.1:4010/v1/' })).toBe('http://127.0.0.1:4010/v1');
    expect(() => apiUrlOf({})).toThrow(/neither a region nor an API URL/);
  });
});

describe('tenant input validation', () => {
  const base = { name: 'Demo', tenantId: 't1', secret: 'sk_test_value' };

  it('wants exactly one of region and apiUrl', () => {
    expect(TenantAddInput.safeParse({ ...base, region: 'us' }).success).toBe(true);
    expect(TenantAddInput.safeParse({ ...base, apiUrl: 'http://127.0.0.1:4010/v1' }).success).toBe(true);
    expect(TenantAddInput.safeParse(base).success).toBe(false);
    expect(TenantAddInput.safeParse({ ...base, region: 'us', apiUrl: 'http://127.0.0.1:4010/v1' }).success).toBe(false);
  });

  it('refuses API URLs with credentials, queries, other schemes or without /v1', () => {
    for (const apiUrl of ['http://u:p@127.0.0.1/v1', 'https://api.example.com/v1?x=1', 'ftp://x/v1', 'https://api.example.com/', 'not a url']) {
      expect(TenantAddInput.safeParse({ ...base, apiUrl }).success, apiUrl).toBe(false);
    }
  });

  it('refuses a blank secret and odd tenant ids, and reports paths without echoing values', () => {
    const secret = 'sk_live_must_not_be_echoed_in_issues';
    const res = TenantAddInput.safeParse({ ...base, region: 'mars', tenantId: 'has space', secret: `${secret}${'x'.repeat(600)}` });
    expect(res.success).toBe(false);
    const paths = res.error?.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['region', 'secret', 'tenantId']);
    expect(JSON.stringify(res.error?.issues.map((i) => i.message))).not.toContain(secret);
    expect(TenantAddInput.safeParse({ ...base, region: 'us', secret: '   ' }).success).toBe(false);
  });

  it('tests either a saved profile or candidate credentials, not a mix', () => {
    expect(TenantTestInput.safeParse({ id: 'demo' }).success).toBe(true);
    expect(TenantTestInput.safeParse({ region: 'eu', secret: 's' }).success).toBe(true);
    expect(TenantTestInput.safeParse({ id: 'demo', secret: 's' }).success).toBe(false);
    expect(TenantTestInput.safeParse({ secret: 's' }).success).toBe(false);
  });
});
