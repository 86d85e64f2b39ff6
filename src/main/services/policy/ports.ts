import type { AdminOperation } from './policy.service';

/** What other domains may use from the policy domain, declared once here. */
export type { AdminOperation, PolicyService, TeamPolicySource } from './policy.service';

/** Refuses admin-only operations to agents (audited); what coverage, evidence and settings need. */
export interface AdminGate {
  requireAdmin(operation: AdminOperation, tenant?: { id: string; name: string } | null): Promise<void>;
}

export { maskContactsInText } from './contact-rule';
