import { createKeychain } from './platform/keychain';
import { TenantService, type LocalTenantConfig } from './tenants/tenants.service';
import { DirectoryService } from './directory/directory.service';
import { AuditLogService, auditFileFor } from './audit/audit-log.service';
import { keychainAnchor } from './audit/log-anchor';
import { join } from 'node:path';
import { SETTINGS_FILE, SettingsService } from './settings/settings.service';
import { keychainSeal } from './settings/settings-seal';
import { CoverageService } from './coverage/coverage.service';
import { tenantResolverFor } from './coverage/tenant-resolver';
import { VerificationService } from './verification/verification.service';
import { EnrollmentService } from './enrollment/enrollment.service';
import type { EnrollmentHost } from './enrollment/enrollment-host';
import { EvidenceService } from './evidence/evidence.service';
import { BrowserBridgeService, type BrowserBridgeOptions } from './browser-bridge';
import { TeamService } from './audit/team/team.service';
import { PolicyService, type TeamPolicySource } from './policy/policy.service';
import { ContactRule } from './policy/contact-rule';
import { managedPolicyReaderFor, type ManagedPolicyReader } from './policy/managed-policy';
import { ConfiguredMethods } from './readiness/configured-methods';

/**
 * The service container: everything main does, in plain Node, built once per process. The Electron
 * shell, the browser harness and the CLI all build the same container and serve it through the
 * same router.
 */
export interface ServiceOptions {
  /** Data dir (profiles, audit log, checkpoints). See `resolveDataDir()`. */
  dataDir: string;
  /** Keychain service name (default `authdesk`). */
  keychainService: string;
  appVersion: string;
  /**
   * The built-in local tenant (the embedded emulator the app shell starts). It appears as profile
   * `local`, is active when no other tenant is, and its secret stays in memory.
   */
  localTenant?: LocalTenantConfig;
  /** Opens sandboxed enrollment windows (the Electron shell, or the browser harness); none in the CLI. */
  enrollmentHost?: EnrollmentHost | null;
  /** How long a caller verification covers changes (default 10 minutes); tests shorten it. */
  verificationLifetimeMs?: number;
  /** Ship the audit log to the team store in the background when one is configured (the desktop app; not the CLI). */
  teamShipping?: boolean;
  /** Browser bridge options besides the data dir (host command, extra manifest targets, tap). */
  bridge?: Omit<BrowserBridgeOptions, 'dataDir' | 'audit'>;
  /**
   * The managed policy reader; tests pass one over a fixture. SECURITY: production always uses the
   * fixed OS location (no environment variable can move it).
   */
  managedPolicy?: ManagedPolicyReader;
  /** The team store's policy, when team mode is configured (TeamStore fits this port). */
  teamPolicy?: () => TeamPolicySource | null;
  /** The OS account roles are decided for (tests; default the running one). */
  osAccount?: string;
}

/** All services. Each domain adds its service here. */
export interface Services {
  readonly options: ServiceOptions;
  /** Tenants: profiles, keychain secrets, SDK clients of the active tenant. */
  readonly tenants: TenantService;
  /** The console audit log: every lookup and change, hash-chained, fsync'd before it resolves. */
  readonly audit: AuditLogService;
  /** Agent name, per-tenant policy, stale threshold, enrollment action code. */
  readonly settings: SettingsService;
  /** Enrollment coverage: file-to-file runs (CLI) and console runs kept in the data dir. */
  readonly coverage: CoverageService;
  /** Caller verification: held in memory only, required before removals and enrollments by policy. */
  readonly verification: VerificationService;
  /** Enrollment through the pre-built UI, the guided page or a link, after caller verification. */
  readonly enrollment: EnrollmentService;
  /** Signed evidence packs of coverage reports (the signing key lives in the OS keychain). */
  readonly evidence: EvidenceService;
  /** Browser integration: native host manifests, the bridge socket, pairing and revocation. */
  readonly bridge: BrowserBridgeService;
  /** The helpdesk directory: search, one user whole, authenticator removal, session revocation. */
  readonly directory: DirectoryService;
  /** Team mode: the team store connections, this device's id, the shipper, `audit verify --team`. */
  readonly team: TeamService;
  /** The policy in force (managed, team, local; strictest wins) and this account's role. */
  readonly policy: PolicyService;
  /** The one contact-masking rule (role, policy, verified call), applied by the services. */
  readonly contacts: ContactRule;
  /** The methods each tenant has switched on (`GET /authenticators`), cached briefly. */
  readonly configuredMethods: ConfiguredMethods;
  /** Stops background work (timers, servers) so the process can exit. */
  close(): Promise<void>;
}

