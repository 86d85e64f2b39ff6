import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Authsignal } from '@authsignal/node';
import { AuthsignalError } from '@authsignal/node';
import type { AuditTenant } from '@shared/domain/audit';
import {
  DEFAULT_PROBE_USER_ID,
  FEATURE_REQUIREMENTS,
  PORTAL_METHOD_NAMES,
  READINESS_FEATURES,
  worseStatus,
  type ActionProbe,
  type CheckStatus,
  type ConfiguredAuthenticator,
  type FeatureReadiness,
  type ReadinessReport,
} from '@shared/domain/readiness';
import type { ConnectionTest, TenantSummary } from '@shared/domain/tenant';
import { VERIFICATION_ACTION_CODE } from '@shared/domain/verification';
import { AppError, isAppError } from '@shared/errors';
import { mapAuthsignalError } from '../platform/authsignal-client';
import type { TenantInfo } from '../tenants/ports';

/**
 * Tenant readiness: is this Authsignal tenant set up for what Authdesk does? It checks the
 * credentials and region, reads the authenticators the tenant has configured (Server API
 * `GET /authenticators`, which @authsignal/node 2.21 has no method for) and says which Authdesk
 * features each enables, and, only when asked, probes the actions Authdesk tracks on a probe user
 * it names in the report. Everything missing comes with what to configure in the Authsignal portal.
 */

/** What the doctor needs from the tenant vault (TenantService fits). */
export interface DoctorTenants {
  activeTenant(): Promise<TenantInfo | null>;
  get(id: string): Promise<TenantSummary>;
  test(request: { id: string }): Promise<ConnectionTest>;
  withClient<T>(fn: (client: Authsignal, tenant: TenantInfo) => Promise<T>, id?: string): Promise<T>;
}

/** What the doctor needs from settings (SettingsService fits): the enrollment action code. */
export interface DoctorSettings {
  get(): Promise<{ enrollmentActionCode: string }>;
}

/** Records the probe, which writes to the tenant (AuditLogService fits). */
export interface DoctorAudit {
  append(input: { action: 'tenant.probe'; tenant: AuditTenant; details: Record<string, unknown>; error?: unknown }): Promise<unknown>;
}

/** How a check is asked for. */
export interface DoctorRequest {
  /** Profile id; the active tenant when absent. */
  id?: string;
  /** Track the actions Authdesk uses on a probe user (writes to the tenant; off unless asked). */
  probeActions?: boolean;
  /** The probe user's id (default {@link DEFAULT_PROBE_USER_ID}). */
  probeUserId?: string;
}

/** Options of {@link TenantDoctor}. */
export interface TenantDoctorOptions {
  tenants: DoctorTenants;
  settings: DoctorSettings;
  audit?: DoctorAudit;
  now?: () => Date;
  /** Per-request timeout of the raw `GET /authenticators` call. */
  timeoutMs?: number;
}

/** Methods the probe can enroll on its user with the Server API alone, with the details it uses. */
const PROBE_ENROLLMENTS = [
  { method: 'EMAIL_OTP', attributes: (userId: string) => ({ email: `${userId}@authdesk-probe.invalid` }) },
  { method: 'SMS', attributes: () => ({ phoneNumber: '+15555550100' }) },
] as const;

/**
 * Reads the tenant's configured authenticators with the Server API secret (HTTP Basic, the secret
 * as user name, as the SDK sends it). Failures become the same AppErrors as SDK calls.
 */
