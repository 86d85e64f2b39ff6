import { describe, expect, it } from 'vitest';
import { NOT_CONFIGURED_REASON } from '@shared/domain/enrollment';
import type { UserFacts } from '../../../src/main/services/directory/ports';
import { epochMs, notVerified, verificationTargets } from '../../../src/main/services/verification/targets';

describe('epochMs (a challenge expiry of unknown unit)', () => {
  it('keeps milliseconds, scales seconds, parses ISO, ignores the rest', () => {
    expect(epochMs(1_767_225_900_000)).toBe(1_767_225_900_000);
    expect(epochMs(1_767_225_900)).toBe(1_767_225_900_000);
    expect(epochMs('1767225900')).toBe(1_767_225_900_000);
    expect(epochMs('2026-01-01T00:05:00.000Z')).toBe(Date.parse('2026-01-01T00:05:00.000Z'));
    for (const bad of [undefined, null, 0, -5, 'soon', Number.NaN, {}]) expect(epochMs(bad)).toBeUndefined();
  });

  it('reads 10^12 and above as milliseconds, below as seconds', () => {
    expect(epochMs(1e12)).toBe(1e12);
    expect(epochMs(1e12 - 1)).toBe((1e12 - 1) * 1000);
    expect(epochMs(1)).toBe(1000);
  });
});

/** Facts as fetchUserFacts returns them; only the fields targets read. */
const facts = (profile: Record<string, unknown>, authenticators: Record<string, unknown>[] = []) =>
  ({ profile: { userId: 'u1', ...profile }, authenticators }) as unknown as UserFacts;

describe('verificationTargets (where a code may go)', () => {
  it('offers verified profile contacts and OTP authenticators, masked, with refs main resolves', () => {
    const targets = verificationTargets(
      facts({ email: 'grace@example.com', emailVerified: true, phoneNumber: '+14155550123', phoneNumberVerified: true }, [
        { id: 'a1', method: 'EMAIL_MAGIC_LINK', email: 'work@example.com' },
        { id: 'a2', method: 'WHATSAPP', phoneNumber: '+447700900123' },
        { id: 'a3', method: 'EMAIL_OTP', email: 'otp@example.com' },
        { id: 'a4', method: 'SMS', phoneNumber: '+14155550999' },
        { id: 'a5', method: 'PASSKEY', email: 'passkey@example.com', phoneNumber: '+15550001111' },
      ]),
    );
    expect(targets).toEqual([
      { ref: 'profile-email', method: 'email-otp', address: 'grace@example.com', masked: 'g•••e@example.com', source: 'profile' },
      { ref: 'profile-phone', method: 'sms-otp', address: '+14155550123', masked: '+•••••••••23', source: 'profile' },
      { ref: 'authenticator:a1', method: 'email-otp', address: 'work@example.com', masked: 'w••k@example.com', source: 'authenticator' },
      { ref: 'authenticator:a2', method: 'sms-otp', address: '+447700900123', masked: '+••••••••••23', source: 'authenticator' },
      { ref: 'authenticator:a3', method: 'email-otp', address: 'otp@example.com', masked: 'o•p@example.com', source: 'authenticator' },
      { ref: 'authenticator:a4', method: 'sms-otp', address: '+14155550999', masked: '+•••••••••99', source: 'authenticator' },
    ]);
  });

  it('never offers a contact nobody verified, nor an empty one', () => {
    expect(verificationTargets(facts({ email: 'grace@example.com', emailVerified: false, phoneNumber: '+14155550123' }))).toEqual([]);
    expect(verificationTargets(facts({ emailVerified: true, phoneNumberVerified: true }, [{ id: 'a1', method: 'SMS' }]))).toEqual([]);
  });

  it('offers one address once, however it is written', () => {
    const targets = verificationTargets(
      facts({ email: 'Grace@Example.com', emailVerified: true, phoneNumber: '+1 (415) 555-0123', phoneNumberVerified: true }, [
        { id: 'a1', method: 'EMAIL_OTP', email: ' grace@example.com ' },
        { id: 'a2', method: 'SMS', phoneNumber: '+14155550123' },
        // The same digits by email and by text are different targets.
        { id: 'a3', method: 'SMS', phoneNumber: '+14155550124' },
      ]),
    );
    expect(targets.map((t) => t.ref)).toEqual(['profile-email', 'profile-phone', 'authenticator:a3']);
  });

  it('marks a target whose method the tenant has not switched on, and offers all when that is unknown', () => {
    const user = facts({ email: 'grace@example.com', emailVerified: true, phoneNumber: '+14155550123', phoneNumberVerified: true });
    const only = verificationTargets(user, new Set(['SMS']));
    expect(only.map((t) => [t.method, t.unavailable])).toEqual([
      ['email-otp', NOT_CONFIGURED_REASON],
      ['sms-otp', undefined],
    ]);
    expect(only.find((t) => t.method === 'sms-otp')).not.toHaveProperty('unavailable');
    expect(verificationTargets(user, new Set(['EMAIL_OTP'])).map((t) => t.unavailable)).toEqual([undefined, NOT_CONFIGURED_REASON]);
    for (const unknown of [null, undefined]) expect(verificationTargets(user, unknown).every((t) => !('unavailable' in t))).toBe(true);
  });
});

describe('notVerified', () => {
  it('names the tenant rule when there is one', () => {
    expect(notVerified(true)).toBe('Verify the caller first: this tenant requires a verified caller before authenticators are removed or enrolled.');
    expect(notVerified(false)).toBe('Verify the caller first.');
  });
});
