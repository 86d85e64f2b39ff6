import { randomBytes } from 'node:crypto';
import type { VerificationStamp } from '@shared/domain/audit';
import {
  ENROLLMENT_LINK_LIFETIME_MS,
  GuidedCompletion,
  guidedMethodOptions,
  METHODS_UNKNOWN_NOTE,
  PASSKEY_UNAVAILABLE,
  PASSKEY_UNAVAILABLE_STEER,
  type EnrolledAuthenticator,
  type EnrollmentMode,
  type EnrollmentOptions,
  type EnrollmentView,
  type GuidedSession,
} from '@shared/domain/enrollment';
import { AppError, isAppError } from '@shared/errors';
import { CallTicketSink, requireTicketByPolicy, type AuditSink } from '../audit/ports';
import { fetchUserFacts, type UserFacts } from '../directory/ports';
import { requireActiveTenant, unrecordedError } from '../platform/service-guards';
import type { ConfiguredMethodsPort } from '../readiness/ports';
import type { TenantAccess, TenantInfo } from '../tenants/ports';
import type { EnrollmentHost, EnrollmentWindowHandle } from './enrollment-host';
import type { EnrollmentSettings, EnrollmentVerification } from './ports';
import { addedSince, endRecord, FORGET_AFTER_MS, guidedSession, newRecord, reattachView, recordView, type EnrollmentRecord } from './records';
import { enrollmentModes } from './offer';
import { confirmEnrollment, linkState, trackEnrollment } from './tenant-calls';

/**
 * Enrollment (issue #5): gets a user a first or another authenticator, after the caller is
 * verified (when the tenant's policy says so), three ways: Authsignal's pre-built UI in a
 * sandboxed window, Authdesk's guided page in a sandboxed window, or a pre-built UI link for the
 * user's own device. Main tracks the action, hands the user's token only to the window (or the
 * link), validates what comes back with the Server API, and decides what was added by comparing
 * the authenticator list before and after; the console is told the outcome, never trusted for it.
 *
 * SECURITY: tokens live in this process's memory only, for as long as their enrollment is open,
 * and are never logged, recorded or written anywhere.
 */

/** How the service is built. */
export interface EnrollmentServiceOptions {
  tenants: TenantAccess;
  audit: AuditSink;
  settings: EnrollmentSettings;
  verification: EnrollmentVerification;
  /** Opens sandboxed windows; absent in the CLI (only links then). */
  host?: EnrollmentHost | null;
  /** The tenant's switched-on methods: the guided page offers only those (all when absent or unknown). */
  configured?: ConfiguredMethodsPort | null;
  /** Extra https origins the policy grants enrollment windows (`allowedEnrollmentOrigins`). */
  grantedOrigins?: () => Promise<readonly string[]>;
  now?: () => Date;
  /** The least time between two tenant polls of one link. */
  minPollGapMs?: number;
  /** How long a link or window token lasts (Authsignal's token lifetime). */
  linkLifetimeMs?: number;
  /**
   * Where the pre-built UI is told to return. Never loaded: the window intercepts the navigation.
   * `.invalid` can never resolve (RFC 2606), so even a missed interception reaches no one.
   */
  redirectBase?: string;
}

/** The redirect target of pre-built UI windows (see {@link EnrollmentServiceOptions.redirectBase}). */
export const DEFAULT_REDIRECT_BASE = 'https://authdesk.invalid/enrollment/done';

const UNRECORDED_COMPLETION = 'The enrollment happened, but the audit log could not record it. Check the disk and the data folder.';

/** The enrollment service. */
export class EnrollmentService {
  private readonly tenants: TenantAccess;
  private readonly audit: CallTicketSink;
  private readonly settings: EnrollmentSettings;
  private readonly verification: EnrollmentVerification;
  private readonly host: EnrollmentHost | null;
  private readonly configured: ConfiguredMethodsPort | null;
  private readonly grantedOrigins: () => Promise<readonly string[]>;
  private readonly now: () => Date;
  private readonly minPollGapMs: number;
  private readonly lifetimeMs: number;
  private readonly redirectBase: string;
  private readonly records = new Map<string, EnrollmentRecord>();

