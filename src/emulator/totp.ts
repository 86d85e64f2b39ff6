import { Secret, TOTP, URI } from 'otpauth';

/** Accepted clock drift: one 30-second step either way (RFC 6238 §5.2's recommended window). */
export const TOTP_WINDOW = 1;

/** A new authenticator-app enrollment: the base32 secret and the otpauth:// URI a QR code carries. */
export interface TotpEnrollment {
  secret: string;
  uri: string;
}

function totpFor(secret: string, issuer: string, label: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
}

/**
 * Creates a TOTP secret (160 bits, RFC 4226's recommended length) and its otpauth URI.
 * SECURITY: the secret is returned to the enrolling client only; callers must never log it.
 */
export function createTotp(issuer: string, label: string): TotpEnrollment {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(secret, issuer, label).toString() };
}

/** Verifies a 6-digit code against a base32 secret per RFC 6238, allowing ±1 time step. */
export function verifyTotp(secret: string, code: unknown, timestamp = Date.now()): boolean {
  if (typeof code !== 'string' && typeof code !== 'number') return false;
  const token = String(code).trim();
  if (!/^\d{6}$/.test(token)) return false;
  return totpFor(secret, 'emulator', 'user').validate({ token, timestamp, window: TOTP_WINDOW }) !== null;
}

/** The base32 secret inside an `otpauth://totp/...` URI (enrollVerifiedAuthenticator's `otpUri`); undefined when it is not one. */
export function secretFromOtpUri(uri: string): string | undefined {
  try {
    const parsed = URI.parse(uri);
    return parsed instanceof TOTP ? parsed.secret.base32 : undefined;
  } catch {
    return undefined;
  }
}
