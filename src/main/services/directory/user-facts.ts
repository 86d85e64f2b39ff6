import type { Authsignal } from '@authsignal/node';
import type { AuthenticatorView } from '@shared/domain/authenticator-view';
import type { UserProfile } from '@shared/domain/user';
import { pathSegment } from '../platform/authsignal-client';
import { toAuthenticatorView, toProfile } from './sdk-converters';

/** A user's facts as main fetched them just now (never what the console sent). */
export interface UserFacts {
  profile: UserProfile;
  authenticators: AuthenticatorView[];
}

/** Fetches a user's profile and authenticators fresh from the tenant. */
export async function fetchUserFacts(client: Authsignal, userId: string): Promise<UserFacts> {
  const segment = pathSegment(userId);
  const [user, list] = await Promise.all([client.getUser({ userId: segment }), client.getAuthenticators({ userId: segment })]);
  return { profile: toProfile(userId, user), authenticators: (Array.isArray(list) ? list : []).map(toAuthenticatorView) };
}