  constructor(options: EnrollmentServiceOptions) {
    this.tenants = options.tenants;
    this.audit = new CallTicketSink(options.audit, 'enrollmentId');
    this.settings = options.settings;
    this.verification = options.verification;
    this.host = options.host ?? null;
    this.configured = options.configured ?? null;
    this.grantedOrigins = options.grantedOrigins ?? (() => Promise.resolve([]));
    this.now = options.now ?? (() => new Date());
    this.minPollGapMs = options.minPollGapMs ?? 1500;
    this.lifetimeMs = options.linkLifetimeMs ?? ENROLLMENT_LINK_LIFETIME_MS;
    this.redirectBase = (options.redirectBase ?? DEFAULT_REDIRECT_BASE).replace(/\/+$/, '');
  }

  // ---- what the console may offer ----------------------------------------------------------

  /** Which ways to enroll this user are open now, and why a closed one is closed. */
  async options(userId: string): Promise<EnrollmentOptions> {
    const tenant = await this.requireTenant();
    const [policy, { enrollmentActionCode }, facts] = await Promise.all([
      this.settings.policyFor(tenant.id),
      this.settings.get(),
      this.tenants.withClient((client) => fetchUserFacts(client, userId), tenant.id),
    ]);
    const stamp = await this.verification.liveStamp(tenant.id, userId);
    // The tenant's switched-on methods; null when unknown; undefined when no reader is wired (offer all, no note).
    const active = await this.configured?.activeFor(tenant.id);
    const methods = guidedMethodOptions(active ?? null);
    const enrolled = facts.authenticators.length > 0;
    const required = policy.requireCallerVerification;
    const current = [...this.records.values()].find((r) => r.tenant.id === tenant.id && r.userId === userId && r.status === 'open');
    return {
      userId,
      enrolled,
      verificationRequired: required,
      verification: stamp,
      actionCode: enrollmentActionCode,
      modes: enrollmentModes({ windows: this.host !== null, enrolled, stamp, required, methods }),
      webauthnInGuided: this.host ? this.host.guidedPage(tenant).webauthn : { available: false, reason: 'No enrollment window here.' },
      current: current ? reattachView(current) : null,
      methods,
      ...(active === null ? { methodsNote: METHODS_UNKNOWN_NOTE } : {}),
    };
  }

  // ---- starting one ------------------------------------------------------------------------

  /** Tracks the enrollment action and opens the window, or creates the link. */
  async start(userId: string, mode: EnrollmentMode, ticket?: string): Promise<EnrollmentView> {
    const tenant = await this.requireTenant();
    const auditTenant = { id: tenant.id, name: tenant.name };
    const id = `enr_${randomBytes(12).toString('base64url')}`;
    const launchAction = mode === 'link' ? ('enrollment.link-create' as const) : ('enrollment.launch' as const);
    let stamp: VerificationStamp | undefined;
    this.audit.set(id, ticket);
    try {
      requireTicketByPolicy(await this.settings.policyFor(tenant.id), ticket);
      // SECURITY: main decides from its own records whether the caller is verified.
      stamp = await this.verification.cover(tenant.id, userId);
      if (mode !== 'link' && !this.host) {
        throw new AppError('unavailable', 'Enrollment windows need the Authdesk desktop app. Send the user a link instead.');
      }
      const open = [...this.records.values()].find((r) => r.tenant.id === tenant.id && r.userId === userId && r.status === 'open');
      if (open) {
        throw new AppError('conflict', 'An enrollment is already open for this user. Finish or cancel it first.');
      }
      await this.audit.assertWritable();
    } catch (error) {
      await this.audit
        .append({ action: launchAction, tenant: auditTenant, subject: { userId }, details: { enrollmentId: id, mode }, error, verification: stamp })
        .catch(() => {});
      throw error;
    }

    const { enrollmentActionCode } = await this.settings.get();
    const now = this.now().getTime();
    const record = newRecord({ id, tenant, userId, mode, stamp, actionCode: enrollmentActionCode, startedAt: now, expiresAt: now + this.lifetimeMs });
    const details = (): Record<string, unknown> => ({
      enrollmentId: id,
      mode,
      actionCode: record.action.code,
      idempotencyKey: record.action.idempotencyKey,
      firstEnrollment: record.firstEnrollment,
    });

    let url: string;
    let token: string;
    let facts: UserFacts;
    try {
      ({ url, token, facts } = await this.tenants.withClient((client) => trackEnrollment(client, record, stamp, this.redirectBase), tenant.id));
    } catch (error) {
      await this.audit.append({ action: launchAction, tenant: auditTenant, subject: { userId }, details: details(), error, verification: stamp }).catch(() => {});
      throw error;
    }
    record.firstEnrollment = facts.authenticators.length === 0;
    record.before = new Set(facts.authenticators.map((a) => a.id));

    try {
      await this.audit.append({
        action: launchAction,
        tenant: auditTenant,
        subject: { userId },
        details: { ...details(), expiresAt: new Date(record.expiresAt).toISOString() },
        verification: stamp,
      });
    } catch (error) {
      // SECURITY: nothing opens unrecorded; the token is simply dropped.
      throw unrecordedError(error, 'The enrollment was not started: the audit log could not record it.');
    }
    this.records.set(id, record);
    if (mode === 'link') record.link = url;
    else record.grantedOrigins = await this.grantedOrigins();
    if (mode === 'prebuilt-window') this.openPrebuilt(record, url);
    if (mode === 'guided-window') this.openGuided(record, token, facts, await this.configured?.activeFor(tenant.id));
    return { ...recordView(record), ...(mode === 'link' ? { link: url } : {}) };
  }

