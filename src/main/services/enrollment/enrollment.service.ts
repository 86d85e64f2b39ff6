import { randomBytes, randomUUID } from 'node:crypto';
import type { Authsignal } from '@authsignal/node';
import type { AuditTenant, VerificationStamp } from '@shared/domain/audit';
import type { AuthenticatorView } from '@shared/domain/authenticator-view';
import {
  ENROLLMENT_LINK_LIFETIME_MS,
  GUIDED_METHODS,
  GuidedCompletion,
  type EnrolledAuthenticator,
  type EnrollmentMode,
  type EnrollmentModeAvailability,
  type EnrollmentOptions,
  type EnrollmentStatus,
  type EnrollmentView,
  type GuidedSession,
} from '@shared/domain/enrollment';
import type { TenantPolicy } from '@shared/domain/settings';
import { userLabel } from '@shared/lib/user-format';
import { AppError, isAppError } from '@shared/errors';
import type { EnrollmentHost, EnrollmentWindowHandle } from './enrollment-host';
import type { AuditSink } from '../audit/ports';
import { fetchUserFacts, type UserFacts } from '../directory/ports';
import { pathSegment } from '../platform/authsignal-client';
import type { TenantAccess, TenantInfo } from '../tenants/ports';
import { requireActiveTenant, unrecordedError } from '../platform/service-guards';

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

/** What the service needs from settings (SettingsService fits). */
export interface EnrollmentSettings {
  get(): Promise<{ enrollmentActionCode: string }>;
  policyFor(tenantId: string): Promise<TenantPolicy>;
}

/** What the service needs from caller verification (VerificationService fits). */
export interface EnrollmentVerification {
  cover(tenantId: string, userId: string): Promise<VerificationStamp | undefined>;
  liveStamp(tenantId: string, userId: string): Promise<VerificationStamp | null>;
}

/** How the service is built. */
export interface EnrollmentServiceOptions {
  tenants: TenantAccess;
  audit: AuditSink;
  settings: EnrollmentSettings;
  verification: EnrollmentVerification;
  /** Opens sandboxed windows; absent in the CLI (only links then). */
  host?: EnrollmentHost | null;
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

const WEBAUTHN_METHODS = new Set(['PASSKEY', 'SECURITY_KEY']);

const UNRECORDED_COMPLETION = 'The enrollment happened, but the audit log could not record it. Check the disk and the data folder.';

interface EnrollmentRecord {
  id: string;
  /** Set while a completion is being recorded, so a second path (poll vs redirect) cannot complete it again. */
  completing?: boolean;
  tenant: TenantInfo;
  auditTenant: AuditTenant;
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
  lastPolledAt?: number;
  failure?: string;
  /** One completion at a time (a redirect and a complete call could race). */
  finishing?: Promise<unknown>;
}

/** Ended enrollments are forgotten after this long. */
const FORGET_AFTER_MS = 60 * 60 * 1000;

/** The enrollment service. */
export class EnrollmentService {
  private readonly tenants: TenantAccess;
  private readonly audit: AuditSink;
  private readonly settings: EnrollmentSettings;
  private readonly verification: EnrollmentVerification;
  private readonly host: EnrollmentHost | null;
  private readonly now: () => Date;
  private readonly minPollGapMs: number;
  private readonly lifetimeMs: number;
  private readonly redirectBase: string;
  private readonly records = new Map<string, EnrollmentRecord>();

  constructor(options: EnrollmentServiceOptions) {
    this.tenants = options.tenants;
    this.audit = options.audit;
    this.settings = options.settings;
    this.verification = options.verification;
    this.host = options.host ?? null;
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
    const enrolled = facts.authenticators.length > 0;
    const required = policy.requireCallerVerification;
    const verifyFirst: EnrollmentModeAvailability | null =
      required && !stamp ? { available: false, reason: 'Verify the caller first: this tenant requires it before enrolling.' } : null;
    const windows: EnrollmentModeAvailability = this.host
      ? { available: true }
      : { available: false, reason: 'Enrollment windows need the Authdesk desktop app. Send the user a link instead.' };
    const guided: EnrollmentModeAvailability =
      enrolled && !stamp
        ? {
            available: false,
            reason:
              'The guided page needs a token that may add authenticators, which Authdesk issues only for a verified caller. Verify the caller, or use the pre-built UI, where the user passes a challenge first.',
          }
        : windows;
    const current = [...this.records.values()].find((r) => r.tenant.id === tenant.id && r.userId === userId && r.status === 'open');
    return {
      userId,
      enrolled,
      verificationRequired: required,
      verification: stamp,
      actionCode: enrollmentActionCode,
      modes: {
        'prebuilt-window': verifyFirst ?? windows,
        'guided-window': verifyFirst ?? guided,
        link: verifyFirst ?? { available: true },
      },
      webauthnInGuided: this.host ? this.host.guidedPage(tenant).webauthn : { available: false, reason: 'No enrollment window here.' },
      current: current ? this.view(current) : null,
    };
  }

