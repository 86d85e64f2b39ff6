import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import type { EmuChallenge } from '../../../src/emulator/model';
import { checkOtp, generateOtp, OTP_MAX_ATTEMPTS } from '../../../src/emulator/otp';
import { createTotp, secretFromOtpUri, verifyTotp } from '../../../src/emulator/totp';

const codeAt = (secret: string, timestamp: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp });

describe('TOTP (RFC 6238)', () => {
  it('creates a 160-bit secret and an otpauth URI carrying it', () => {
    const { secret, uri } = createTotp('Authdesk local tenant', 'ada@example.com');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toMatch(/^otpauth:\/\/totp\//);
    expect(secretFromOtpUri(uri)).toBe(secret);
    expect(secretFromOtpUri('https://example.com')).toBeUndefined();
  });

  it('accepts the current step and one step either side, nothing further', () => {
    const { secret } = createTotp('t', 'u');
    const now = 1_700_000_000_000;
    expect(verifyTotp(secret, codeAt(secret, now), now)).toBe(true);
    expect(verifyTotp(secret, codeAt(secret, now - 30_000), now)).toBe(true);
    expect(verifyTotp(secret, codeAt(secret, now + 30_000), now)).toBe(true);
    expect(verifyTotp(secret, codeAt(secret, now - 90_000), now)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', now)).toBe(false);
    expect(verifyTotp(secret, undefined, now)).toBe(false);
  });
});

describe('OTP challenges', () => {
  const challenge = (code: string): EmuChallenge => ({
    challengeId: 'c',
    verificationMethod: 'EMAIL_OTP',
    code,
    expiresAt: Date.now() + 60_000,
    attempts: 0,
    verified: false,
    consumed: false,
  });

  it('generates 6 digits', () => {
    for (let i = 0; i < 50; i++) expect(generateOtp()).toMatch(/^\d{6}$/);
  });

  it('is single use', () => {
    const c = challenge('123456');
    expect(checkOtp(c, '000000')).toEqual({ ok: false, reason: 'CODE_INVALID_OR_EXPIRED' });
    expect(checkOtp(c, '123456')).toEqual({ ok: true });
    expect(checkOtp(c, '123456')).toEqual({ ok: false, reason: 'CODE_INVALID_OR_EXPIRED' });
  });

  it('burns the challenge after too many wrong codes, even for the right one', () => {
    const c = challenge('123456');
    for (let i = 0; i < OTP_MAX_ATTEMPTS - 1; i++) expect(checkOtp(c, '000000').ok).toBe(false);
    expect(checkOtp(c, '000000')).toEqual({ ok: false, reason: 'MAX_ATTEMPTS_EXCEEDED' });
    expect(checkOtp(c, '123456')).toEqual({ ok: false, reason: 'MAX_ATTEMPTS_EXCEEDED' });
  });

  it('refuses expired challenges', () => {
    const c = { ...challenge('123456'), expiresAt: Date.now() - 1 };
    expect(checkOtp(c, '123456')).toEqual({ ok: false, reason: 'CODE_INVALID_OR_EXPIRED' });
  });
});