  private openPrebuilt(record: EnrollmentRecord, url: string): void {
    const allowedOrigins = [new URL(url).origin, new URL(record.tenant.apiUrl).origin];
    this.openWindow(record, () =>
      this.host!.open({
        kind: 'prebuilt',
        url,
        allowedOrigins,
        grantedOrigins: record.grantedOrigins,
        redirectUrl: `${this.redirectBase}/${record.id}`,
        onRedirect: (token) => void this.finish(record, token).catch(() => {}),
        onClosed: () => void this.closed(record),
        title: 'Enroll an authenticator (pre-built UI)',
      }),
    );
  }

  private openGuided(record: EnrollmentRecord, token: string, facts: UserFacts, active: ReadonlySet<string> | null | undefined): void {
    const page = this.host!.guidedPage(record.tenant);
    record.session = guidedSession(record, token, facts, page.webauthn, active);
    this.openWindow(record, () =>
      this.host!.open({
        kind: 'guided',
        url: page.url,
        allowedOrigins: [page.origin, new URL(record.tenant.apiUrl).origin],
        grantedOrigins: record.grantedOrigins,
        bridge: {
          session: () => this.sessionFor(record),
          complete: (result) => this.complete(record, result),
          cancel: (reason) => this.cancelRecord(record, reason.slice(0, 100) || 'cancelled'),
        },
        onClosed: () => void this.closed(record),
        title: 'Enroll an authenticator (guided)',
      }),
    );
  }

  private openWindow(record: EnrollmentRecord, open: () => EnrollmentWindowHandle): void {
    try {
      record.window = open();
    } catch (error) {
      endRecord(record, this.now().getTime(), 'failed', 'The enrollment window could not open. Try again, or send the user a link.');
      void this.audit
        .append({ action: 'enrollment.fail', tenant: record.auditTenant, subject: { userId: record.userId }, details: { enrollmentId: record.id, reason: 'window-failed' }, error, verification: record.stamp })
        .catch(() => {});
      throw error;
    }
  }

  // ---- the windows' callbacks ----------------------------------------------------------------

  private sessionFor(record: EnrollmentRecord): GuidedSession {
    // Stryker disable next-line ConditionalExpression: endRecord drops the session whenever the status leaves open, so !record.session alone already refuses an ended enrollment (the status test is belt and braces)
    if (record.status !== 'open' || !record.session) throw new AppError('conflict', 'This enrollment is over. Close this window.');
    if (this.now().getTime() >= record.expiresAt) throw new AppError('expired', 'This enrollment expired. Close this window and start again from the console.');
    return record.session;
  }

