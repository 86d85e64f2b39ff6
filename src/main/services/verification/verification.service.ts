import type { z } from 'zod';
import type { VerificationStamp } from '@shared/domain/audit';
import type { TenantPolicy } from '@shared/domain/settings';
import { METHODS_UNKNOWN_NOTE } from '@shared/domain/enrollment';
import { VERIFICATION_LIFETIME_MS, isLive, type VerificationOptions, type VerificationView } from '@shared/domain/verification';
import { AppError } from '@shared/errors';
import type { OfflineVerificationInput, VerificationCodeInput, VerificationStartInput } from '@shared/ipc/channels/verification';
import { CallTicketSink, requireTicketByPolicy, type AuditSink } from '../audit/ports';
import { fetchUserFacts, type ChangePolicy } from '../directory/ports';
import { pathSegment } from '../platform/authsignal-client';
import type { TenantAccess, TenantInfo } from '../tenants/ports';
import { requireActiveTenant, unrecordedError } from '../platform/service-guards';
import type { ConfiguredMethodsPort } from '../readiness/ports';
import { sendCode, startLink, type ChallengeClock } from './challenges';
import { FORGET_AFTER_MS, latestFor, liveFor, newRecord, recordView, stampOf, supersedePending, type VerificationRecord } from './records';
import { notVerified, verificationTargets } from './targets';

/**
 * Caller verification (issue #5): before an agent removes or enrolls anything, the caller proves
 * they are the user with something the user already has: a code sent by the tenant to a verified
 * email or phone and read back, a pre-built UI challenge the user completes on their own device
 * (main polls the action state), or, for a user with nothing enrolled, the helpdesk's offline
 * procedure, which the agent must describe.
 *
 * SECURITY: verifications live in this process's memory only (never on disk, never in the
 * renderer's hands beyond an id): a restart or a crash ends them all, and the renderer cannot
 * forge one. Challenge ids and codes never leave main. Each verification covers changes to one
 * user in one tenant for a fixed lifetime, and its stamp goes on every audit entry it covers.
 */

/** How the service is built. */
export interface VerificationServiceOptions {
  tenants: TenantAccess;
  audit: AuditSink;
  /** The tenant's policy (settings): whether changes need a verified caller. */
  policyFor: (tenantId: string) => Promise<TenantPolicy>;
  /** How long a verification covers changes; default 10 minutes. Tests shorten it. */
  lifetimeMs?: number;
  /** Clock, for tests. */
  now?: () => Date;
  /** The least time between two tenant polls of one challenge link, however often the console asks. */
  minPollGapMs?: number;
  /** How long a challenge link may be used (Authsignal's token lifetime), default 10 minutes. */
  linkLifetimeMs?: number;
  /** The tenant's switched-on methods: codes go only by those (all when absent or unknown). */
  configured?: ConfiguredMethodsPort | null;
}

/** What the service hands the audit log. */
type AuditAppend = Parameters<AuditSink['append']>[0];

/** Parsed inputs of the channels this service serves. */
export type StartRequest = z.output<typeof VerificationStartInput>;
export type CodeRequest = z.output<typeof VerificationCodeInput>;
export type OfflineRequest = z.output<typeof OfflineVerificationInput>;

/** The caller verification service. */
export class VerificationService {
  private readonly tenants: TenantAccess;
  private readonly audit: CallTicketSink;
  private readonly policyFor: (tenantId: string) => Promise<TenantPolicy>;
  private readonly lifetimeMs: number;
  private readonly linkLifetimeMs: number;
  private readonly minPollGapMs: number;
  private readonly now: () => Date;
  private readonly records = new Map<string, VerificationRecord>();
  private readonly configured: ConfiguredMethodsPort | null;
  private closed = false;

  constructor(options: VerificationServiceOptions) {
    this.tenants = options.tenants;
    this.audit = new CallTicketSink(options.audit, 'verificationId');
    this.policyFor = options.policyFor;
    this.lifetimeMs = options.lifetimeMs ?? VERIFICATION_LIFETIME_MS;
    this.linkLifetimeMs = options.linkLifetimeMs ?? 10 * 60 * 1000;
    this.minPollGapMs = options.minPollGapMs ?? 1000;
    this.now = options.now ?? (() => new Date());
    this.configured = options.configured ?? null;
  }