  // ---- starting one ------------------------------------------------------------------------

  /** Tracks the enrollment action and opens the window, or creates the link. */
  async start(userId: string, mode: EnrollmentMode): Promise<EnrollmentView> {
    const tenant = await this.requireTenant();
    const auditTenant = { id: tenant.id, name: tenant.name };
    const id = `enr_${randomBytes(12).toString('base64url')}`;
    const launchAction = mode === 'link' ? ('enrollment.link-create' as const) : ('enrollment.launch' as const);
    let stamp: VerificationStamp | undefined;
    try {
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
        .append({ action: launchAction, tenant: auditTenant, subject: { userId }, details: { mode }, error, verification: stamp })
        .catch(() => {});
      throw error;
    }

    const { enrollmentActionCode } = await this.settings.get();
    const record: EnrollmentRecord = {
      id,
      tenant,
      auditTenant,
      userId,
      mode,
      status: 'open',
      firstEnrollment: false,
      startedAt: this.now().getTime(),
      expiresAt: this.now().getTime() + this.lifetimeMs,
      action: { code: enrollmentActionCode, idempotencyKey: randomUUID() },
      before: new Set(),
      added: [],
      stamp,
      progress: mode === 'link' ? 'waiting' : undefined,
    };
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
      ({ url, token, facts } = await this.tenants.withClient(async (client) => {
        const fresh = await fetchUserFacts(client, userId);
        const enrolled = fresh.authenticators.length > 0;
        if (mode === 'guided-window' && enrolled && !stamp) {
          // SECURITY: a token scoped add:authenticators skips Authsignal's binding rule, so Authdesk
          // hands one out only when it has itself verified the caller.
          throw new AppError(
            'forbidden',
            'The guided page needs a token that may add authenticators, which Authdesk issues only for a verified caller. Verify the caller, or use the pre-built UI, where the user passes a challenge first.',
          );
        }
        const tracked = await client.track({
          userId: pathSegment(userId),
          action: record.action.code,
          attributes: {
            // Makes a retried track (the SDK retries connection failures) address the same action.
            idempotencyKey: record.action.idempotencyKey,
            ...(mode === 'prebuilt-window' ? { redirectUrl: `${this.redirectBase}/${id}` } : {}),
            // The binding rule: an enrolled user passes a challenge first, then adds in settings.
            ...(mode !== 'guided-window' && enrolled ? { redirectToSettings: true } : {}),
            ...(mode === 'guided-window' && enrolled ? { scope: 'add:authenticators' } : {}),
            ...(fresh.profile.emailVerified && fresh.profile.email ? { email: fresh.profile.email } : {}),
            ...(fresh.profile.phoneNumberVerified && fresh.profile.phoneNumber ? { phoneNumber: fresh.profile.phoneNumber } : {}),
          },
        });
        if (typeof tracked?.token !== 'string' || typeof tracked.url !== 'string') {
          throw new AppError('unavailable', 'The tenant did not return an enrollment token. Try again.');
        }
        return { url: tracked.url, token: tracked.token, facts: fresh };
      }, tenant.id));
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
      throw this.unrecorded(error, 'The enrollment was not started: the audit log could not record it.');
    }
    this.records.set(id, record);
    if (mode === 'prebuilt-window') this.openPrebuilt(record, url);
    if (mode === 'guided-window') this.openGuided(record, token, facts);
    return { ...this.view(record), ...(mode === 'link' ? { link: url } : {}) };
  }

  private openPrebuilt(record: EnrollmentRecord, url: string): void {
    const allowedOrigins = [new URL(url).origin, new URL(record.tenant.apiUrl).origin];
    this.openWindow(record, () =>
      this.host!.open({
        kind: 'prebuilt',
        url,
        allowedOrigins,
        redirectUrl: `${this.redirectBase}/${record.id}`,
        onRedirect: (token) => void this.finish(record, token).catch(() => {}),
        onClosed: () => void this.closed(record),
        title: 'Enroll an authenticator (pre-built UI)',
      }),
    );
  }

