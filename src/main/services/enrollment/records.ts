import { randomUUID } from 'node:crypto';
import type { AuditTenant, VerificationStamp } from '@shared/domain/audit';
import type { AuthenticatorView } from '@shared/domain/authenticator-view';
import {
  guidedMethodOptions,
  METHODS_UNKNOWN_NOTE,
  type EnrolledAuthenticator,
  type EnrollmentMode,
  type EnrollmentStatus,
  type EnrollmentView,
  type GuidedSession,
} from '@shared/domain/enrollment';
import { userLabel } from '@shared/lib/user-format';
import type { UserFacts } from '../directory/ports';
import type { TenantInfo } from '../tenants/ports';
import type { EnrollmentWindowHandle, GuidedPageLocation } from './enrollment-host';

/**
 * One enrollment as main holds it, and how it reads from outside.
 * SECURITY: records (and the tokens in their sessions) live in the service's memory only.
 */

export interface EnrollmentRecord {
  id: string;
  /** Set while a completion is being recorded, so a second path (poll vs redirect) cannot complete it again. */
  completing?: boolean;
  tenant: TenantInfo;
  auditTenant: AuditTenant;
  /** Extra origins the policy lets this enrollment's window load. */
  grantedOrigins?: readonly string[];
  userId: string;
  mode: EnrollmentMode;
  status: EnrollmentStatus;
  firstEnrollment: boolean;
  startedAt: number;
  expiresAt: number;
  endedAt?: number;
  action: { code: string; idempotencyKey: string };
  /** Authenticator ids the user had at the start. */
  before: Set<string>;
  added: EnrolledAuthenticator[];
  stamp?: VerificationStamp;
  /** SECURITY: the guided page's session (with the token); dropped when the enrollment ends. */
  session?: GuidedSession;
  window?: EnrollmentWindowHandle;
  progress?: 'waiting' | 'challenge-passed';
  /**
   * SECURITY: link mode, while open: the link (with the user's short-lived token) so a reloaded
   * console can show its QR code again instead of sending a new one (issue #14 point 6). Memory
   * only, dropped when the enrollment ends; it only ever goes to the console that may see it.
   */
  link?: string;
  lastPolledAt?: number;
  failure?: string;
  /** One completion at a time (a redirect and a complete call could race). */
  finishing?: Promise<unknown>;
}

/** Ended enrollments are forgotten after this long. */
export const FORGET_AFTER_MS = 60 * 60 * 1000;

/** What a new enrollment starts from. */
export interface NewEnrollment {
  id: string;
  tenant: TenantInfo;
  userId: string;
  mode: EnrollmentMode;
  stamp: VerificationStamp | undefined;
  actionCode: string;
  startedAt: number;
  expiresAt: number;
}

/** An open enrollment, with a fresh idempotency key for its action. */
export function newRecord({ actionCode, ...n }: NewEnrollment): EnrollmentRecord {
  return {
    ...n,
    auditTenant: { id: n.tenant.id, name: n.tenant.name },
    status: 'open',
    firstEnrollment: false,
    action: { code: actionCode, idempotencyKey: randomUUID() },
    before: new Set(),
    added: [],
    progress: n.mode === 'link' ? 'waiting' : undefined,
  };
}

/** The console's view of an enrollment (never the token). */
export function recordView(record: EnrollmentRecord): EnrollmentView {
  return {
    id: record.id,
    userId: record.userId,
    mode: record.mode,
    status: record.status,
    firstEnrollment: record.firstEnrollment,
    startedAt: new Date(record.startedAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    endedAt: record.endedAt === undefined ? undefined : new Date(record.endedAt).toISOString(),
    progress: record.status === 'open' ? record.progress : undefined,
    added: record.added,
    failure: record.failure,
    verification: record.stamp,
  };
}

/** Authenticators the user has now and did not have at the start. */
export function addedSince(record: EnrollmentRecord, facts: UserFacts): EnrolledAuthenticator[] {
  return facts.authenticators.filter((a) => !record.before.has(a.id)).map((a: AuthenticatorView) => ({ id: a.id, method: a.method, name: a.nameSource === 'contact' ? a.methodLabel : a.name }));
}

/** Ends an enrollment. */
export function endRecord(record: EnrollmentRecord, now: number, status: Exclude<EnrollmentStatus, 'open'>, failure?: string): void {
  record.status = status;
  record.endedAt = now;
  record.failure = failure;
  record.progress = undefined;
  // SECURITY: the token is no use once the enrollment is over; drop it at once.
  record.session = undefined;
  record.link = undefined;
}

/** An open enrollment as a reloaded console re-attaches to it: with its link while that is open. */
export function reattachView(record: EnrollmentRecord): EnrollmentView {
  const view = recordView(record);
  return record.status === 'open' && record.link ? { ...view, link: record.link } : view;
}

/**
 * The guided page's session: the user, the token and the methods this window can offer, which are
 * those the tenant has switched on (`active`; null when unknown: all, with a note).
 */
export function guidedSession(
  record: EnrollmentRecord,
  token: string,
  facts: UserFacts,
  webauthn: GuidedPageLocation['webauthn'],
  active: ReadonlySet<string> | null | undefined,
): GuidedSession {
  const p = facts.profile;
  return {
    sessionId: record.id,
    token,
    tenantId: record.tenant.tenantId,
    baseUrl: record.tenant.apiUrl,
    user: {
      userId: record.userId,
      label: userLabel(p),
      username: p.username ?? p.email ?? record.userId,
      email: p.email,
      phoneNumber: p.phoneNumber,
    },
    firstEnrollment: record.firstEnrollment,
    methods: guidedMethodOptions(active ?? null, webauthn),
    ...(active === null ? { methodsNote: METHODS_UNKNOWN_NOTE } : {}),
    expiresAt: new Date(record.expiresAt).toISOString(),
    localTenant: record.tenant.kind === 'local',
  };
}