/** Builds the container. */
export function createServices(options: ServiceOptions): Services {
  // Tenant changes are recorded in the log (a thunk: the log is built below and never calls TenantService).
  const tenants: TenantService = new TenantService({
    dataDir: options.dataDir,
    keychain: createKeychain(options.keychainService),
    localTenant: options.localTenant,
    audit: () => audit,
    // SECURITY: allowed tenants and "team store required" are enforced before any tenant client is handed out.
    gate: () => policy,
  });
  // The log reads the agent name from settings at each append; settings record their changes in the log.
  const settings: SettingsService = new SettingsService({
    dataDir: options.dataDir,
    audit: () => audit,
    tenantName: (id) => tenants.get(id).then((t) => t.name, () => undefined),
    // SECURITY: a settings.json edited outside the app is detected and never weakens protection
    // until an admin confirms it; turning protection off is for admins when roles apply.
    seal: keychainSeal(createKeychain(`${options.keychainService}.settings-seal`), join(options.dataDir, SETTINGS_FILE)),
    gate: () => policy,
  });
  // SECURITY: the chain head is anchored in the keychain after each append (its own service), so a
  // log cut short or emptied by hand is reported by verify and status.
  const auditFile = auditFileFor(options.dataDir);
  const audit = new AuditLogService({
    dataDir: options.dataDir,
    agentName: () => settings.agentName(),
    anchor: keychainAnchor(createKeychain(`${options.keychainService}.audit-anchor`), auditFile),
  });
  // Team connections have their own keychain service, apart from tenant secrets. Off (and silent)
  // until `authdesk team connect` stores one.
  // SECURITY: plaintext to a remote team store only when a trusted managed policy allows it.
  const team = new TeamService({
    dataDir: options.dataDir,
    auditFile: audit.file,
    keychain: createKeychain(`${options.keychainService}.team`),
    plaintextAllowed: () => policy.allowsPlaintextTeamStore(),
    audit: () => audit,
  });
  const policy: PolicyService = new PolicyService({
    managed: options.managedPolicy ?? managedPolicyReaderFor(),
    // Team mode: the team policy and this computer's database role come from the team store.
    team: options.teamPolicy ?? (() => team.agentStore()),
    local: { requireCallerVerification: async (id) => (await settings.policyFor(id)).requireCallerVerification },
    audit: () => audit,
    account: options.osAccount,
  });
  if (options.teamShipping) team.start();
  const coverage = new CoverageService({
    dataDir: options.dataDir,
    tenant: tenantResolverFor(tenants),
    audit,
    appVersion: options.appVersion,
    defaultStaleDays: async () => (await settings.get()).staleAfterDays,
    // SECURITY: the one masking rule decides for the coverage table, its exports and (below) evidence packs.
    masksContacts: () => contacts.masksBulk(),
  });
  // The signing key has its own keychain service, apart from the tenant secrets.
  const evidence = new EvidenceService({
    keychain: createKeychain(`${options.keychainService}.evidence`),
    audit,
    appVersion: options.appVersion,
    // Team mode: the pack records the team chain head it was cut from.
    teamCut: () => team.evidenceCut(),
    masksContacts: () => contacts.masksBulk(),
  });
  const bridge = new BrowserBridgeService({ ...options.bridge, dataDir: options.dataDir, audit });
  // SECURITY: one tenant policy for verification and enrollment: the managed and team policy can only
  // turn caller verification and the call ticket on; local settings decide only below them.
  const policyFor = async (id: string) => {
    const [local, effective] = await Promise.all([settings.policyFor(id), policy.effective()]);
    const requireTicket = local.requireTicket === true || effective.settings.requireTicketId.value;
    return { ...local, requireCallerVerification: await policy.requireCallerVerification(id), ...(requireTicket ? { requireTicket } : {}) };
  };
  // What the guided page, the enrollment panel and caller verification offer: the tenant's own
  // configuration, read again after a minute (an admin who just switched a method on retries soon).
  const configuredMethods = new ConfiguredMethods({ tenants, ttlMs: 60_000, failureTtlMs: 15_000 });
  const verification = new VerificationService({
    tenants,
    audit,
    policyFor,
    lifetimeMs: options.verificationLifetimeMs,
    configured: configuredMethods,
  });
  const enrollment = new EnrollmentService({
    tenants,
    audit,
    settings: { get: () => settings.get(), policyFor },
    verification,
    host: options.enrollmentHost,
    configured: configuredMethods,
    // SECURITY: only the managed (trusted) and team policy grant enrollment windows extra origins.
    grantedOrigins: () => policy.allowedEnrollmentOrigins(),
  });
  const contacts = new ContactRule({
    tenants,
    policy,
    requireVerification: async (id) => (await policyFor(id)).requireCallerVerification,
    verifiedNow: (id) => verification.verifiedNow(id),
  });
  // Removals ask caller verification first (issue #5); revoking sessions is stamped when one is live;
  // contact details are disclosed as verification says.
  const directory = new DirectoryService({
    tenants,
    audit,
    policy: { ...verification.changePolicy(), lastAuthenticator: (tenant, userId) => policy.requireLastAuthenticatorRemoval(tenant, userId) },
    // SECURITY: one masking rule (policy/contact-rule.ts): agents see contacts only in a verified call;
    // admins as before (masked until verified when the tenant requires it or the policy masks them).
    disclosure: contacts,
  });
  const close = async () => {
    enrollment.close();
    verification.close();
    await coverage.close();
    await bridge.close();
    await team.close();
  };
  return { options, tenants, audit, settings, coverage, verification, enrollment, evidence, directory, bridge, team, policy, contacts, configuredMethods, close };
}
