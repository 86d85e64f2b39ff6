import { userInfo } from 'node:os';
import { LAST_AUTHENTICATOR_RULES, type EffectivePolicy, type LastAuthenticatorRule, type PolicyDocument, type PolicySource, type Role } from '@shared/domain/policy';
import { AppError } from '@shared/errors';
import type { AuditSink } from '../audit/ports';
import { grantedEnrollmentOrigins } from './enrollment-origins';
import { parsePolicyDocument, type ManagedPolicyReader } from './managed-policy';

/**
 * The team policy, as the team store keeps it (admin-only write). `TeamStore` fits this port, so
 * wiring team mode in is one line in the container.
 */
export interface TeamPolicySource {
  getPolicy(): Promise<{ policy: Record<string, unknown> } | null>;
}

/** What local settings say, per tenant (they can only make things stricter). */
export interface LocalPolicy {
  requireCallerVerification(tenantId: string): Promise<boolean>;
}

/** What an agent may not do; the security admin may. */
export type AdminOperation = 'coverage.run' | 'coverage.export' | 'evidence.export' | 'settings.weaken' | 'contacts.unmasked' | 'settings.confirm-external';

const OPERATION_TEXT: Record<AdminOperation, string> = {
  'coverage.run': 'run coverage audits',
  'coverage.export': 'export coverage reports',
  'evidence.export': 'export evidence packs',
  'settings.weaken': 'turn a protection off',
  'contacts.unmasked': 'see contact details outside a verified call',
  'settings.confirm-external': 'confirm a settings change made outside the app',
};

export interface PolicyServiceOptions {
  managed: ManagedPolicyReader;
  /** The team store's policy when team mode is configured, else null. */
  team?: () => TeamPolicySource | null;
  local?: LocalPolicy;
  audit?: () => Pick<AuditSink, 'append'>;
  /** The OS account the role is decided for (default: the one running Authdesk). */
  account?: string;
}

interface Sources {
  managed: PolicyDocument | null;
  managedTrusted: boolean;
  team: PolicyDocument | null;
  problems: string[];
}

function osAccount(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
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
    this.account = options.account ?? osAccount();
  }

  private async sources(): Promise<Sources> {
    const managed = await this.options.managed.read();
    const problems = [...managed.problems];
    let team: PolicyDocument | null = null;
    const teamSource = this.options.team?.() ?? null;
    if (teamSource) {
      try {
        const stored = await teamSource.getPolicy();
        if (stored) {
          const parsed = parsePolicyDocument(stored.policy, 'the team store');
          team = parsed.document;
          problems.push(...parsed.problems);
        }
      } catch (error) {
        problems.push(`The team policy could not be read (${error instanceof Error ? error.message : String(error)}); the managed and local policy apply.`);
      }
    }
    return { managed: managed.document, managedTrusted: managed.trusted, team, problems };
  }

  /** The policy in force, for the console and `authdesk policy show`. */
  async effective(): Promise<EffectivePolicy> {
    const s = await this.sources();
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
    const managedAny = s.managed !== null || s.team !== null;
    return {
      managed: managedAny,
      role: this.roleFrom(s),
      account: this.account,
      settings: {
        requireCallerVerification: flag('requireCallerVerification', true),
        maskContacts: flag('maskContacts', true),
        allowedTenants: { value: allowed, source: allowedSource, locked: allowed !== null },
        lastAuthenticatorRemoval: { value: last, source: lastSource, locked: lastSource !== 'default' },
        requireTicketId: flag('requireTicketId', false),
        requireTeamStore: flag('requireTeamStore', false),
      },
      trustedEvidenceKeys: [...new Set([...(s.managedTrusted ? (s.managed?.trustedEvidenceKeys ?? []) : []), ...(s.team?.trustedEvidenceKeys ?? [])])],
      problems: s.problems,
    };
  }

  private roleFrom(s: Sources): Role {
    if (s.managed === null && s.team === null) return 'admin';
    // SECURITY: grants come only from sources the agent cannot write.
    const admins = [...(s.managedTrusted ? (s.managed?.securityAdmins ?? []) : []), ...(s.team?.securityAdmins ?? [])];
    return admins.includes(this.account) ? 'admin' : 'agent';
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
   * Refuses an admin-only operation to an agent: throws `forbidden` and records the refusal.
   * SECURITY: checked in main for every channel and CLI command that offers it; the UI only hides.
   */
  async requireAdmin(operation: AdminOperation, tenant?: { id: string; name: string } | null): Promise<void> {
    if ((await this.role()) === 'admin') return;
    const error = new AppError('forbidden', `Your role (agent) may not ${OPERATION_TEXT[operation]}. Ask a security admin; the managed policy names who they are.`);
    await this.options
      .audit?.()
      .append({ action: 'policy.forbidden', tenant: tenant ?? null, details: { operation, role: 'agent', account: this.account }, error })
      .catch(() => undefined);
    throw error;
  }
}
