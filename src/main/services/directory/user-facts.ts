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
  const [profile, list] = await Promise.all([fetchProfile(client, userId), client.getAuthenticators({ userId: segment })]);
  return { profile, authenticators: (Array.isArray(list) ? list : []).map(toAuthenticatorView) };
}

/**
 * Get User as a profile. Get User's API reference does not list `emailVerified` and
 * `phoneNumberVerified` (only the SDK type has them), so when the answer leaves one out, the flag
 * is read from Query Users for the user's own address (its SDK type carries them); if that fails
 * too, the contact counts as not verified: no code is ever sent to an address nobody vouched for.
 */
export async function fetchProfile(client: Authsignal, userId: string): Promise<UserProfile> {
  const user = await client.getUser({ userId: pathSegment(userId) });
  const profile = toProfile(userId, user);
  const raw = user as unknown as Record<string, unknown>;
  const pending: Promise<void>[] = [];
  if (typeof raw.emailVerified !== 'boolean' && profile.email) {
    pending.push(flagFromQuery(client, userId, { email: profile.email }, 'emailVerified').then((v) => void (profile.emailVerified = v)));
  }
  if (typeof raw.phoneNumberVerified !== 'boolean' && profile.phoneNumber) {
    pending.push(flagFromQuery(client, userId, { phoneNumber: profile.phoneNumber }, 'phoneNumberVerified').then((v) => void (profile.phoneNumberVerified = v)));
  }
  await Promise.all(pending);
  return profile;
}

async function flagFromQuery(
  client: Authsignal,
  userId: string,
  query: { email: string } | { phoneNumber: string },
  flag: 'emailVerified' | 'phoneNumberVerified',
): Promise<boolean> {
  try {
    const answer = await client.queryUsers({ ...query, limit: 50 });
    const own = (Array.isArray(answer?.users) ? answer.users : []).find((u) => u.userId === userId) as Record<string, unknown> | undefined;
    return own?.[flag] === true;
  } catch {
    return false;
  }
}
