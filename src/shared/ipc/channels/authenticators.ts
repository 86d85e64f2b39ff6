import { z } from 'zod';
import { channel } from '../contract';
import { ErrorInfo } from '../../errors';
import { AuthenticatorView, RecoveryPath, REMOVAL_WARNINGS, RemovalWarning } from '../../domain/authenticator-view';
import { UserId } from '../../domain/user';
import { ChangeReason, TicketRef, VerificationRef } from './users';

/** The word that confirms a removal when the agent would rather not retype a long id. */
export const REMOVE_CONFIRMATION_WORD = 'REMOVE';

/** True when what the agent typed confirms a removal for this user: the user id, or REMOVE. */
export function confirmsRemoval(typed: string, userId: string): boolean {
  const t = typed.trim();
  return t === REMOVE_CONFIRMATION_WORD || (t.length > 0 && t === userId.trim());
}

const AuthenticatorId = z.string().trim().min(1, 'Pick an authenticator').max(200);

/** What every removal carries besides its target. */
const removalFields = {
  userId: UserId,
  reason: ChangeReason,
  ticket: TicketRef,
  /** The user id or REMOVE, typed by the agent. */
  confirmation: z.string().max(600),
  /**
   * The guardrail warnings the agent saw and confirmed. Main recomputes the warnings from fresh data
   * and refuses when one is missing here, so a stale view cannot remove a last authenticator unwarned.
   */
  acknowledgedWarnings: z.array(RemovalWarning).max(REMOVAL_WARNINGS.length).default([]),
  verification: VerificationRef.optional(),
};

const confirmed = <T extends { confirmation: string; userId: string }>(v: T) => confirmsRemoval(v.confirmation, v.userId);
const confirmationIssue = { message: `Type the user id or ${REMOVE_CONFIRMATION_WORD} to confirm`, path: ['confirmation'] };

/** Remove one authenticator. */
export const RemoveAuthenticatorInput = z
  .object({ ...removalFields, authenticatorId: AuthenticatorId })
  .strict()
  .refine(confirmed, confirmationIssue);
export type RemoveAuthenticatorInput = z.input<typeof RemoveAuthenticatorInput>;

/** Remove every authenticator the agent saw (main refuses if the set changed meanwhile). */
export const RemoveAllAuthenticatorsInput = z
  .object({
    ...removalFields,
    expectedAuthenticatorIds: z.array(AuthenticatorId).min(1, 'There is nothing to remove').max(100),
  })
  .strict()
  .refine(confirmed, confirmationIssue);
export type RemoveAllAuthenticatorsInput = z.input<typeof RemoveAllAuthenticatorsInput>;

/** What a removal did. */
export const RemovalResult = z.object({
  userId: z.string(),
  removed: z.array(z.string()),
  /** Set when the removal stopped part way (remove-all): what failed, after `removed` succeeded. */
  failure: ErrorInfo.optional(),
  /** The user's authenticators afterwards, fetched fresh. */
  remaining: z.array(AuthenticatorView),
  warnings: z.array(RemovalWarning),
  recoveryPaths: z.array(RecoveryPath),
  /** Sequence number of the audit entry that records it. */
  auditSeq: z.number().int().optional(),
});
export type RemovalResult = z.infer<typeof RemovalResult>;

export const authenticatorChannels = {
  'authenticators:remove': channel({
    summary: 'Remove one authenticator (reason, ticket and typed confirmation required; audited)',
    input: RemoveAuthenticatorInput,
    output: RemovalResult,
  }),
  'authenticators:remove-all': channel({
    summary: "Remove all of a user's authenticators (reason, ticket and typed confirmation required; audited)",
    input: RemoveAllAuthenticatorsInput,
    output: RemovalResult,
  }),
};