  // ---- what the console may offer ----------------------------------------------------------

  /** How this user's caller can be verified, from fresh data, plus their latest verification. */
  async options(userId: string): Promise<VerificationOptions> {
    const tenant = await this.requireTenant();
    const policy = await this.policyFor(tenant.id);
    const [facts, active] = await Promise.all([this.tenants.withClient((client) => fetchUserFacts(client, userId), tenant.id), this.configured?.activeFor(tenant.id)]);
    await this.sweep();
    const enrolled = facts.authenticators.length > 0;
    const latest = latestFor(this.records.values(), tenant.id, userId);
    return {
      userId,
      required: policy.requireCallerVerification,
      ticketRequired: policy.requireTicket === true,
      enrolled,
      targets: verificationTargets(facts, active).map(({ ref, method, masked, source, unavailable }) => ({ ref, method, masked, source, ...(unavailable ? { unavailable } : {}) })),
      ...(active === null ? { methodsNote: METHODS_UNKNOWN_NOTE } : {}),
      prebuiltAvailable: enrolled,
      unverifiable: !enrolled,
      current: latest ? recordView(latest) : null,
    };
  }

  // ---- starting one ------------------------------------------------------------------------

  /** Sends a code to a verified contact, or creates a pre-built UI challenge link. */
  async start(request: StartRequest): Promise<VerificationView> {
    const tenant = await this.requireTenant();
    // SECURITY: nothing is sent unless the log can record it.
    await this.audit.assertWritable();
    requireTicketByPolicy(await this.policyFor(tenant.id), request.ticket);
    const record = newRecord(tenant, request.userId, request.method, this.now().getTime());
    this.audit.set(record.id, request.ticket);
    let link: string | undefined;
    const base = { action: 'verification.start' as const, tenant: record.tenant, subject: { userId: request.userId } };
    try {
      if (request.method === 'prebuilt-ui') {
        link = await this.tenants.withClient((client) => startLink(client, record, this.clock()), tenant.id);
      } else {
        const active = await this.configured?.activeFor(tenant.id);
        await this.tenants.withClient((client) => sendCode(client, record, request.method, request.targetRef, this.clock(), active), tenant.id);
      }
    } catch (error) {
      await this.audit.append({ ...base, details: { method: request.method, verificationId: record.id }, error }).catch(() => {});
      throw error;
    }
    supersedePending(this.records.values(), record);
    this.records.set(record.id, record);
    try {
      await this.audit.append({
        ...base,
        details: {
          method: record.method,
          verificationId: record.id,
          ...(record.target ? { target: record.target } : {}),
          ...(record.action ? { actionCode: record.action.code, idempotencyKey: record.action.idempotencyKey } : {}),
          pendingUntil: new Date(record.pendingUntil!).toISOString(),
        },
      });
    } catch (error) {
      // SECURITY: an unrecorded check must not count; the code or link is dropped.
      record.status = 'failed';
      record.failure = 'The audit log could not record the start, so this check cannot be used.';
      throw unrecordedError(error, 'The check was started, but the audit log could not record it, so it cannot be used.');
    }
    return { ...recordView(record), ...(link ? { link } : {}) };
  }

  // ---- completing one ----------------------------------------------------------------------

