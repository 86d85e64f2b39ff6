import type { Authsignal } from '@authsignal/node';
import type { AuditEntry, VerificationStamp } from '@shared/domain/audit';
import { assessRemoval, describeRemovalWarning, type AuthenticatorView, type RemovalWarning } from '@shared/domain/authenticator-view';
import { ACTION_WINDOW_DAYS, type RecentUser, type UserDetail } from '@shared/domain/user';
import { AppError, isAppError } from '@shared/errors';
import type { z } from 'zod';
import type { RemovalResult, RemoveAllAuthenticatorsInput, RemoveAuthenticatorInput } from '@shared/ipc/channels/authenticators';
import type { RevokeSessionsInput, UserSearchInput, UserSearchResult } from '@shared/ipc/channels/users';
import { recognizeQuery, regionFromLocale } from '@shared/lib/query';
import type { AuditAppendInput, AuditSink } from '../audit/ports';
import { mapAuthsignalError, pathSegment } from '../platform/authsignal-client';
import { ContactMasking } from './contact-masking';
import { disclosesNoOne, unverifiedChangePolicy, type ChangeKind, type ChangePolicy, type ContactDisclosure } from './ports';
import { errorInfoOf, mergeLookups, RecordedLookups, runLookup, Superseded, untilAborted } from './lookups';
import { orderActions, orderAuthenticators, toActionView, toAuthenticatorView } from './sdk-converters';
import { fetchProfile } from './user-facts';
import { RecentUsers } from './recent-users';
import type { TenantAccess, TenantInfo } from '../tenants/ports';
import { requireActiveTenant } from '../platform/service-guards';

/**
 * The helpdesk's directory: find users, show one user whole, and make the few changes an agent may
 * make (remove authenticators, revoke sessions). Every lookup and every change is recorded in the
 * audit log before its answer is returned; a log that cannot record stops the action (fail closed).
 */

/** How the directory service is built. */
export interface DirectoryServiceOptions {
  tenants: TenantAccess;
  audit: AuditSink;
  /** The country chosen in settings for local phone numbers, if any. */
  defaultCountry?: () => string | null | undefined | Promise<string | null | undefined>;
  /** The process locale, the last fallback for local phone numbers. */
  locale?: string;
  policy?: ChangePolicy;
  /** Who may see contact details in full (caller verification); default no one. */
  disclosure?: ContactDisclosure;
  now?: () => Date;
  /** Users asked for per lookup (default 20). */
  searchLimit?: number;
  /** Recent users kept per tenant (default 15). */
  recentLimit?: number;
}

/** Parsed inputs of the channels this service serves. */
/** A parsed search; `committed` is absent for callers other than the search box (always recorded). */
export type SearchRequest = Omit<z.output<typeof UserSearchInput>, 'committed'> & { committed?: boolean };
export type RemoveRequest = z.output<typeof RemoveAuthenticatorInput>;
export type RemoveAllRequest = z.output<typeof RemoveAllAuthenticatorsInput>;
export type RevokeSessionsRequest = z.output<typeof RevokeSessionsInput>;

/** Loud, specific words for a refusal over unacknowledged guardrails. */
function guardrailMessage(warnings: RemovalWarning[]): string {
  return `${warnings.map(describeRemovalWarning).join(' ')} Read the warning in the removal dialog and confirm again.`;
}

/** The directory service. */
export class DirectoryService {
  private readonly tenants: TenantAccess;
  private readonly audit: AuditSink;
  private readonly policy: ChangePolicy;
  /** The contact-masking rule the console's answers go through (see {@link ContactMasking}). */
  readonly contacts: ContactMasking;
  private readonly now: () => Date;
  private readonly defaultCountry: () => string | null | undefined | Promise<string | null | undefined>;
  private readonly localeRegion: string | undefined;
  private readonly searchLimit: number;
  /** The newest search per caller stream; an older one still running is aborted. */
  private readonly streams = new Map<string, { seq: number; controller: AbortController }>();
  private readonly recents: RecentUsers;
  private readonly lookups = new RecordedLookups();

