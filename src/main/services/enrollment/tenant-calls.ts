import type { Authsignal, ValidateChallengeResponse } from '@authsignal/node';
import type { VerificationStamp } from '@shared/domain/audit';
import type { EnrolledAuthenticator } from '@shared/domain/enrollment';
import { AppError } from '@shared/errors';
import { fetchUserFacts, type UserFacts } from '../directory/ports';
import { isAuthsignalError, pathSegment } from '../platform/authsignal-client';
import { addedSince, type EnrollmentRecord } from './records';

/** What enrollment asks the tenant: track the action, confirm a returned token, read a link's state. */

/** Tracks the enrollment action for the record's user and mode: the token, the pre-built UI url and the facts before. */
export async function trackEnrollment(
  client: Authsignal,
  record: EnrollmentRecord,
  stamp: VerificationStamp | undefined,
  redirectBase: string,
): Promise<{ url: string; token: string; facts: UserFacts }> {
  const fresh = await fetchUserFacts(client, record.userId);
  const enrolled = fresh.authenticators.length > 0;
  if (record.mode === 'guided-window' && enrolled && !stamp) {
    // SECURITY: a token scoped add:authenticators skips Authsignal's binding rule, so Authdesk
    // hands one out only when it has itself verified the caller.
    throw new AppError(
      'forbidden',
      'The guided page needs a token that may add authenticators, which Authdesk issues only for a verified caller. Verify the caller, or use the pre-built UI, where the user passes a challenge first.',
    );
  }
  const tracked = await client.track({
    userId: pathSegment(record.userId),
    action: record.action.code,
    attributes: {
      // Makes a retried track (the SDK retries connection failures) address the same action.
      idempotencyKey: record.action.idempotencyKey,
      ...(record.mode === 'prebuilt-window' ? { redirectUrl: `${redirectBase}/${record.id}` } : {}),
      // The binding rule: an enrolled user passes a challenge first, then adds in settings.
      ...(record.mode !== 'guided-window' && enrolled ? { redirectToSettings: true } : {}),
      ...(record.mode === 'guided-window' && enrolled ? { scope: 'add:authenticators' } : {}),
      ...(fresh.profile.emailVerified && fresh.profile.email ? { email: fresh.profile.email } : {}),
      ...(fresh.profile.phoneNumberVerified && fresh.profile.phoneNumber ? { phoneNumber: fresh.profile.phoneNumber } : {}),
    },
  });
  if (typeof tracked?.token !== 'string' || typeof tracked.url !== 'string') {
    throw new AppError('unavailable', 'The tenant did not return an enrollment token. Try again.');
  }
  // From here on the action is the one the tenant named: Track Action does not promise to honour
  // the caller's key, and Authsignal's own SDK live tests always use the returned one.
  if (typeof tracked.idempotencyKey === 'string' && tracked.idempotencyKey.length > 0) record.action.idempotencyKey = tracked.idempotencyKey;
  return { url: tracked.url, token: tracked.token, facts: fresh };
}

/** What a returned token proves: the authenticators added, or the problem. */
export interface Confirmation {
  added: EnrolledAuthenticator[];
  problem: string | null;
  verificationMethod: string | undefined;
}

/**
 * Validates the token with the Server API for this user and action, then compares the authenticator
 * lists. A first enrollment is done when the token is this user's and this action's and the user
 * gained an authenticator, whatever the action's state (nothing documents an `ALLOW` action moving
 * to `CHALLENGE_SUCCEEDED`); a further one needs the tenant to call the token valid.
 */
export async function confirmEnrollment(client: Authsignal, record: EnrollmentRecord, token: string | null): Promise<Confirmation> {
  if (!token) return { added: [], problem: 'The enrollment page returned without a token, so nothing can be confirmed.', verificationMethod: undefined };
  let result: ValidateChallengeResponse;
  try {
    result = await client.validateChallenge({ token });
  } catch (error) {
    // A 4xx from /validate is about the token, not the API secret (which every other call proves).
    if (isTokenRefusal(error)) {
      return { added: [], problem: 'The tenant did not accept the token that came back, so nothing is accepted from it.', verificationMethod: undefined };
    }
    throw error;
  }
  const mismatch =
    result.userId !== record.userId ||
    (result.action !== undefined && result.action !== record.action.code) ||
    (result.idempotencyKey !== undefined && result.idempotencyKey !== record.action.idempotencyKey);
  if (mismatch) {
    return { added: [], problem: 'The token that came back belongs to another user or action; nothing is accepted from it.', verificationMethod: undefined };
  }
  if (!result.isValid && !record.firstEnrollment) {
    return { added: [], problem: `The tenant did not confirm the enrollment (${result.state ?? 'invalid token'}).`, verificationMethod: undefined };
  }
  const added = addedSince(record, await fetchUserFacts(client, record.userId));
  if (!result.isValid && added.length === 0) {
    return { added: [], problem: `The tenant did not confirm the enrollment (${result.state ?? 'invalid token'}), and no new authenticator is listed.`, verificationMethod: undefined };
  }
  // A first enrollment's ALLOW action may name no method; the one just enrolled is what was verified.
  return { added, problem: null, verificationMethod: result.verificationMethod ?? (added.length === 1 ? added[0].method : undefined) };
}

/** True for an SDK error with a 4xx status other than 429: the tenant refused the token itself. */
export function isTokenRefusal(error: unknown): boolean {
  if (!isAuthsignalError(error)) return false;
  const status = error.axiosError?.response?.status ?? error.statusCode;
  return status >= 400 && status < 500 && status !== 429;
}

/** The link's action state and the user's facts now. */
export async function linkState(client: Authsignal, record: EnrollmentRecord): Promise<{ state: string | undefined; facts: UserFacts }> {
  const [action, fresh] = await Promise.all([
    client.getAction({ userId: pathSegment(record.userId), action: record.action.code, idempotencyKey: record.action.idempotencyKey }),
    fetchUserFacts(client, record.userId),
  ]);
  const state: string | undefined = action?.state;
  return { state, facts: fresh };
}
