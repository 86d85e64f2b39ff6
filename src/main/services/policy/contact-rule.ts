import type { AuditEntry } from '@shared/domain/audit';
import type { Role } from '@shared/domain/policy';
import { maskEmail, maskPhone } from '@shared/domain/verification';
import type { ContactDisclosure } from '../directory/ports';

/**
 * The one contact-masking rule in main (issue #12): who sees a user's email and phone in full.
 *
 *   - a caller verified in this call: in full, for that user, whatever the role;
 *   - an agent: masked, everywhere (user view, search, recent users, audit log, the extension);
 *   - a security admin (or solo use with no policy): as before, in full when the tenant does not
 *     require caller verification and no managed or team policy turns `maskContacts` on.
 *
 * SECURITY: decided in main from the effective policy and the role it assigns, never from a
 * local setting alone or from the renderer; the services apply it before an answer crosses IPC.
 */

/** Whether contacts are shown to everyone or only for callers verified in this call. */
export type DisclosureScope = 'everyone' | 'verified-callers';

/** The rule itself, as a pure function (unit-testable; every surface goes through it). */
export function disclosureScope(input: { role: Role; maskLocked: boolean; requireVerification: boolean }): DisclosureScope {
  // SECURITY: an agent never sees contact details outside a verified call.
  if (input.role === 'agent') return 'verified-callers';
  // SECURITY: a managed or team policy that masks contacts binds security admins at the desk too.
  if (input.maskLocked) return 'verified-callers';
  return input.requireVerification ? 'verified-callers' : 'everyone';
}

/** What the rule reads. */
export interface ContactRuleDeps {
  tenants: { activeTenant(): Promise<{ id: string } | null> };
  policy: { effective(): Promise<{ role: Role; settings: { maskContacts: { value: boolean; source: string } } }> };
  /** Whether the tenant requires caller verification (managed, team and local policy merged). */
  requireVerification(tenantId: string): Promise<boolean>;
  /** Who has a live caller verification in a tenant now (caller verification answers it). */
  verifiedNow(tenantId: string): Promise<(userId: string) => boolean>;
}

const EMAIL_IN_TEXT = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;
const PHONE = /^\+[\d\s().-]{6,}$/;

/** Masks every email in a text, and a text that is a phone number (E.164, as Authsignal stores them). */
export function maskContactsInText(text: string): string {
  if (PHONE.test(text.trim()) && text.replace(/\D/g, '').length >= 6) return maskPhone(text);
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email));
}

/** A JSON value with every contact detail in its strings masked. */
export function maskContactsInJson<T>(value: T): T {
  if (typeof value === 'string') return maskContactsInText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => maskContactsInJson(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskContactsInJson(v)])) as T;
  }
  return value;
}

/** Applies {@link disclosureScope} for the directory (one user, search, recent) and the audit log. */
export class ContactRule implements ContactDisclosure {
  constructor(private readonly deps: ContactRuleDeps) {}

  /** The scope in a tenant for this account. */
  async scope(tenantId: string): Promise<DisclosureScope> {
    const [effective, requireVerification] = await Promise.all([this.deps.policy.effective(), this.deps.requireVerification(tenantId)]);
    const mask = effective.settings.maskContacts;
    return disclosureScope({ role: effective.role, maskLocked: mask.value && mask.source !== 'default', requireVerification });
  }

  /**
   * Whether bulk views mask contacts: the coverage table, its CSV and JSON exports and the evidence
   * pack. A list of users is never "in a verified call", so: an agent always, and anyone (security
   * admins too) when a managed or team policy turns `maskContacts` on; solo use as before (in full).
   */
  async masksBulk(): Promise<boolean> {
    const effective = await this.deps.policy.effective();
    const mask = effective.settings.maskContacts;
    return disclosureScope({ role: effective.role, maskLocked: mask.value && mask.source !== 'default', requireVerification: false }) !== 'everyone';
  }

  /** Who may be shown in full in the active tenant, decided once per answer (the directory's port). */
  async discloser(): Promise<(userId: string) => boolean> {
    const tenant = await this.deps.tenants.activeTenant();
    if (!tenant) return () => false;
    if ((await this.scope(tenant.id)) === 'everyone') return () => true;
    return this.deps.verifiedNow(tenant.id);
  }

  /**
   * Audit log entries as this account may read them: an agent gets every email and phone in the
   * details masked, except for a user whose caller is verified in this call in that tenant.
   * Security admins read the log as it is (it is their record).
   */
  async auditEntries<T extends { entries: AuditEntry[] }>(page: T): Promise<T> {
    return { ...page, entries: await this.maskEntries(page.entries, (e) => e, (_, entry) => entry) };
  }

  /** The team log's page (team scope), under the same rule as the local log. */
  async teamEntries<E extends { entry: AuditEntry | null }, T extends { entries: E[] }>(page: T): Promise<T> {
    return { ...page, entries: await this.maskEntries(page.entries, (e) => e.entry, (e, entry) => ({ ...e, entry })) };
  }

  private async maskEntries<E>(items: E[], entryOf: (item: E) => AuditEntry | null, withEntry: (item: E, entry: AuditEntry) => E): Promise<E[]> {
    if ((await this.deps.policy.effective()).role === 'admin') return items;
    const verified = new Map<string, (userId: string) => boolean>();
    const out: E[] = [];
    for (const item of items) {
      const entry = entryOf(item);
      if (!entry) {
        out.push(item);
        continue;
      }
      const tenantId = entry.tenant?.id;
      const userId = entry.subject.userId;
      let shown = false;
      if (tenantId && userId) {
        if (!verified.has(tenantId)) verified.set(tenantId, await this.deps.verifiedNow(tenantId));
        shown = verified.get(tenantId)!(userId);
      }
      out.push(shown ? item : withEntry(item, { ...entry, details: maskContactsInJson(entry.details) }));
    }
    return out;
  }
}