  /** The guided page reports success: validated with the Server API and the authenticator list. */
  private async complete(record: EnrollmentRecord, raw: unknown): Promise<{ added: EnrolledAuthenticator[] }> {
    const parsed = GuidedCompletion.safeParse(raw);
    if (!parsed.success) throw new AppError('validation', 'The page sent an unexpected result. Close this window and start again.');
    const view = await this.finish(record, parsed.data.token, { keepOpenOnFailure: true });
    if (view.status !== 'completed') throw new AppError('conflict', view.failure ?? 'The enrollment could not be confirmed.');
    return { added: view.added };
  }

  /**
   * Confirms an enrollment from the token the window returned: the token must validate with the
   * Server API for this user and this action, and the user must now have an authenticator they did
   * not have before. Records the outcome and closes the window.
   */
  private finish(record: EnrollmentRecord, token: string | null, options: { keepOpenOnFailure?: boolean } = {}): Promise<EnrollmentView> {
    const run = (record.finishing ?? Promise.resolve()).then(() => this.finishNow(record, token, options));
    record.finishing = run.catch(() => {});
    return run;
  }

  private async finishNow(record: EnrollmentRecord, token: string | null, options: { keepOpenOnFailure?: boolean }): Promise<EnrollmentView> {
    if (record.status !== 'open') return recordView(record);
    let added: EnrolledAuthenticator[] = [];
    let problem: string | null = null;
    let failure: unknown;
    let verificationMethod: string | undefined;
    try {
      ({ added, problem, verificationMethod } = await this.tenants.withClient((client) => confirmEnrollment(client, record, token), record.tenant.id));
      if (!problem && added.length === 0) problem = 'The user finished without adding an authenticator.';
    } catch (error) {
      failure = error;
      // Stryker disable next-line StringLiteral: the tenant access maps every error of a call to an AppError (withAuthsignal), so this fallback is for a TenantAccess that does not
      problem = isAppError(error) ? error.message : 'The enrollment could not be confirmed.';
    }
    if (record.status !== 'open') return recordView(record);
    const base = { tenant: record.auditTenant, subject: { userId: record.userId }, verification: record.stamp };
    if (problem) {
      await this.audit
        .append({
          ...base,
          action: 'enrollment.fail',
          details: { enrollmentId: record.id, mode: record.mode, reason: problem },
          error: failure ?? new AppError('conflict', problem),
        })
        .catch(() => {});
      if (!options.keepOpenOnFailure) {
        endRecord(record, this.now().getTime(), 'failed', problem);
        record.window?.close();
      }
      return { ...recordView(record), failure: problem };
    }
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: finish() runs one finishNow at a time per record (record.finishing), and the one before has ended it, so this guard (shared with the link poll) never decides here
    if (record.completing) return recordView(record);
    // Stryker disable next-line BooleanLiteral: read only by the guard above and the link poll, which a window never reaches
    record.completing = true;
    // The record is on disk before the enrollment reads as completed anywhere.
    const recorded = await this.audit
      .append({
        ...base,
        action: 'enrollment.complete',
        details: {
          enrollmentId: record.id,
          mode: record.mode,
          firstEnrollment: record.firstEnrollment,
          added: added.map((a) => ({ id: a.id, method: a.method })),
          ...(verificationMethod ? { verificationMethod } : {}),
        },
      })
      .then(() => true, () => false);
    endRecord(record, this.now().getTime(), 'completed', recorded ? undefined : UNRECORDED_COMPLETION);
    record.added = added;
    record.window?.close();
    return recordView(record);
  }

  private async closed(record: EnrollmentRecord): Promise<void> {
    record.window = undefined;
    await record.finishing;
    if (record.status === 'open') await this.cancelRecord(record, 'window-closed');
  }

