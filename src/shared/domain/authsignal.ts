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

/**
 * Authsignal action states, each with what it means for the person: `passed` (let through),
 * `failed` (stopped, or failed the challenge or the review) or `open` (still waiting on one).
 */
export const ACTION_STATE_OUTCOMES = {
  ALLOW: 'passed',
  BLOCK: 'failed',
  CHALLENGE_REQUIRED: 'open',
  CHALLENGE_SUCCEEDED: 'passed',
  CHALLENGE_FAILED: 'failed',
  REVIEW_REQUIRED: 'open',
  REVIEW_SUCCEEDED: 'passed',
  REVIEW_FAILED: 'failed',
} satisfies Record<string, 'passed' | 'failed' | 'open'>;
export const USER_ACTION_STATES = keysOf(ACTION_STATE_OUTCOMES);
export const UserActionState = z.enum(USER_ACTION_STATES);
export type UserActionState = z.infer<typeof UserActionState>;

/** States in which the action went through: the person passed, or was never challenged. */
export const PASSED_ACTION_STATES: readonly UserActionState[] = USER_ACTION_STATES.filter(
  (s) => ACTION_STATE_OUTCOMES[s] === 'passed',
);

/** What a state means for the person; a state this table does not know yet reads as still open. */
export function actionOutcome(state: string): 'passed' | 'failed' | 'open' {
  return Object.hasOwn(ACTION_STATE_OUTCOMES, state) ? ACTION_STATE_OUTCOMES[state as UserActionState] : 'open';
}

/** A state as words for a badge: CHALLENGE_SUCCEEDED reads "Challenge succeeded". */
export function actionStateLabel(state: string): string {
  const words = state.toLowerCase().split('_');
  return [words[0].charAt(0).toUpperCase() + words[0].slice(1), ...words.slice(1)].join(' ');
}

/** States that ended in the person failing or being stopped: views mark them. */
export const FAILED_ACTION_STATES: readonly UserActionState[] = USER_ACTION_STATES.filter(
  (s) => ACTION_STATE_OUTCOMES[s] === 'failed',
);
