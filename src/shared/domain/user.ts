import { z } from 'zod';
import { IsoTimestamp } from './fields';
import { ErrorInfo } from '../errors';
import { AuthenticatorView } from './authenticator-view';

/**
 * What the helpdesk console knows about a tenant's users: search results, the user view and its
 * action history. These are the shapes that cross IPC; main builds them from Server API answers
 * (see `directory.service.ts`), which is why every Authsignal field that may be absent is optional.
 */

/** A user id as Authsignal accepts it: any text (Auth0 ids carry `|`, emails `@` and `+`). */
export const UserId = z
  .string()
  .trim()
  .min(1, 'Enter a user id')
  .max(500, 'A user id is at most 500 characters')
  // SECURITY: control characters never belong in an id and could forge log lines or headers.
  .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'A user id cannot contain control characters');
export type UserId = z.infer<typeof UserId>;

/** Custom data as Authsignal stores it (flat key -> scalar). */
export const CustomData = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export type CustomData = z.infer<typeof CustomData>;

/** The fields a search can match a user by. */
export const SEARCH_FIELDS = ['userId', 'email', 'phoneNumber', 'username'] as const;
export const SearchField = z.enum(SEARCH_FIELDS);
export type SearchField = z.infer<typeof SearchField>;

export { SEARCH_FIELD_LABELS, userLabel } from '../lib/user-format';

/**
 * What Authsignal's user record says about a person: the id, and how they can be reached and named.
 * Search hits carry it as `queryUsers` gave it (a flag may be missing); the profile has it all.
 */
const UserRecord = z.object({
  userId: z.string(),
  email: z.string().optional(),
  emailVerified: z.boolean().optional(),
  phoneNumber: z.string().optional(),
  phoneNumberVerified: z.boolean().optional(),
  username: z.string().optional(),
  displayName: z.string().optional(),
  /** Present when the API said (getUser does; queryUsers may not). */
  isEnrolled: z.boolean().optional(),
});

/** One search hit: enough to tell people apart in a list, and why it matched. */
export const UserSummary = UserRecord.extend({
  /** The fields whose value equalled what was typed; never empty. */
  matchedBy: z.array(SearchField).min(1),
});
export type UserSummary = z.infer<typeof UserSummary>;

/**
 * The profile half of the user view (Server API `getUser`, plus the id it was asked for): the same
 * record, with the verified and enrolled flags always known, and what only `getUser` tells.
 */
export const UserProfile = UserRecord.required({ emailVerified: true, phoneNumberVerified: true, isEnrolled: true }).extend({
  locale: z.string().optional(),
  custom: CustomData,
  enrolledVerificationMethods: z.array(z.string()),
  allowedVerificationMethods: z.array(z.string()),
  defaultVerificationMethod: z.string().optional(),
});
export type UserProfile = z.infer<typeof UserProfile>;

/** One tracked action from the last 30 days (Server API `queryUserActions`). */
export const ActionView = z.object({
  actionCode: z.string(),
  idempotencyKey: z.string(),
  createdAt: IsoTimestamp,
  updatedAt: IsoTimestamp.optional(),
  /** Authsignal's state, kept as text so a state added upstream still shows. */
  state: z.string(),
  stateUpdatedAt: IsoTimestamp.optional(),
  verificationMethod: z.string().optional(),
  verifiedByAuthenticatorId: z.string().optional(),
  ipAddress: z.string().optional(),
  userAgent: z.string().optional(),
  countryCode: z.string().optional(),
});
export type ActionView = z.infer<typeof ActionView>;

/** A part of the user view that loaded, or why it did not (the rest of the view still shows). */
export function partSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value }), z.object({ ok: z.literal(false), error: ErrorInfo })]);
}

/** Everything the user view shows, fetched together by main. */
export const UserDetail = z.object({
  profile: UserProfile,
  /** Every authenticator, default first, then most recently used. */
  authenticators: partSchema(z.array(AuthenticatorView)),
  /** The last 30 days of actions, newest first. */
  actions: partSchema(z.array(ActionView)),
  /** Start of the action window. */
  actionsFrom: IsoTimestamp,
  /** When main fetched all this: the view says how fresh it is. */
  fetchedAt: IsoTimestamp,
});
export type UserDetail = z.infer<typeof UserDetail>;

/** A user someone opened recently in this tenant (kept in main's memory only). */
export const RecentUser = z.object({
  userId: z.string(),
  /** The best label known when it was opened: display name, email, phone or username. */
  label: z.string().optional(),
  openedAt: IsoTimestamp,
});
export type RecentUser = z.infer<typeof RecentUser>;

/** How long the user view looks back for actions (the Server API's own maximum). */
export const ACTION_WINDOW_DAYS = 30;

/** Action states that ended in the person failing or being stopped: views mark them. */
export { FAILED_ACTION_STATES } from './authsignal';
