import { z } from 'zod';
import { keysOf } from '../lib/keys-of';

/**
 * Authsignal verification methods (the union of @authsignal/node 2.21's enum), each with its name in
 * words for views, reports and the CLI.
 */
export const METHOD_LABELS = {
  SMS: 'SMS code',
  EMAIL_OTP: 'Email code',
  EMAIL_MAGIC_LINK: 'Email magic link',
  AUTHENTICATOR_APP: 'Authenticator app',
  PASSKEY: 'Passkey',
  SECURITY_KEY: 'Security key',
  PUSH: 'Push',
  VERIFF: 'Veriff ID check',
  IPROOV: 'iProov',
  IDVERSE: 'IDVerse',
  PALM_BIOMETRICS_RR: 'Palm biometrics',
  RECOVERY_CODE: 'Recovery codes',
  DEVICE: 'Device credential',
  WHATSAPP: 'WhatsApp code',
} satisfies Record<string, string>;
export const VERIFICATION_METHODS = keysOf(METHOD_LABELS);
export const VerificationMethod = z.enum(VERIFICATION_METHODS);
export type VerificationMethod = z.infer<typeof VerificationMethod>;

/** Methods that resist phishing: the credential is bound to the origin. */
export const PHISHING_RESISTANT_METHODS: readonly VerificationMethod[] = ['PASSKEY', 'SECURITY_KEY'];

/** Authsignal action states. */
export const USER_ACTION_STATES = [
  'ALLOW',
  'BLOCK',
  'CHALLENGE_REQUIRED',
  'CHALLENGE_SUCCEEDED',
  'CHALLENGE_FAILED',
  'REVIEW_REQUIRED',
  'REVIEW_SUCCEEDED',
  'REVIEW_FAILED',
] as const;
export const UserActionState = z.enum(USER_ACTION_STATES);
export type UserActionState = z.infer<typeof UserActionState>;
