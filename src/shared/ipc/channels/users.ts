import { z } from 'zod';
import { channel } from '../contract';
import { channelWithoutInput } from './no-input';
import { ErrorInfo } from '../../errors';
import { RecentUser, SearchField, UserDetail, UserId, UserSummary } from '../../domain/user';
import { MAX_QUERY_LENGTH } from '../../lib/query';

/** A ticket reference in the helpdesk's tracker: "INC-1234", "ZD#5678", "JIRA-42". */
export const TicketRef = z
  .string()
  .trim()
  .min(2, 'Enter the ticket reference (such as INC-1234)')
  .max(64, 'A ticket reference is at most 64 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._#:/-]*$/u, 'Use the ticket reference as your tracker shows it, such as INC-1234');
export type TicketRef = z.infer<typeof TicketRef>;

/** Why a change is made, in the agent's words; it goes into the audit log verbatim. */
export const ChangeReason = z
  .string()
  .trim()
  .min(10, 'Say why in at least 10 characters: it goes into the audit log')
  .max(500, 'Keep the reason under 500 characters');
export type ChangeReason = z.infer<typeof ChangeReason>;

/**
 * The caller verification that covers a change (issue #5). Optional today; the change policy in
 * main (`change-policy.ts`) is where it becomes required.
 */
export const VerificationRef = z.object({ id: z.string().trim().min(1).max(200) }).strict();
export type VerificationRef = z.infer<typeof VerificationRef>;

/** A country for reading phone numbers typed without a country code (ISO 3166-1 alpha-2). */
const Country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'Use a two-letter country code such as GB')
  .transform((c) => c.toUpperCase());

/** Search input. */
export const UserSearchInput = z
  .object({
    query: z.string().max(MAX_QUERY_LENGTH * 4, 'That is too long to be an email, phone number, username or id'),
    /** Read local phone numbers as this country's; main falls back to settings, then the OS locale. */
    country: Country.optional(),
    /** Searches in one stream supersede each other: a newer `seq` cancels older work. */
    stream: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/).default('search'),
    seq: z.number().int().nonnegative(),
    /**
     * False for a search the box runs while the agent is still typing (debounced). Such a search is
     * audited only when it showed users; the agent's Enter (and every other caller) is always audited.
     */
    committed: z.boolean().default(true),
  })
  .strict();
export type UserSearchInput = z.input<typeof UserSearchInput>;

/** How the query was read, for the line under the search box. */
export const RecognizedQueryView = z.object({
  text: z.string(),
  kind: z.enum(['empty', 'email', 'phone', 'identifier', 'text']),
  lookups: z.array(z.object({ field: SearchField, value: z.string() })),
  phone: z.object({ e164: z.string(), country: z.string().optional(), valid: z.boolean() }).optional(),
  hint: z.string().optional(),
  /** The country local numbers were read in. */
  country: z.string().optional(),
});
export type RecognizedQueryView = z.infer<typeof RecognizedQueryView>;

/** Search output. */
export const UserSearchResult = z.object({
  seq: z.number().int(),
  /** A newer search in the same stream started first: drop this answer. */
  superseded: z.boolean(),
  query: RecognizedQueryView,
  results: z.array(UserSummary),
  /** Lookups that failed while others answered (the results may be incomplete). */
  failedLookups: z.array(z.object({ field: SearchField, error: ErrorInfo })),
  /** A lookup returned a full page: there may be more matches than shown. */
  truncated: z.boolean(),
  tookMs: z.number(),
});
export type UserSearchResult = z.infer<typeof UserSearchResult>;

/** Revoke-sessions input. */
export const RevokeSessionsInput = z
  .object({
    userId: UserId,
    reason: ChangeReason,
    ticket: TicketRef,
    verification: VerificationRef.optional(),
  })
  .strict();
export type RevokeSessionsInput = z.input<typeof RevokeSessionsInput>;

export const userChannels = {
  'users:search': channel({
    summary: 'Find users by email, phone number, username or id (exact matches, merged)',
    input: UserSearchInput,
    output: UserSearchResult,
  }),
  'users:get': channel({
    summary: "A user's profile, authenticators and last 30 days of actions",
    input: z.object({ userId: UserId }).strict(),
    output: UserDetail,
  }),
  'users:recent': channelWithoutInput('Users opened recently in the active tenant (kept in memory only)', z.object({ users: z.array(RecentUser) })),
  'users:revoke-sessions': channel({
    summary: "Revoke every session of a user (with reason and ticket, audited)",
    input: RevokeSessionsInput,
    output: z.object({ userId: z.string(), revokedAt: z.string() }),
  }),
};
