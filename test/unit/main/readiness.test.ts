import { describe, expect, it } from 'vitest';
import { worseStatus } from '@shared/domain/readiness';
import { featureReadiness } from '../../../src/main/services/readiness/tenant-doctor';

describe('featureReadiness', () => {
  it('marks each feature ready only when one of the methods it needs is active, naming them', () => {
    const features = Object.fromEntries(featureReadiness(new Set(['EMAIL_OTP', 'PUSH'])).map((f) => [f.feature, f]));
    expect(features['verify-email-code']).toMatchObject({ ready: true, enabledBy: ['EMAIL_OTP'] });
    expect(features['verify-challenge-link']).toMatchObject({ ready: true, enabledBy: ['EMAIL_OTP', 'PUSH'] });
    expect(features['verify-sms-code']).toMatchObject({ ready: false, enabledBy: [] });
    expect(features['verify-sms-code'].fix).toBe('Turn on SMS OTP under Authenticators in the Authsignal portal.');
    expect(features['guided-passkey'].fix).toBe('Turn on Passkey under Authenticators in the Authsignal portal.');
  });

  it('with nothing active, nothing is ready and the broad features name a few methods to turn on', () => {
    const features = featureReadiness(new Set());
    expect(features.every((f) => !f.ready)).toBe(true);
    expect(features.find((f) => f.feature === 'enroll-link')?.fix).toBe(
      'Turn on Passkey, Security key or Authenticator app (or another method) under Authenticators in the Authsignal portal.',
    );
  });
});

describe('worseStatus', () => {
  it('keeps the worst of two, counting skipped as ok', () => {
    expect(worseStatus('ok', 'warn')).toBe('warn');
    expect(worseStatus('fail', 'warn')).toBe('fail');
    expect(worseStatus('skipped', 'ok')).toBe('ok');
    expect(worseStatus('warn', 'skipped')).toBe('warn');
  });
});
