import { LAST_AUTHENTICATOR_RULES, type EffectivePolicy, type LastAuthenticatorRule, type PolicyDocument, type PolicySource, type Role } from '@shared/domain/policy';
import { AppError } from '@shared/errors';
import type { AuditSink } from '../audit/ports';
import { grantedEnrollmentOrigins } from './enrollment-origins';
import { parsePolicyDocument, type ManagedPolicyReader } from './managed-policy';
import { osAccountName } from '../platform/os-account';

/**
 * The team policy, as the team store keeps it (admin-only write). `TeamStore` fits this port, so
 * wiring team mode in is one line in the container.
 */
export interface TeamPolicySource {
  getPolicy(): Promise<{ policy: Record<string, unknown> } | null>;
  /** The database role this computer connects as, and whether it is the store's admin role. */
  whoami?(): Promise<{ role: string; admin: boolean }>;
}

/** Where a tenant is used: switched to, or acted on (a lookup, a change, a coverage run). */
export type TenantUse = 'switch' | 'act';

/** What local settings say, per tenant (they can only make things stricter). */
export interface LocalPolicy {
  requireCallerVerification(tenantId: string): Promise<boolean>;
}

/** What an agent may not do; the security admin may. */
export type AdminOperation =
  | 'coverage.run'
  | 'coverage.export'
  | 'evidence.export'
  | 'settings.weaken'
  | 'contacts.unmasked'
  | 'settings.confirm-external'
  | 'authenticators.remove-last';

const OPERATION_TEXT: Record<AdminOperation, string> = {
  'coverage.run': 'run coverage audits',
  'coverage.export': 'export coverage reports',
  'evidence.export': 'export evidence packs',
  'settings.weaken': 'turn a protection off',
  'contacts.unmasked': 'see contact details outside a verified call',
  'settings.confirm-external': 'confirm a settings change made outside the app',
  'authenticators.remove-last': "remove a user's last authenticator",
};

export interface PolicyServiceOptions {
  managed: ManagedPolicyReader;
  /** The team store's policy when team mode is configured, else null. */
  team?: () => TeamPolicySource | null | Promise<TeamPolicySource | null>;
  local?: LocalPolicy;
  audit?: () => Pick<AuditSink, 'append'>;
  /** The OS account the role is decided for (default: the one running Authdesk). */
  account?: string;
}

interface Sources {
  managed: PolicyDocument | null;
  managedTrusted: boolean;
  team: PolicyDocument | null;
  /** Team mode: whether a team store is configured, reached, and the database role it knows us by. */
  teamStore: { configured: boolean; reachable: boolean; role: string | null; admin: boolean };
  problems: string[];
}

/**
 * The policy in force: managed file, team policy and local settings, strictest wins per key
 * (a switch is on when any source turns it on; allowed tenants are the intersection; the last
 * authenticator rule is the most restrictive stated). Each key says where it comes from and
 * whether it is locked (set by a source the agent cannot change). Roles: with no managed or team
 * policy, one person is both agent and security admin (solo use, as before); with one, only the
 * accounts it lists as security admins are admins.
 */
export class PolicyService {
  readonly account: string;

  constructor(private readonly options: PolicyServiceOptions) {
    this.account = options.account ?? osAccountName();
  }

  /** A read in flight, shared by concurrent callers (one answer asks several rules at once). */
  private reading: Promise<Sources> | null = null;

