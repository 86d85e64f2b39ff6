import type { VerificationStamp } from '@shared/domain/audit';

/**
 * What other domains may use from the directory, and what it needs from them, declared once:
 * fresh user facts (verification and enrollment read them), and the two rules caller
 * verification plugs into (the change policy and contact disclosure).
 */

export { fetchUserFacts, type UserFacts } from './user-facts';

/**
 * The seam where caller verification (issue #5) will gate helpdesk changes. Every change the
 * directory service makes (removing authenticators, revoking sessions) asks the policy first, with
 * the verification reference the console sent, and stamps the audit entry with what it answers.
 */

/** The kinds of change the policy is asked about (the audit action each one records). */
export type ChangeKind = 'authenticator.remove' | 'authenticators.remove-all' | 'sessions.revoke';

/** One change about to be made. */
export interface ChangeRequest {
  kind: ChangeKind;
  /** The tenant profile id. */
  tenantId: string;
  userId: string;
  /** What the console sent: the id of a caller verification (issue #5), if any. */
  verification?: { id: string };
}

/**
 * Decides whether a change may go ahead. Resolves with the verification stamp to record (or
 * undefined when the change is not covered by one) and throws an `AppError('forbidden', …)` that
 * says what to do to refuse it.
 */
export interface ChangePolicy {
  authorize(request: ChangeRequest): Promise<VerificationStamp | undefined>;
  /**
   * Called before a removal that would leave the user with no authenticator; throws `forbidden`
   * when the policy's `lastAuthenticatorRemoval` rule does not allow this role (absent: allowed).
   */
  lastAuthenticator?(tenant: { id: string; name: string }, userId: string): Promise<void>;
}

/**
 * A policy that asks for no caller verification and stamps none: the directory's default when it
 * is built alone (its own tests). The app's container always passes `VerificationService.changePolicy()`,
 * which looks the verification up, checks it is for this tenant and user, succeeded and has not
 * expired, and refuses with `forbidden` otherwise (subject to the tenant's policy setting).
 */
export const unverifiedChangePolicy: ChangePolicy = {
  authorize: () => Promise.resolve(undefined),
};

/**
 * Says which users' contact details (email, phone) the console may see in full in the active
 * tenant, decided once per answer. The rule that masks the rest lives in `contact-masking.ts`.
 */
export interface ContactDisclosure {
  discloser(): Promise<(userId: string) => boolean>;
}

/**
 * Discloses no one: the directory's default when built alone.
 * SECURITY: fails closed; the app's container passes the one masking rule, `policy/contact-rule.ts`.
 */
export const disclosesNoOne: ContactDisclosure = {
  discloser: () => Promise.resolve(() => false),
};