  /** Checks the code the caller read back. A wrong code leaves the check pending (the tenant counts attempts). */
  async submitCode(request: CodeRequest): Promise<VerificationView> {
    const record = await this.pendingRecord(request.verificationId);
    if (record.method !== 'email-otp' && record.method !== 'sms-otp') {
      throw new AppError('validation', 'This check is a challenge link: the user completes it on their device, there is no code to enter.');
    }
    await this.audit.assertWritable();
    const answer = await this.tenants.withClient(
      (client) => client.verify({ challengeId: record.challengeId!, verificationCode: request.code }),
      record.tenant.id,
    );
    if (answer.isVerified) {
      await this.succeed(record, { verificationMethod: answer.verificationMethod });
    } else {
      const reason: string = answer.failureReason ?? 'CODE_INVALID_OR_EXPIRED';
      const exhausted = reason === 'MAX_ATTEMPTS_EXCEEDED';
      record.failure = exhausted
        ? 'Too many wrong codes: this check is over. Start a new one.'
        : 'That code is not right or has expired. Ask the caller to read it again, or send a new code.';
      if (exhausted) record.status = 'failed';
      await this.recordEnd('verification.fail', record, { reason: exhausted ? 'max-attempts' : 'wrong-code' }, true);
    }
    return recordView(record);
  }

  /** The state of a verification; a pending challenge link is checked with the tenant (throttled). */
  async check(id: string): Promise<VerificationView> {
    await this.sweep();
    const record = this.recordOf(id);
    if (record.status === 'pending' && record.method === 'prebuilt-ui') await this.pollLink(record);
    return recordView(record);
  }

  private async pollLink(record: VerificationRecord): Promise<void> {
    const now = this.now().getTime();
    if (record.lastPolledAt !== undefined && now - record.lastPolledAt < this.minPollGapMs) return;
    record.lastPolledAt = now;
    const action = record.action!;
    const answer = await this.tenants.withClient(
      (client) => client.getAction({ userId: pathSegment(record.userId), action: action.code, idempotencyKey: action.idempotencyKey }),
      record.tenant.id,
    );
    const state = answer?.state as string | undefined;
    if (record.status !== 'pending') return;
    if (state === 'CHALLENGE_SUCCEEDED') {
      await this.succeed(record, { verificationMethod: answer.verificationMethod });
    } else if (state === 'CHALLENGE_FAILED' || state === 'BLOCK' || state === 'REVIEW_FAILED') {
      record.status = 'failed';
      record.failure = `The user did not pass the challenge (${state}). Ask them to try again with a new link, or use another way.`;
      await this.recordEnd('verification.fail', record, { reason: 'challenge-failed', state }, true);
    }
  }

  /** Records how the agent checked a caller who has nothing enrolled. Refused when the user has an authenticator. */
  async recordOffline(request: OfflineRequest): Promise<VerificationView> {
    const tenant = await this.requireTenant();
    await this.audit.assertWritable();
    const facts = await this.tenants.withClient((client) => fetchUserFacts(client, request.userId), tenant.id);
    if (facts.authenticators.length > 0) {
      // SECURITY: the offline procedure is for users nothing can vouch for; anyone else proves it with what they have.
      throw new AppError(
        'conflict',
        `This user has ${facts.authenticators.length} authenticator${facts.authenticators.length === 1 ? '' : 's'}, so the offline procedure does not apply: send a code or a challenge link instead.`,
      );
    }
    requireTicketByPolicy(await this.policyFor(tenant.id), request.ticket);
    const record = newRecord(tenant, request.userId, 'offline', this.now().getTime());
    this.audit.set(record.id, request.ticket);
    supersedePending(this.records.values(), record);
    this.records.set(record.id, record);
    await this.verifyRecorded(record, 'verification.offline', { verificationId: record.id, note: request.note }, {
      revoked: 'The audit log could not record this check, so it cannot be used.',
      message: 'The offline check could not be recorded in the audit log, so it does not count.',
    });
    return recordView(record);
  }

  /** Stops a pending check, or ends a live verification early (the agent hung up). */
  async cancel(id: string): Promise<VerificationView> {
    await this.sweep();
    const record = this.recordOf(id);
    if (record.status === 'pending') {
      record.status = 'cancelled';
      await this.recordEnd('verification.fail', record, { reason: 'cancelled' }, false);
    } else if (record.status === 'verified') {
      this.clearTimer(record);
      record.status = 'cancelled';
      record.expiresAt = this.now().getTime();
      await this.recordEnd('verification.expire', record, { reason: 'ended-by-agent' }, false);
    }
    return recordView(record);
  }