  private async cancelRecord(record: EnrollmentRecord, reason: string): Promise<null> {
    if (record.status !== 'open') return null;
    endRecord(record, this.now().getTime(), 'cancelled', reason === PASSKEY_UNAVAILABLE ? PASSKEY_UNAVAILABLE_STEER : undefined);
    record.window?.close();
    await this.audit
      .append({
        action: 'enrollment.cancel',
        tenant: record.auditTenant,
        subject: { userId: record.userId },
        details: { enrollmentId: record.id, mode: record.mode, reason },
        verification: record.stamp,
      })
      .catch(() => {});
    return null;
  }

  // ---- the console's checks ----------------------------------------------------------------

  /** The state of an enrollment; an open link is checked with the tenant (throttled). */
  async check(id: string): Promise<EnrollmentView> {
    const record = this.recordOf(id);
    this.forgetOld();
    if (record.status === 'open' && record.mode === 'link') await this.pollLink(record);
    return recordView(record);
  }

  private async pollLink(record: EnrollmentRecord): Promise<void> {
    const now = this.now().getTime();
    if (now >= record.expiresAt) {
      endRecord(record, this.now().getTime(), 'expired', 'The link expired before the user finished. Create a new one if they still need it.');
      await this.audit
        .append({
          action: 'enrollment.fail',
          tenant: record.auditTenant,
          subject: { userId: record.userId },
          details: { enrollmentId: record.id, mode: record.mode, reason: 'link-expired' },
          error: new AppError('expired', 'The link expired before the user finished.'),
          verification: record.stamp,
        })
        .catch(() => {});
      return;
    }
    if (record.lastPolledAt !== undefined && now - record.lastPolledAt < this.minPollGapMs) return;
    record.lastPolledAt = now;
    const { state, facts } = await this.tenants.withClient((client) => linkState(client, record), record.tenant.id);
    if (record.status !== 'open') return;
    const added = addedSince(record, facts);
    if (added.length > 0) {
      if (record.completing) return;
      record.completing = true;
      // The record is on disk before the enrollment reads as completed anywhere.
      const recorded = await this.audit
        .append({
          action: 'enrollment.complete',
          tenant: record.auditTenant,
          subject: { userId: record.userId },
          details: { enrollmentId: record.id, mode: record.mode, firstEnrollment: record.firstEnrollment, added: added.map((a) => ({ id: a.id, method: a.method })), actionState: state ?? null },
          verification: record.stamp,
        })
        .then(() => true, () => false);
      endRecord(record, this.now().getTime(), 'completed', recorded ? undefined : UNRECORDED_COMPLETION);
      record.added = added;
    } else if (state === 'CHALLENGE_FAILED' || state === 'BLOCK') {
      endRecord(record, this.now().getTime(), 'failed', `The tenant ended the user's attempt (${state}). Create a new link if they still need one.`);
      await this.audit
        .append({
          action: 'enrollment.fail',
          tenant: record.auditTenant,
          subject: { userId: record.userId },
          details: { enrollmentId: record.id, mode: record.mode, reason: 'challenge-failed', actionState: state },
          error: new AppError('forbidden', `The tenant ended the attempt (${state}).`),
          verification: record.stamp,
        })
        .catch(() => {});
    } else {
      record.progress = state === 'CHALLENGE_SUCCEEDED' ? 'challenge-passed' : 'waiting';
    }
  }

  /** Closes the window, or stops watching a link (which stays usable until it expires). */
  async cancel(id: string): Promise<EnrollmentView> {
    const record = this.recordOf(id);
    await this.cancelRecord(record, 'cancelled-by-agent');
    return recordView(record);
  }

  /** Closes every window and drops every token (shutdown). */
  close(): void {
    for (const record of this.records.values()) {
      record.session = undefined;
      record.window?.close();
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  private forgetOld(): void {
    const now = this.now().getTime();
    for (const record of this.records.values()) {
      if (record.status !== 'open' && record.endedAt !== undefined && now - record.endedAt > FORGET_AFTER_MS) this.records.delete(record.id);
    }
  }

  private recordOf(id: string): EnrollmentRecord {
    const record = this.records.get(id);
    if (!record) throw new AppError('not-found', 'That enrollment is not known (Authdesk may have restarted). Start it again.');
    return record;
  }

  private requireTenant(): Promise<TenantInfo> {
    return requireActiveTenant(this.tenants);
  }
}
