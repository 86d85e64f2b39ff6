/**
 * Labels for users and search fields, free of zod so the console's first screen (the search box)
 * can use them without loading the schema library. `domain/user.ts` re-exports them.
 */

/** The fields a search can match a user by. */
export type SearchFieldName = 'userId' | 'email' | 'phoneNumber' | 'username';

/** Human names of the search fields, for "matched by …". */
export const SEARCH_FIELD_LABELS: Readonly<Record<SearchFieldName, string>> = {
  userId: 'user id',
  email: 'email',
  phoneNumber: 'phone',
  username: 'username',
};

/** The best short label for a user: display name, then email, phone, username, id. */
export function userLabel(user: {
  userId: string;
  displayName?: string;
  email?: string;
  phoneNumber?: string;
  username?: string;
}): string {
  return user.displayName || user.email || user.phoneNumber || user.username || user.userId;
}