  // ---- what other services ask -------------------------------------------------------------

  /**
   * The verification covering a change to `userId` in `tenantId`: the one the console named, or
   * else the live one main holds for that user. Resolves with its stamp, or undefined when the
   * policy does not require one and there is none; throws `forbidden` (none, or another user's) or
   * `expired` otherwise.
   * SECURITY: decided here from main's own records and the tenant's policy, never from the renderer.
   */
  async cover(tenantId: string, userId: string, ref?: { id: string }): Promise<VerificationStamp | undefined> {
    const required = (await this.policyFor(tenantId)).requireCallerVerification;
    await this.sweep();
    let record: VerificationRecord | undefined;
    if (ref) {
      record = this.records.get(ref.id);
      if (!record || record.tenant.id !== tenantId || record.userId !== userId) {
        if (!required) return undefined;
        throw new AppError('forbidden', `That verification is not for this user in this tenant. ${notVerified(required)}`);
      }
    } else {
      record = liveFor(this.records.values(), tenantId, userId, this.now().getTime()) ?? latestFor(this.records.values(), tenantId, userId);
    }
    if (record && isLive(recordView(record), this.now().getTime())) return stampOf(record, this.now().getTime());
    if (!required) return undefined;
    if (record && record.verifiedAt !== undefined && (record.status === 'expired' || record.status === 'verified')) {
      throw new AppError('expired', 'The caller verification has expired (it lasts 10 minutes). Verify the caller again, then retry.');
    }
    throw new AppError('forbidden', notVerified(required));
  }

  /**
   * The directory service's change policy. Removing authenticators needs a verified caller (when
   * the tenant requires it); revoking sessions does not, but is stamped when a verification is live.
   * SECURITY: revoking sessions only signs the user out everywhere, which is what an agent must be
   * able to do at once for a user who may be under attack; it cannot hand anyone access.
   */
  changePolicy(): ChangePolicy {
    return {
      authorize: async (change) =>
        change.kind === 'sessions.revoke'
          ? ((await this.liveStamp(change.tenantId, change.userId)) ?? undefined)
          : this.cover(change.tenantId, change.userId, change.verification),
    };
  }

  /** The live verification's stamp for a user, or null. */
  async liveStamp(tenantId: string, userId: string): Promise<VerificationStamp | null> {
    await this.sweep();
    const record = liveFor(this.records.values(), tenantId, userId, this.now().getTime());
    return record ? stampOf(record, this.now().getTime()) : null;
  }

  /**
   * Who has a live verification in a tenant now. Contact disclosure asks (the one masking rule is
   * `policy/contact-rule.ts`, which also weighs the role and the policy).
   */
  async verifiedNow(tenantId: string): Promise<(userId: string) => boolean> {
    await this.sweep();
    const now = this.now().getTime();
    return (userId) => liveFor(this.records.values(), tenantId, userId, now) !== undefined;
  }

  /** Stops the expiry timers so the process can exit. */
  close(): void {
    this.closed = true;
    for (const record of this.records.values()) this.clearTimer(record);
  }

  // ---- internals ---------------------------------------------------------------------------

  private async succeed(record: VerificationRecord, extra: { verificationMethod?: string }): Promise<void> {
    const details = {
      verificationId: record.id,
      method: record.method,
      ...(record.target ? { target: record.target } : {}),
      ...(extra.verificationMethod ? { verificationMethod: extra.verificationMethod } : {}),
    };
    await this.verifyRecorded(record, 'verification.succeed', details, {
      revoked: 'The audit log could not record this check, so it does not count.',
      message: 'The caller passed the check, but the audit log could not record it, so it does not count.',
    });
  }

