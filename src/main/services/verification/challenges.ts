import { randomUUID } from 'node:crypto';
import type { Authsignal } from '@authsignal/node';
import { VERIFICATION_ACTION_CODE } from '@shared/domain/verification';
import { AppError } from '@shared/errors';
import { fetchUserFacts } from '../directory/ports';
import { pathSegment } from '../platform/authsignal-client';
import type { VerificationRecord } from './records';
import { epochMs, verificationTargets } from './targets';

/**
 * Starting a check with the tenant: an emailed or texted code, or a pre-built UI challenge link.
 * Each fills in the record's challenge, target and deadline; the service records and keeps it.
 */

/** The idempotency key a tenant answered with, when it is a usable one. */
export function serverKey(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The service's clock and link lifetime. */
export interface ChallengeClock {
  now(): number;
  linkLifetimeMs: number;
}

/** Sends a code to the verified contact `ref` names (resolved here from fresh facts). */
export async function sendCode(
  client: Authsignal,
  record: VerificationRecord,
  method: 'email-otp' | 'sms-otp',
  ref: string,
  clock: ChallengeClock,
  active?: ReadonlySet<string> | null,
): Promise<void> {
  {
    // SECURITY: the address is resolved here from fresh data; the console only named a ref.
    const target = verificationTargets(await fetchUserFacts(client, record.userId), active).find((t) => t.ref === ref && t.method === method);
    if (!target) {
      throw new AppError('not-found', 'That contact is not (or no longer) a verified contact of this user. Reload the user and pick one from the list.');
    }
    if (target.unavailable) throw new AppError('conflict', `${method === 'email-otp' ? 'Email codes' : 'Text message codes'}: ${target.unavailable}`);
    const idempotencyKey = randomUUID();
    const answer = await client.challenge({
      verificationMethod: method === 'email-otp' ? 'EMAIL_OTP' : 'SMS',
      userId: record.userId,
      action: VERIFICATION_ACTION_CODE,
      idempotencyKey,
      ...(method === 'email-otp' ? { email: target.address } : { phoneNumber: target.address }),
    });
    if (!answer?.challengeId) throw new AppError('unavailable', 'The tenant did not start the check. Try again.');
    record.challengeId = answer.challengeId;
    record.target = target.masked;
    // The tenant's own key when it names one: nothing promises it kept ours.
    record.action = { code: VERIFICATION_ACTION_CODE, idempotencyKey: serverKey(answer.idempotencyKey) ?? idempotencyKey };
    record.pendingUntil = epochMs(answer.expiresAt) ?? clock.now() + clock.linkLifetimeMs;
  }
}

/** Creates a challenge link the user completes on their own device. */
export async function startLink(client: Authsignal, record: VerificationRecord, clock: ChallengeClock): Promise<string> {
  {
    const facts = await fetchUserFacts(client, record.userId);
    if (facts.authenticators.length === 0) {
      throw new AppError('conflict', 'This user has nothing enrolled, so there is nothing to challenge them with. Send a code to a verified contact, or follow your offline procedure.');
    }
    const idempotencyKey = randomUUID();
    // The idempotency key makes a retried track (the SDK retries on connection errors) the same action.
    const tracked = await client.track({
      userId: pathSegment(record.userId),
      action: VERIFICATION_ACTION_CODE,
      attributes: { idempotencyKey, redirectToSettings: false },
    });
    const state: string = tracked.state;
    if (state !== 'CHALLENGE_REQUIRED') {
      throw new AppError(
        'conflict',
        `The tenant answered ${state} for the action "${VERIFICATION_ACTION_CODE}", so there is nothing for the user to complete. In the Authsignal portal, make that action challenge by default, or send a code instead.`,
      );
    }
    // main polls the action by the key the tenant answered with: Track Action does not promise to
    // honour a caller's key (Authsignal's own SDK live tests always use the returned one).
    record.action = { code: VERIFICATION_ACTION_CODE, idempotencyKey: serverKey(tracked.idempotencyKey) ?? idempotencyKey };
    record.pendingUntil = clock.now() + clock.linkLifetimeMs;
    record.lastPolledAt = clock.now();
    return tracked.url;
  }
}