  private openGuided(record: EnrollmentRecord, token: string, facts: UserFacts): void {
    const page = this.host!.guidedPage(record.tenant);
    const webauthn = page.webauthn;
    const p = facts.profile;
    record.session = {
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
      methods: GUIDED_METHODS.map((method) =>
        WEBAUTHN_METHODS.has(method) && !webauthn.available ? { method, available: false, reason: webauthn.reason } : { method, available: true },
      ),
      expiresAt: new Date(record.expiresAt).toISOString(),
      localTenant: record.tenant.kind === 'local',
    };
    this.openWindow(record, () =>
      this.host!.open({
        kind: 'guided',
        url: page.url,
        allowedOrigins: [page.origin, new URL(record.tenant.apiUrl).origin],
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
      this.end(record, 'failed', 'The enrollment window could not open. Try again, or send the user a link.');
      void this.audit
        .append({ action: 'enrollment.fail', tenant: record.auditTenant, subject: { userId: record.userId }, details: { enrollmentId: record.id, reason: 'window-failed' }, error, verification: record.stamp })
        .catch(() => {});
      throw error;
    }
  }

  // ---- the windows' callbacks ----------------------------------------------------------------

  private sessionFor(record: EnrollmentRecord): GuidedSession {
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
    if (record.status !== 'open') return this.view(record);
    let added: EnrolledAuthenticator[] = [];
    let problem: string | null = null;
    let failure: unknown;
    let verificationMethod: string | undefined;
    try {
      ({ added, problem, verificationMethod } = await this.tenants.withClient(async (client) => {
        if (!token) return { added: [], problem: 'The enrollment page returned without a token, so nothing can be confirmed.', verificationMethod: undefined };
        const result = await client.validateChallenge({ token });
        const mismatch =
          result.userId !== record.userId ||
          (result.action !== undefined && result.action !== record.action.code) ||
          (result.idempotencyKey !== undefined && result.idempotencyKey !== record.action.idempotencyKey);
        if (!result.isValid || mismatch) {
          return {
            added: [],
            problem: mismatch
              ? 'The token that came back belongs to another user or action; nothing is accepted from it.'
              : `The tenant did not confirm the enrollment (${result.state ?? 'invalid token'}).`,
            verificationMethod: undefined,
          };
        }
        return { added: this.diff(record, await fetchUserFacts(client, record.userId)), problem: null, verificationMethod: result.verificationMethod };
      }, record.tenant.id));
      if (!problem && added.length === 0) problem = 'The user finished without adding an authenticator.';
    } catch (error) {
      failure = error;
      problem = isAppError(error) ? error.message : 'The enrollment could not be confirmed.';
    }
    if (record.status !== 'open') return this.view(record);
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
        this.end(record, 'failed', problem);
        record.window?.close();
      }
      return { ...this.view(record), failure: problem };
    }
    if (record.completing) return this.view(record);
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
    this.end(record, 'completed', recorded ? undefined : UNRECORDED_COMPLETION);
    record.added = added;
    record.window?.close();
    return this.view(record);
  }

  private diff(record: EnrollmentRecord, facts: UserFacts): EnrolledAuthenticator[] {
    return facts.authenticators.filter((a) => !record.before.has(a.id)).map((a: AuthenticatorView) => ({ id: a.id, method: a.method, name: a.nameSource === 'contact' ? a.methodLabel : a.name }));
  }

  private async closed(record: EnrollmentRecord): Promise<void> {
    record.window = undefined;
    await record.finishing;
    if (record.status === 'open') await this.cancelRecord(record, 'window-closed');
  }

  private async cancelRecord(record: EnrollmentRecord, reason: string): Promise<null> {
    if (record.status !== 'open') return null;
    this.end(record, 'cancelled');
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
    return this.view(record);
  }

  private async pollLink(record: EnrollmentRecord): Promise<void> {
    const now = this.now().getTime();
    if (now >= record.expiresAt) {
      this.end(record, 'expired', 'The link expired before the user finished. Create a new one if they still need it.');
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
    const { state, facts } = await this.tenants.withClient(async (client: Authsignal) => {
      const [action, fresh] = await Promise.all([
        client.getAction({ userId: pathSegment(record.userId), action: record.action.code, idempotencyKey: record.action.idempotencyKey }),
        fetchUserFacts(client, record.userId),
      ]);
      const state: string | undefined = action?.state;
      return { state, facts: fresh };
    }, record.tenant.id);
    if (record.status !== 'open') return;
    const added = this.diff(record, facts);
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
      this.end(record, 'completed', recorded ? undefined : UNRECORDED_COMPLETION);
      record.added = added;
    } else if (state === 'CHALLENGE_FAILED' || state === 'BLOCK') {
      this.end(record, 'failed', `The tenant ended the user's attempt (${state}). Create a new link if they still need one.`);
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
    return this.view(record);
  }

  /** Closes every window and drops every token (shutdown). */
  close(): void {
    for (const record of this.records.values()) {
      record.session = undefined;
      record.window?.close();
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  private end(record: EnrollmentRecord, status: Exclude<EnrollmentStatus, 'open'>, failure?: string): void {
    record.status = status;
    record.endedAt = this.now().getTime();
    record.failure = failure;
    record.progress = undefined;
    // SECURITY: the token is no use once the enrollment is over; drop it at once.
    record.session = undefined;
  }

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

  private view(record: EnrollmentRecord): EnrollmentView {
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

  private requireTenant(): Promise<TenantInfo> {
    return requireActiveTenant(this.tenants);
  }

  private unrecorded(error: unknown, message: string): AppError {
    return unrecordedError(error, message);
  }
}