  /**
   * Marks the caller verified and records it in the audit log. A verification the log could not
   * record is revoked at once and the error thrown: it never counts unrecorded.
   */
  private async verifyRecorded(
    record: VerificationRecord,
    action: AuditAppend['action'],
    details: AuditAppend['details'],
    failed: { revoked: string; message: string },
  ): Promise<void> {
    this.markVerified(record);
    try {
      await this.audit.append({ action, tenant: record.tenant, subject: { userId: record.userId }, details, verification: stampOf(record, this.now().getTime()) });
    } catch (error) {
      this.revoke(record, failed.revoked);
      throw unrecordedError(error, failed.message);
    }
  }

  private markVerified(record: VerificationRecord): void {
    const now = this.now().getTime();
    record.status = 'verified';
    record.verifiedAt = now;
    record.expiresAt = now + this.lifetimeMs;
    record.failure = undefined;
    record.pendingUntil = undefined;
    if (!this.closed) {
      // The expiry is recorded when it happens, not only when someone next asks.
      record.timer = setTimeout(() => void this.sweep().catch(() => {}), this.lifetimeMs + 50);
      record.timer.unref();
    }
  }

  private revoke(record: VerificationRecord, failure: string): void {
    this.clearTimer(record);
    record.status = 'failed';
    record.failure = failure;
    record.expiresAt = undefined;
  }

  private clearTimer(record: VerificationRecord): void {
    if (record.timer) clearTimeout(record.timer);
    record.timer = undefined;
  }

  /** Marks ended what has ended (and records expiries once); forgets long-finished records. */
  private async sweep(): Promise<void> {
    const now = this.now().getTime();
    const expired: VerificationRecord[] = [];
    for (const record of this.records.values()) {
      if (record.status === 'verified' && record.expiresAt !== undefined && record.expiresAt <= now) {
        record.status = 'expired';
        this.clearTimer(record);
        expired.push(record);
      } else if (record.status === 'pending' && record.pendingUntil !== undefined && record.pendingUntil <= now) {
        record.status = 'expired';
        record.failure = record.method === 'prebuilt-ui' ? 'The challenge link expired before the user completed it. Create a new one.' : 'The code expired. Send a new one.';
        expired.push(record);
      } else if (record.status !== 'pending' && record.status !== 'verified' && now - record.startedAt > FORGET_AFTER_MS) {
        this.records.delete(record.id);
      }
    }
    for (const record of expired) {
      const wasVerified = record.verifiedAt !== undefined;
      await this.recordEnd(wasVerified ? 'verification.expire' : 'verification.fail', record, { reason: wasVerified ? 'lifetime-over' : 'not-completed-in-time' }, false);
    }
  }

  /** Appends the end of a verification; `each` allows one entry per event (wrong codes), else once. */
  private async recordEnd(
    action: 'verification.fail' | 'verification.expire',
    record: VerificationRecord,
    details: Record<string, string>,
    each: boolean,
  ): Promise<void> {
    if (!each) {
      if (record.endRecorded) return;
      record.endRecorded = true;
    }
    await this.audit
      .append({
        action,
        tenant: record.tenant,
        subject: { userId: record.userId },
        details: { verificationId: record.id, method: record.method, ...details },
        ...(record.verifiedAt !== undefined ? { verification: stampOf(record, this.now().getTime()) } : {}),
      })
      .catch(() => {
        // The verification is over whether or not the log took this entry; the start and success are recorded.
      });
  }

  private async pendingRecord(id: string): Promise<VerificationRecord> {
    await this.sweep();
    const record = this.recordOf(id);
    if (record.status !== 'pending') {
      throw new AppError(
        record.status === 'expired' ? 'expired' : 'conflict',
        record.status === 'verified' ? 'This caller is already verified.' : `This check is over (${record.status}). Start a new one.`,
      );
    }
    return record;
  }

  private recordOf(id: string): VerificationRecord {
    const record = this.records.get(id);
    if (!record) throw new AppError('not-found', 'That verification is not known (Authdesk may have restarted, which ends every verification). Verify the caller again.');
    return record;
  }

  private clock(): ChallengeClock {
    return { now: () => this.now().getTime(), linkLifetimeMs: this.linkLifetimeMs };
  }

  private requireTenant(): Promise<TenantInfo> {
    return requireActiveTenant(this.tenants);
  }
}