  constructor(options: DirectoryServiceOptions) {
    this.tenants = options.tenants;
    this.audit = options.audit;
    this.policy = options.policy ?? unverifiedChangePolicy;
    this.contacts = new ContactMasking(options.disclosure ?? disclosesNoOne);
    this.now = options.now ?? (() => new Date());
    this.defaultCountry = options.defaultCountry ?? (() => undefined);
    this.localeRegion = regionFromLocale(options.locale ?? Intl.DateTimeFormat().resolvedOptions().locale);
    this.searchLimit = options.searchLimit ?? 20;
    this.recents = new RecentUsers(options.recentLimit ?? 15);
  }

  // ---- search ------------------------------------------------------------------------------

  /**
   * Finds users by every plausible reading of the query, merged by user id. A newer search in the
   * same stream (per caller) supersedes this one: its answer is `superseded` with no results, and
   * whatever it still had to ask the tenant is not asked.
   */
  async search(request: SearchRequest, caller = 'default'): Promise<UserSearchResult> {
    const started = performance.now();
    const key = `${caller}:${request.stream}`;
    const country = (await this.defaultCountry()) ?? request.country ?? this.localeRegion;
    // Read after the last await: between here and registering this search nothing may interleave.
    const current = this.streams.get(key);
    const recognized = recognizeQuery(request.query, { defaultCountry: country });
    const queryView = { ...recognized, country };
    const empty = (superseded: boolean): UserSearchResult => ({
      seq: request.seq,
      superseded,
      query: queryView,
      results: [],
      failedLookups: [],
      truncated: false,
      tookMs: Math.round(performance.now() - started),
    });
    // A search that arrives after a newer one (IPC does not promise order) is stale on arrival.
    if (current && request.seq <= current.seq) return empty(true);
    current?.controller.abort();
    const controller = new AbortController();
    this.streams.set(key, { seq: request.seq, controller });
    const done = () => {
      if (this.streams.get(key)?.controller === controller) this.streams.delete(key);
    };
    if (recognized.lookups.length === 0) {
      done();
      return empty(false);
    }

    let tenantRef: TenantInfo | undefined;
    try {
      const outcome = await this.tenants.withClient(async (client, tenant) => {
        tenantRef = tenant;
        const context = { apiUrl: tenant.apiUrl, secret: client.apiSecretKey };
        const settled = await Promise.allSettled(
          recognized.lookups.map((lookup) =>
            untilAborted(runLookup(client, lookup, this.searchLimit), controller.signal).catch((error: unknown) => {
              throw error instanceof Superseded ? error : mapAuthsignalError(error, context);
            }),
          ),
        );
        return { settled, tenant };
      });
      if (controller.signal.aborted) throw new Superseded();

      const { results, failedLookups, truncated } = mergeLookups(recognized.lookups, outcome.settled);
      const allFailed = failedLookups.length === recognized.lookups.length;
      const firstFailure = failedLookups[0]?.error;
      // SECURITY: every search that showed the agent a user (or failed) is recorded. A typing pause
      // that found nobody showed nothing from the tenant, so it is not recorded: one entry per
      // keystroke pause ("ada@exampl") buried the searches the agent meant (issue #14).
      const unrecorded = request.committed === false && results.length === 0 && failedLookups.length === 0;
      if (!unrecorded) await this.recordOrRefuse(
        {
          action: 'user.search',
          tenant: { id: outcome.tenant.id, name: outcome.tenant.name },
          details: {
            query: recognized.text,
            kind: recognized.kind,
            fields: [...new Set(recognized.lookups.map((l) => l.field))],
            results: results.length,
            resultUserIds: results.slice(0, 20).map((r) => r.userId),
            ...(failedLookups.length > 0 ? { failedFields: failedLookups.map((f) => f.field) } : {}),
          },
          error: allFailed && firstFailure ? new AppError(firstFailure.code, firstFailure.message) : undefined,
        },
        'The search ran, but the audit log could not record it, so its results are not shown.',
      );
      if (allFailed && firstFailure) {
        throw new AppError(firstFailure.code, firstFailure.message, { retryAfterSeconds: firstFailure.retryAfterSeconds });
      }
      return {
        seq: request.seq,
        superseded: false,
        query: queryView,
        results,
        failedLookups,
        truncated,
        tookMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (error instanceof Superseded) {
        // The tenant was asked, so a committed look is recorded; nobody waits for this answer. A
        // superseded typing pause showed the agent nothing.
        if (tenantRef && request.committed !== false) {
          void this.audit
            .append({
              action: 'user.search',
              tenant: { id: tenantRef.id, name: tenantRef.name },
              details: { query: recognized.text, kind: recognized.kind, superseded: true },
            })
            .catch(() => {});
        }
        return empty(true);
      }
      throw error;
    } finally {
      done();
    }
  }

  // ---- one user ----------------------------------------------------------------------------

  /**
   * A user's profile, authenticators and last 30 days of actions, fetched together. The profile is
   * required; authenticators and actions each report their own failure so the rest still shows.
   */
  async getUser(userId: string): Promise<UserDetail> {
    const tenant = await this.requireTenant();
    const now = this.now();
    const from = new Date(now.getTime() - ACTION_WINDOW_DAYS * 24 * 3600 * 1000).toISOString();
    let detail: UserDetail;
    try {
      detail = await this.tenants.withClient(async (client, t) => {
        const context = { apiUrl: t.apiUrl, secret: client.apiSecretKey };
        const segment = pathSegment(userId);
        const [user, authenticators, actions] = await Promise.allSettled([
          fetchProfile(client, userId),
          this.fetchAuthenticators(client, segment),
          client.queryUserActions({ userId: segment, fromDate: from }),
        ]);
        if (user.status === 'rejected') throw mapAuthsignalError(user.reason, context);
        const profile = user.value;
        return {
          profile,
          authenticators:
            authenticators.status === 'fulfilled'
              ? { ok: true as const, value: orderAuthenticators(authenticators.value, profile.defaultVerificationMethod) }
              : { ok: false as const, error: errorInfoOf(mapAuthsignalError(authenticators.reason, context)) },
          actions:
            actions.status === 'fulfilled'
              ? { ok: true as const, value: orderActions((Array.isArray(actions.value) ? actions.value : []).map(toActionView)) }
              : { ok: false as const, error: errorInfoOf(mapAuthsignalError(actions.reason, context)) },
          actionsFrom: from,
          fetchedAt: now.toISOString(),
        };
      });
    } catch (error) {
      await this.audit.append({ action: 'user.lookup', tenant: auditTenant(tenant), subject: { userId }, error }).catch(() => {});
      throw error;
    }
    // SECURITY: a repeat of the open lookup is not a new entry (see RecordedLookups); a log that cannot record still refuses.
    if (this.lookups.isRepeat(tenant.id, userId, now.getTime())) await this.audit.assertWritable();
    else await this.recordOrRefuse(
      {
        action: 'user.lookup',
        tenant: auditTenant(tenant),
        subject: { userId },
        details: {
          authenticators: detail.authenticators.ok ? detail.authenticators.value.length : null,
          actions: detail.actions.ok ? detail.actions.value.length : null,
        },
      },
      "The user was found, but the audit log could not record the lookup, so the user's details are not shown.",
    ).then(() => this.lookups.recorded(tenant.id, userId, now.getTime()));
    this.recents.remember(tenant.id, detail.profile, now);
    return detail;
  }

  /** Users opened recently in the active tenant, newest first. */
  async recent(): Promise<RecentUser[]> {
    const tenant = await this.tenants.activeTenant();
    return tenant ? this.recents.list(tenant.id) : [];
  }

  private async fetchAuthenticators(client: Authsignal, segment: string): Promise<AuthenticatorView[]> {
    const list = await client.getAuthenticators({ userId: segment });
    return (Array.isArray(list) ? list : []).map(toAuthenticatorView);
  }

  // ---- changes -----------------------------------------------------------------------------

  /** Removes one authenticator, after re-checking the guardrails on fresh data. */
  removeAuthenticator(request: RemoveRequest): Promise<RemovalResult> {
    return this.removeSome('authenticator.remove', request, (current) => {
      if (!current.some((a) => a.id === request.authenticatorId)) {
        throw new AppError('not-found', 'That authenticator is no longer there (someone may have removed it already). Reload the user to see what they have now.');
      }
      return [request.authenticatorId];
    });
  }

  /** Removes every authenticator, provided they are exactly the ones the agent saw. */
  removeAllAuthenticators(request: RemoveAllRequest): Promise<RemovalResult> {
    return this.removeSome('authenticators.remove-all', request, (current) => {
      const expected = new Set(request.expectedAuthenticatorIds);
      const now = new Set(current.map((a) => a.id));
      const added = [...now].filter((id) => !expected.has(id)).length;
      const gone = [...expected].filter((id) => !now.has(id)).length;
      if (added > 0 || gone > 0) {
        throw new AppError(
          'conflict',
          `The user's authenticators changed since you loaded them (${added} new, ${gone} gone). Reload the user, check the list and confirm again.`,
        );
      }
      if (current.length === 0) throw new AppError('not-found', 'The user has no authenticators to remove. Reload the user.');
      return current.map((a) => a.id);
    });
  }

  private async removeSome(
    kind: Extract<ChangeKind, 'authenticator.remove' | 'authenticators.remove-all'>,
    request: RemoveRequest | RemoveAllRequest,
    pick: (current: AuthenticatorView[]) => string[],
  ): Promise<RemovalResult> {
    const tenant = await this.requireTenant();
    const base: AuditAppendInput = {
      action: kind,
      tenant: auditTenant(tenant),
      subject: { userId: request.userId },
      details: { reason: request.reason, ticket: request.ticket },
    };
    let stamp: VerificationStamp | undefined;
    let prepared: { ids: string[]; removed: AuthenticatorView[]; assessment: ReturnType<typeof assessRemoval> } | undefined;
    const removed: string[] = [];
    let failure: AppError | undefined;
    let remaining: AuthenticatorView[] = [];
    try {
      stamp = await this.authorize(kind, tenant, request);
      // SECURITY: nothing changes unless the log can record it.
      await this.audit.assertWritable();
      await this.tenants.withClient(async (client, t) => {
        const context = { apiUrl: t.apiUrl, secret: client.apiSecretKey };
        const segment = pathSegment(request.userId);
        // SECURITY: the guardrail facts are fetched here, fresh, never taken from the renderer.
        const [profile, list] = await Promise.all([fetchProfile(client, request.userId), this.fetchAuthenticators(client, segment)]);
        const current = orderAuthenticators(list, profile.defaultVerificationMethod);
        const ids = pick(current);
        // SECURITY: who may leave a user with nothing to sign in with is the policy's call, on fresh facts.
        if (ids.length > 0 && current.every((a) => ids.includes(a.id))) await this.policy.lastAuthenticator?.(tenant, request.userId);
        const assessment = assessRemoval(current, ids, profile);
        prepared = { ids, removed: current.filter((a) => ids.includes(a.id)), assessment };
        const unacknowledged = assessment.warnings.filter((w) => !request.acknowledgedWarnings.includes(w));
        if (unacknowledged.length > 0) throw new AppError('conflict', guardrailMessage(unacknowledged));

        for (const id of ids) {
          try {
            await client.deleteAuthenticator({ userId: segment, userAuthenticatorId: pathSegment(id, 'authenticator id') });
            removed.push(id);
          } catch (error) {
            // Stop at the first failure: what was removed is reported and recorded, the rest is untouched.
            failure = mapAuthsignalError(error, context);
            break;
          }
        }
        try {
          remaining = orderAuthenticators(await this.fetchAuthenticators(client, segment), profile.defaultVerificationMethod);
        } catch {
          remaining = current.filter((a) => !removed.includes(a.id));
        }
      });
    } catch (error) {
      await this.audit
        .append({ ...base, details: { ...base.details, ...this.removalDetails(prepared, removed) }, error, verification: stamp })
        .catch(() => {});
      throw error;
    }
    const entry = await this.recordChange({
      ...base,
      details: { ...base.details, ...this.removalDetails(prepared, removed) },
      error: failure,
      verification: stamp,
    });
    if (removed.length === 0 && failure) throw failure;
    const assessment = prepared!.assessment;
    return {
      userId: request.userId,
      removed,
      failure: failure ? failure.toInfo() : undefined,
      remaining,
      warnings: assessment.warnings,
      recoveryPaths: assessment.recoveryPaths,
      auditSeq: entry.seq,
    };
  }

  /** What the audit entry of a removal says beyond reason and ticket (no contact values). */
  private removalDetails(
    prepared: { ids: string[]; removed: AuthenticatorView[]; assessment: ReturnType<typeof assessRemoval> } | undefined,
    removed: string[],
  ): Record<string, unknown> {
    if (!prepared) return {};
    return {
      authenticatorIds: prepared.ids,
      removedIds: removed,
      authenticators: prepared.removed.map((a) => ({ id: a.id, method: a.method, name: a.nameSource === 'contact' ? undefined : a.name })),
      warnings: prepared.assessment.warnings,
      recoveryPaths: prepared.assessment.recoveryPaths.map((p) => (p.kind === 'authenticator' ? `authenticator:${p.method}` : p.kind)),
    };
  }

  /** Revokes every session of a user. */
  async revokeSessions(request: RevokeSessionsRequest): Promise<{ userId: string; revokedAt: string }> {
    const tenant = await this.requireTenant();
    const base: AuditAppendInput = {
      action: 'sessions.revoke',
      tenant: auditTenant(tenant),
      subject: { userId: request.userId },
      details: { reason: request.reason, ticket: request.ticket },
    };
    let stamp: VerificationStamp | undefined;
    try {
      stamp = await this.authorize('sessions.revoke', tenant, request);
      await this.audit.assertWritable();
      // The user id travels in the JSON body here, not the path, so it is sent as it is.
      await this.tenants.withClient((client) => client.revokeUserSessions({ userId: request.userId }));
    } catch (error) {
      await this.audit.append({ ...base, error, verification: stamp }).catch(() => {});
      throw error;
    }
    await this.recordChange({ ...base, verification: stamp });
    return { userId: request.userId, revokedAt: this.now().toISOString() };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private authorize(kind: ChangeKind, tenant: TenantInfo, request: { userId: string; verification?: { id: string } }) {
    return this.policy.authorize({ kind, tenantId: tenant.id, userId: request.userId, verification: request.verification });
  }

  private requireTenant(): Promise<TenantInfo> {
    return requireActiveTenant(this.tenants);
  }

  /** Appends a lookup entry; when the log refuses, the data is withheld (fail closed). */
  private async recordOrRefuse(input: AuditAppendInput, refusal: string): Promise<AuditEntry> {
    try {
      return await this.audit.append(input);
    } catch (error) {
      const cause = isAppError(error) ? error : undefined;
      throw new AppError(cause?.code ?? 'internal', `${refusal} ${cause?.message ?? 'Check the disk and the data folder.'}`, { cause: error });
    }
  }

  /** Appends a change entry; the change already happened, so the error says so. */
  private async recordChange(input: AuditAppendInput): Promise<AuditEntry> {
    try {
      return await this.audit.append(input);
    } catch (error) {
      const cause = isAppError(error) ? error : undefined;
      throw new AppError(
        cause?.code ?? 'internal',
        `The change was made, but the audit log could not record it. ${cause?.message ?? 'Check the disk and the data folder.'}`,
        { cause: error },
      );
    }
  }
}

function auditTenant(tenant: TenantInfo): { id: string; name: string } {
  return { id: tenant.id, name: tenant.name };
}