export async function fetchConfiguredAuthenticators(client: Authsignal, timeoutMs = 15_000): Promise<ConfiguredAuthenticator[]> {
  const url = new URL(`${client.apiUrl.replace(/\/+$/, '')}/authenticators`);
  let answer: { status: number; text: string };
  try {
    answer = await getText(url, {
      // SECURITY: the secret goes only in this header to the tenant's own API URL; never logged.
      authorization: `Basic ${Buffer.from(`${client.apiSecretKey}:`).toString('base64')}`,
      accept: 'application/json',
    }, timeoutMs);
  } catch (error) {
    throw mapAuthsignalError(new AuthsignalError(500, 'unexpected_error', error instanceof Error ? error.message : 'network error'), {
      apiUrl: client.apiUrl,
      secret: client.apiSecretKey,
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    body = undefined;
  }
  if (answer.status < 200 || answer.status >= 300) {
    const data = (body ?? {}) as { error?: unknown; errorDescription?: unknown };
    const code = typeof data.error === 'string' ? data.error : `Request failed with status code ${answer.status}`;
    throw mapAuthsignalError(new AuthsignalError(answer.status, code, typeof data.errorDescription === 'string' ? data.errorDescription : undefined), {
      apiUrl: client.apiUrl,
      secret: client.apiSecretKey,
    });
  }
  if (!Array.isArray(body)) {
    throw new AppError('unavailable', `${new URL(client.apiUrl).host} answered GET /authenticators with something other than a list. Check the API URL.`);
  }
  // Tolerant reading: an entry without a method is skipped, a missing isActive counts as active
  // (the docs mark it required, so a tenant that omits it has not switched the method off).
  const out: ConfiguredAuthenticator[] = [];
  for (const item of body as unknown[]) {
    if (!item || typeof item !== 'object') continue;
    const entry = item as { authenticatorId?: unknown; verificationMethod?: unknown; isActive?: unknown };
    if (typeof entry.verificationMethod !== 'string') continue;
    out.push({
      authenticatorId: typeof entry.authenticatorId === 'string' ? entry.authenticatorId : '',
      verificationMethod: entry.verificationMethod,
      isActive: entry.isActive !== false,
    });
  }
  return out;
}

/**
 * One GET with Node's own HTTP client (not the global fetch: in a browser-like test environment
 * that one applies CORS, which a Server API call from main never meets).
 */
function getText(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; text: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // A configuration list is small; anything past 1 MiB is not an answer worth reading.
        if (size > 1024 * 1024) req.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The portal's name for a method. */
function portalName(method: string): string {
  return PORTAL_METHOD_NAMES[method as keyof typeof PORTAL_METHOD_NAMES] ?? method;
}

/** "A, B or C". */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Which features the active methods enable. */
export function featureReadiness(active: ReadonlySet<string>): FeatureReadiness[] {
  return READINESS_FEATURES.map((feature) => {
    const { label, anyOf } = FEATURE_REQUIREMENTS[feature];
    const enabledBy = anyOf.filter((m) => active.has(m));
    const ready = enabledBy.length > 0;
    return {
      feature,
      label,
      ready,
      enabledBy,
      ...(ready ? {} : { fix: `Turn on ${orList(anyOf.slice(0, 3).map(portalName))}${anyOf.length > 3 ? ' (or another method)' : ''} under Authenticators in the Authsignal portal.` }),
    };
  });
}

/** See the file comment. */
export class TenantDoctor {
  private readonly now: () => Date;

  constructor(private readonly options: TenantDoctorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Checks one tenant (the active one by default) and reports; a failed check is data, not an error. */
  async check(request: DoctorRequest = {}): Promise<ReadinessReport> {
    const tenant: TenantInfo | null = request.id === undefined ? await this.options.tenants.activeTenant() : await this.options.tenants.get(request.id);
    if (!tenant) throw new AppError('not-found', 'No tenant is active. Name one (authdesk tenant doctor <id>) or pick one with authdesk tenant use <id>.');
    const advice: string[] = [];
    const report: ReadinessReport = {
      tenant: { id: tenant.id, name: tenant.name, kind: tenant.kind, host: new URL(tenant.apiUrl).host, tenantId: tenant.tenantId },
      checkedAt: this.now().toISOString(),
      status: 'ok',
      connection: { status: 'ok', message: '' },
      authenticators: { status: 'skipped', message: 'Not checked: the connection failed.', configured: [] },
      features: featureReadiness(new Set()).map((f) => ({ ...f, fix: 'Fix the connection first.' })),
      actions: { status: 'skipped', message: 'Not probed. Run with --probe-actions to track the actions Authdesk uses on a probe user.', probes: [] },
      advice,
    };

    const connection = await this.options.tenants.test({ id: tenant.id });
    report.connection = { status: connection.ok ? 'ok' : 'fail', ...(connection.code ? { code: connection.code } : {}), message: connection.message };
    if (!connection.ok) {
      advice.push(connection.message);
      return this.finish(report);
    }

    let active = new Set<string>();
    try {
      const configured = await this.options.tenants.withClient((client) => fetchConfiguredAuthenticators(client, this.options.timeoutMs), tenant.id);
      active = new Set(configured.filter((a) => a.isActive).map((a) => a.verificationMethod));
      const names = [...active].map(portalName);
      report.authenticators = {
        status: active.size === 0 ? 'fail' : 'ok',
        message:
          active.size === 0
            ? 'The tenant has no active authenticators: Authdesk can neither verify callers by challenge nor enroll anyone.'
            : `${active.size} active of ${configured.length} configured: ${names.join(', ')}.`,
        configured,
      };
      if (active.size === 0) advice.push('Turn on at least one authenticator (for example Email OTP and Passkey) under Authenticators in the Authsignal portal.');
    } catch (error) {
      const failure = isAppError(error) ? error : mapAuthsignalError(error);
      report.authenticators = { status: 'warn', message: `Could not read the configured authenticators: ${failure.message} Authdesk then offers every method.`, configured: [] };
      report.features = featureReadiness(new Set(READINESS_FEATURES.flatMap((f) => FEATURE_REQUIREMENTS[f].anyOf)));
      return this.finish(report);
    }
    report.features = featureReadiness(active);
    for (const f of report.features) if (!f.ready && f.fix && !advice.includes(f.fix)) advice.push(f.fix);

    if (request.probeActions) report.actions = await this.probeActions(tenant, active, request.probeUserId ?? DEFAULT_PROBE_USER_ID, advice);
    return this.finish(report);
  }

  private finish(report: ReadinessReport): ReadinessReport {
    let status: CheckStatus = report.connection.status;
    status = worseStatus(status, report.authenticators.status);
    // A missing feature is a warning: Authdesk still works, without it.
    if (report.features.some((f) => !f.ready)) status = worseStatus(status, 'warn');
    status = worseStatus(status, report.actions.status);
    report.status = status;
    return report;
  }

  /**
   * Tracks the actions Authdesk uses on an enrolled probe user and checks they challenge, as
   * caller verification by link and enrollment of a further authenticator need. The probe user
   * is enrolled (email OTP or SMS, as the tenant allows) only if it has nothing, and then deleted
   * afterwards; a probe user that already had authenticators is left as it was.
   */
  private async probeActions(tenant: TenantInfo, active: ReadonlySet<string>, probeUserId: string, advice: string[]): Promise<ReadinessReport['actions']> {
    const { enrollmentActionCode } = await this.options.settings.get();
    const enrollment = PROBE_ENROLLMENTS.find((e) => active.has(e.method));
    const auditTenant = { id: tenant.id, name: tenant.name };
    if (!enrollment) {
      return {
        status: 'skipped',
        message: 'Not probed: the probe enrolls its user with Email OTP or SMS, and neither is active on this tenant.',
        probeUserId,
        probes: [],
      };
    }
    const probes: ActionProbe[] = [];
    let created = false;
    let cleanup = '';
    try {
      await this.options.tenants.withClient(async (client) => {
        const user = encodeURIComponent(probeUserId);
        const before = await client.getAuthenticators({ userId: user });
        if (!Array.isArray(before) || before.length === 0) {
          await client.enrollVerifiedAuthenticator({
            userId: user,
            attributes: { verificationMethod: enrollment.method as never, ...enrollment.attributes(probeUserId) },
          });
          created = true;
        }
        try {
          probes.push(
            await this.probeOne(client, user, VERIFICATION_ACTION_CODE, 'caller verification by challenge link', {}),
            await this.probeOne(client, user, enrollmentActionCode, 'enrolling a further authenticator (pre-built UI, link)', { redirectToSettings: true }),
          );
        } finally {
          if (created) {
            await client.deleteUser({ userId: user });
            cleanup = ' The probe user was created for this check and deleted afterwards.';
          } else {
            cleanup = ' The probe user already had authenticators and was left as it was.';
          }
        }
      }, tenant.id);
    } catch (error) {
      const failure = isAppError(error) ? error : mapAuthsignalError(error);
      await this.options.audit?.append({ action: 'tenant.probe', tenant: auditTenant, details: { probeUserId, created }, error: failure }).catch(() => {});
      return { status: 'fail', message: `The probe failed: ${failure.message}`, probeUserId, probes };
    }
    await this.options.audit
      ?.append({ action: 'tenant.probe', tenant: auditTenant, details: { probeUserId, created, observed: Object.fromEntries(probes.map((p) => [p.actionCode, p.observed ?? null])) } })
      .catch(() => {});
    let status: CheckStatus = 'ok';
    for (const p of probes) {
      status = worseStatus(status, p.status);
      if (p.status !== 'ok') advice.push(p.message);
    }
    return {
      status,
      message: `Tracked ${probes.map((p) => `"${p.actionCode}"`).join(' and ')} on the probe user "${probeUserId}".${cleanup}`,
      probeUserId,
      probes,
    };
  }

  /** Tracks one action and checks it challenges an enrolled user; validates the token it got. */
  private async probeOne(client: Authsignal, userId: string, actionCode: string, purpose: string, attributes: { redirectToSettings?: boolean }): Promise<ActionProbe> {
    const tracked = await client.track({ userId, action: actionCode, attributes });
    const observed = String(tracked.state);
    if (observed === 'CHALLENGE_REQUIRED') {
      return { actionCode, purpose, expected: 'CHALLENGE_REQUIRED', observed, status: 'ok', message: `"${actionCode}" challenges an enrolled user, as ${purpose} needs.` };
    }
    return {
      actionCode,
      purpose,
      expected: 'CHALLENGE_REQUIRED',
      observed,
      status: 'fail',
      message: `"${actionCode}" answered ${observed} for an enrolled user, so ${purpose} cannot work. In the Authsignal portal, open Actions → "${actionCode}" and set its default outcome to Challenge (and check no rule allows it).`,
    };
  }
}
