import type { AuthenticatorView } from '@shared/domain/authenticator-view';
import { DEFAULT_ENROLLMENT_ACTION_CODE } from '@shared/domain/settings';
import type { ActionView } from '@shared/domain/user';
import { VERIFICATION_ACTION_CODE } from '@shared/domain/verification';

/**
 * Actions Authdesk tracks itself (caller verification, enrollment by the helpdesk) show in the
 * user's Authsignal activity beside the user's own sign-ins. Read raw, `authdesk-verify-caller ·
 * Challenge succeeded` looks like the user signing in (issue #14 point 5), so the console names them
 * as the helpdesk's wherever the user's activity and "last used" show.
 */

/** What a helpdesk action was, in words; undefined for the user's own actions. */
export function helpdeskActionLabel(actionCode: string, enrollmentActionCode?: string): string | undefined {
  if (actionCode === VERIFICATION_ACTION_CODE) return 'Helpdesk verification (Authdesk)';
  if (actionCode === (enrollmentActionCode ?? DEFAULT_ENROLLMENT_ACTION_CODE) || actionCode === DEFAULT_ENROLLMENT_ACTION_CODE) {
    return 'Helpdesk enrollment (Authdesk)';
  }
  // Every action code Authdesk ships starts so; a tenant's own flows do not.
  if (actionCode.startsWith('authdesk-')) return 'Helpdesk action (Authdesk)';
  return undefined;
}

const at = (a: ActionView) => Date.parse(a.stateUpdatedAt ?? a.updatedAt ?? a.createdAt);

/** How an authenticator was last used, as far as the last 30 days of activity tell. */
export interface LastUse {
  /** The authenticator's `lastVerifiedAt` was the helpdesk's check, not the user. */
  byHelpdesk: boolean;
  /** The user's own last use of it within the activity window, when there is one. */
  ownAt?: string;
}

/**
 * Tells the helpdesk's check apart from the user's own use of an authenticator: the newest
 * successful action verified by it (by id, else by method at the same moment) decides whose use
 * `lastUsedAt` was. Undefined when the activity does not say (no matching action).
 */
export function lastUseOf(a: AuthenticatorView, actions: readonly ActionView[], enrollmentActionCode?: string): LastUse | undefined {
  if (!a.lastUsedAt) return undefined;
  const last = Date.parse(a.lastUsedAt);
  const used = actions
    .filter((x) => x.state === 'CHALLENGE_SUCCEEDED')
    .filter((x) => (x.verifiedByAuthenticatorId ? x.verifiedByAuthenticatorId === a.id : x.verificationMethod === a.method && Math.abs(at(x) - last) < 120_000))
    .sort((x, y) => at(y) - at(x));
  const newest = used[0];
  if (!newest || !helpdeskActionLabel(newest.actionCode, enrollmentActionCode)) return undefined;
  const own = used.find((x) => !helpdeskActionLabel(x.actionCode, enrollmentActionCode));
  return { byHelpdesk: true, ownAt: own ? new Date(at(own)).toISOString() : undefined };
}