  private sources(): Promise<Sources> {
    // Never cached past the read itself: a policy change applies to the next call.
    this.reading ??= this.readSources().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async readSources(): Promise<Sources> {
    const managed = await this.options.managed.read();
    const problems = [...managed.problems];
    let team: PolicyDocument | null = null;
    const teamStore = { configured: false, reachable: false, role: null as string | null, admin: false };
    const teamSource = await Promise.resolve(this.options.team?.() ?? null).catch(() => null);
    if (teamSource) {
      teamStore.configured = true;
      try {
        const [stored, me] = await Promise.all([teamSource.getPolicy(), teamSource.whoami?.()]);
        teamStore.reachable = true;
        if (me) Object.assign(teamStore, { role: me.role, admin: me.admin });
        if (stored) {
          const parsed = parsePolicyDocument(stored.policy, 'the team store');
          team = parsed.document;
          problems.push(...parsed.problems);
        }
      } catch (error) {
        problems.push(`The team policy could not be read (${error instanceof Error ? error.message : String(error)}); the managed and local policy apply.`);
      }
    }
    return { managed: managed.document, managedTrusted: managed.trusted, team, teamStore, problems };
  }

  /** The policy in force, for the console and `authdesk policy show`. */
  async effective(): Promise<EffectivePolicy> {
    return this.effectiveFrom(await this.sources());
  }

  private effectiveFrom(s: Sources): EffectivePolicy {
    const stated = [
      ['managed', s.managed],
      ['team', s.team],
    ] as const;
    const flag = (key: 'requireCallerVerification' | 'maskContacts' | 'requireTicketId' | 'requireTeamStore', fallback: boolean) => {
      for (const [source, doc] of stated) {
        if (doc?.[key] === true) return { value: true, source: source as PolicySource, locked: true };
      }
      return { value: fallback, source: 'default' as PolicySource, locked: false };
    };
    let allowed: string[] | null = null;
    let allowedSource: PolicySource = 'default';
    for (const [source, doc] of stated) {
      if (!doc?.allowedTenants) continue;
      allowed = allowed === null ? [...doc.allowedTenants] : allowed.filter((t) => doc.allowedTenants?.includes(t));
      allowedSource = source;
    }
    let last: LastAuthenticatorRule = 'anyone';
    let lastSource: PolicySource = 'default';
    for (const [source, doc] of stated) {
      const rule = doc?.lastAuthenticatorRemoval;
      if (rule && LAST_AUTHENTICATOR_RULES.indexOf(rule) > LAST_AUTHENTICATOR_RULES.indexOf(last)) {
        last = rule;
        lastSource = source;
      }
    }
    const managedAny = s.managed !== null || s.team !== null || s.teamStore.configured;
    return {
      managed: managedAny,
      role: this.roleFrom(s),
      account: this.accountOf(s),
      settings: {
        requireCallerVerification: flag('requireCallerVerification', true),
        maskContacts: flag('maskContacts', true),
        allowedTenants: { value: allowed, source: allowedSource, locked: allowed !== null },
        lastAuthenticatorRemoval: { value: last, source: lastSource, locked: lastSource !== 'default' },
        requireTicketId: flag('requireTicketId', false),
        requireTeamStore: flag('requireTeamStore', false),
      },
      trustedEvidenceKeys: [...new Set([...(s.managedTrusted ? (s.managed?.trustedEvidenceKeys ?? []) : []), ...(s.team?.trustedEvidenceKeys ?? [])])],
      grants: {
        enrollmentOrigins: grantedEnrollmentOrigins(s.managed, s.managedTrusted, s.team),
        plaintextTeamStore: s.managedTrusted && s.managed?.allowPlaintextTeamStore === true,
      },
      problems: s.problems,
    };
  }

  /** The name the role is decided for: the team database role in team mode, else the OS account. */
  private accountOf(s: Sources): string {
    return s.teamStore.role ?? this.account;
  }

  private roleFrom(s: Sources): Role {
    // SECURITY: a configured team store that cannot be reached is still team mode: nobody becomes
    // an admin by cutting the network (roles then come from the managed policy alone).
    if (s.managed === null && s.team === null && !s.teamStore.configured) return 'admin';
    // SECURITY: in team mode the role is the database role the server authenticated, never a
    // setting or a name the agent chose; the store's admin role is a security admin.
    if (s.teamStore.admin) return 'admin';
    // SECURITY: grants come only from sources the agent cannot write.
    const admins = [...(s.managedTrusted ? (s.managed?.securityAdmins ?? []) : []), ...(s.team?.securityAdmins ?? [])];
    return admins.includes(this.accountOf(s)) ? 'admin' : 'agent';
  }

  /** This account's role. */
  async role(): Promise<Role> {
    return this.roleFrom(await this.sources());
  }

  /** Extra https origins enrollment windows may load (managed, when trusted, and team policy only). */
  async allowedEnrollmentOrigins(): Promise<string[]> {
    const s = await this.sources();
    return grantedEnrollmentOrigins(s.managed, s.managedTrusted, s.team);
  }

  /** Fingerprints `evidence verify` trusts without --key. */
  async trustedEvidenceKeys(): Promise<string[]> {
    return (await this.effective()).trustedEvidenceKeys;
  }

  /** Whether caller verification is required for a tenant: policy or local settings (either turns it on). */
  async requireCallerVerification(tenantId: string): Promise<boolean> {
    const e = await this.effective();
    if (e.settings.requireCallerVerification.value && e.settings.requireCallerVerification.source !== 'default') return true;
    return (await this.options.local?.requireCallerVerification(tenantId)) ?? true;
  }

  /**
   * Whether a team store connection without TLS may go to a host that is not this computer.
   * SECURITY: a loosening, so only a trusted managed policy can grant it: never the team policy (it
   * is read over that very connection), never local settings, never a managed file the agent could write.
   */
  async allowsPlaintextTeamStore(): Promise<boolean> {
    const managed = await this.options.managed.read();
    return managed.trusted && managed.document?.allowPlaintextTeamStore === true;
  }

  /**
   * Refuses an admin-only operation to an agent: throws `forbidden` and records the refusal.
   * SECURITY: checked in main for every channel and CLI command that offers it; the UI only hides.
   */
  async requireAdmin(operation: AdminOperation, tenant?: { id: string; name: string } | null): Promise<void> {
    const s = await this.sources();
    if (this.roleFrom(s) === 'admin') return;
    const error = new AppError('forbidden', `Your role (agent) may not ${OPERATION_TEXT[operation]}. Ask a security admin; the managed policy names who they are.`);
    await this.refuse(operation, tenant ?? null, error, s);
  }

  /**
   * Refuses using a tenant the policy does not allow: switching to or acting on a tenant outside
   * `allowedTenants` (agents; security admins are not limited), and any audited action while
   * `requireTeamStore` is on and the team store is not configured or not reachable. Audited.
   * SECURITY: checked by the tenant vault before any client is handed out, so every lookup,
   * change and coverage run, in the console, the extension and the CLI, passes here.
   */
  async requireTenantAllowed(tenant: { id: string; name: string }, use: TenantUse): Promise<void> {
    const s = await this.sources();
    const e = this.effectiveFrom(s);
    if (e.settings.requireTeamStore.value && !(s.teamStore.configured && s.teamStore.reachable)) {
      const error = new AppError(
        s.teamStore.configured ? 'unavailable' : 'forbidden',
        s.teamStore.configured
          ? `The team store cannot be reached, and the ${e.settings.requireTeamStore.source} policy requires it for every audited action. Check the network or VPN, then retry (authdesk team status shows the connection).`
          : `The ${e.settings.requireTeamStore.source} policy requires the team store for every audited action, and none is configured on this computer. Ask an admin to run \`authdesk team connect\` here.`,
      );
      await this.refuse(use === 'switch' ? 'tenant.switch' : 'tenant.act', tenant, error, s, { requireTeamStore: true });
    }
    const allowed = e.settings.allowedTenants.value;
    if (allowed !== null && !allowed.includes(tenant.id) && this.roleFrom(s) !== 'admin') {
      const error = new AppError(
        'forbidden',
        `The ${e.settings.allowedTenants.source} policy does not allow agents to ${use === 'switch' ? 'switch to' : 'work on'} the tenant “${tenant.name}” (${tenant.id}). Allowed: ${allowed.join(', ') || 'none'}. Pick an allowed tenant, or ask a security admin.`,
      );
      await this.refuse(use === 'switch' ? 'tenant.switch' : 'tenant.act', tenant, error, s, { allowedTenants: allowed });
    }
  }

  /**
   * Refuses removing a user's last authenticator(s) unless the policy's rule allows this role:
   * `anyone`, `admin` (security admins only) or `nobody`. Audited.
   */
  async requireLastAuthenticatorRemoval(tenant: { id: string; name: string }, userId: string): Promise<void> {
    const s = await this.sources();
    const e = this.effectiveFrom(s);
    const rule = e.settings.lastAuthenticatorRemoval;
    if (rule.value === 'anyone' || (rule.value === 'admin' && this.roleFrom(s) === 'admin')) return;
    const error = new AppError(
      'forbidden',
      rule.value === 'nobody'
        ? `The ${rule.source} policy does not let anyone remove a user's last authenticator: it would leave the user with no way to sign in. Enroll a new authenticator first (then remove the old one), or ask a security admin to change the policy.`
        : `The ${rule.source} policy lets only security admins remove a user's last authenticator. Enroll a new authenticator first, or hand the call to a security admin.`,
    );
    await this.refuse('authenticators.remove-last', tenant, error, s, { userId, rule: rule.value });
  }

  private async refuse(
    operation: AdminOperation | 'tenant.switch' | 'tenant.act',
    tenant: { id: string; name: string } | null,
    error: AppError,
    s: Sources,
    extra: Record<string, unknown> = {},
  ): Promise<never> {
    const role = this.roleFrom(s);
    const account = this.accountOf(s);
    await this.options
      .audit?.()
      .append({ action: 'policy.forbidden', tenant: tenant ? { id: tenant.id, name: tenant.name } : null, details: { operation, role, account, ...extra }, error })
      .catch(() => undefined);
    throw error;
  }
}
