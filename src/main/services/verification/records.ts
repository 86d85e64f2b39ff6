import { randomBytes } from 'node:crypto';
import type { AuditTenant, VerificationStamp } from '@shared/domain/audit';
import { isLive, type CallerVerificationMethod, type VerificationStatus, type VerificationView } from '@shared/domain/verification';

/**
 * One caller verification as main holds it, and how it reads from outside: the console's view,
 * the audit stamp, and the latest or live one for a user.
 * SECURITY: records live in the service's memory only (see verification.service.ts).
 */

export interface VerificationRecord {
  id: string;
  tenant: AuditTenant;
  userId: string;
  method: CallerVerificationMethod;
  status: VerificationStatus;
  target?: string;
  startedAt: number;
  verifiedAt?: number;
  expiresAt?: number;
  pendingUntil?: number;
  /** SECURITY: the tenant's challenge id stays in main, so the console cannot point a check elsewhere. */
  challengeId?: string;
  /** The tracked action a challenge link completes. */
  action?: { code: string; idempotencyKey: string };
  lastPolledAt?: number;
  failure?: string;
  /** The end (expiry or early end) is recorded once. */
  endRecorded: boolean;
  timer?: NodeJS.Timeout;
}

/** Finished verifications are forgotten after this long (the audit log keeps their story). */
export const FORGET_AFTER_MS = 60 * 60 * 1000;

/** The console's view of a record (no challenge id, no address). */
export function recordView(record: VerificationRecord): VerificationView {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    id: record.id,
    userId: record.userId,
    tenantId: record.tenant.id,
    method: record.method,
    status: record.status,
    target: record.target,
    startedAt: new Date(record.startedAt).toISOString(),
    verifiedAt: iso(record.verifiedAt),
    expiresAt: iso(record.expiresAt),
    pendingUntil: record.status === 'pending' ? iso(record.pendingUntil) : undefined,
    failure: record.failure,
  };
}

/** The stamp audit entries covered by this verification carry. */
export function stampOf(record: VerificationRecord, now: number): VerificationStamp {
  return { id: record.id, method: record.method, expiresAt: new Date(record.expiresAt ?? now).toISOString() };
}

/** The newest verification of a user, whatever its state. */
export function latestFor(records: Iterable<VerificationRecord>, tenantId: string, userId: string): VerificationRecord | undefined {
  let latest: VerificationRecord | undefined;
  for (const record of records) {
    if (record.tenant.id === tenantId && record.userId === userId && (!latest || record.startedAt >= latest.startedAt)) latest = record;
  }
  return latest;
}

/** The live verification of a user that lasts longest, if any. */
export function liveFor(records: Iterable<VerificationRecord>, tenantId: string, userId: string, now: number): VerificationRecord | undefined {
  let live: VerificationRecord | undefined;
  for (const record of records) {
    // Stryker disable next-line EqualityOperator: two live verifications ending at the same millisecond cover the same; either may stamp
    if (record.tenant.id === tenantId && record.userId === userId && isLive(recordView(record), now) && (!live || record.expiresAt! > live.expiresAt!)) {
      live = record;
    }
  }
  return live;
}

/** A new pending verification of `userId` in `tenant`. */
export function newRecord(tenant: { id: string; name: string }, userId: string, method: CallerVerificationMethod, now: number): VerificationRecord {
  return { id: `ver_${randomBytes(12).toString('base64url')}`, tenant: { id: tenant.id, name: tenant.name }, userId, method, status: 'pending', startedAt: now, endRecorded: false };
}

/** Cancels the user's pending checks that `newer` replaces (their end is not recorded: the start of `newer` is). */
export function supersedePending(records: Iterable<VerificationRecord>, newer: VerificationRecord): void {
  for (const record of records) {
    if (record !== newer && record.tenant.id === newer.tenant.id && record.userId === newer.userId && record.status === 'pending') {
      record.status = 'cancelled';
      record.failure = 'A newer check replaced this one.';
      record.endRecorded = true;
    }
  }
}
