import { userLabel, type RecentUser, type UserProfile } from '@shared/domain/user';

/**
 * Users opened recently, per tenant profile id, newest first.
 * SECURITY: in memory only, so no more PII lands on disk than the audit log already holds; it
 * survives a window reload (unlike renderer memory) and dies with the process.
 */
export class RecentUsers {
  private readonly byTenant = new Map<string, RecentUser[]>();

  constructor(private readonly limit: number) {}

  /** A copy of the tenant's list, newest first. */
  list(tenantId: string): RecentUser[] {
    return [...(this.byTenant.get(tenantId) ?? [])];
  }

  /** Puts the user at the top (once), keeping at most `limit`. */
  remember(tenantId: string, profile: UserProfile, at: Date): void {
    const label = userLabel(profile);
    const entry: RecentUser = { userId: profile.userId, label: label === profile.userId ? undefined : label, openedAt: at.toISOString() };
    const rest = (this.byTenant.get(tenantId) ?? []).filter((r) => r.userId !== profile.userId);
    this.byTenant.set(tenantId, [entry, ...rest].slice(0, this.limit));
  }
}
