import { z } from 'zod';

/** Authenticators unused for longer than this are flagged stale in coverage reports (issue #6). */
export const DEFAULT_STALE_AFTER_DAYS = 180;
/** The Authsignal action Authdesk tracks for enrollment (issue #5). */
export const DEFAULT_ENROLLMENT_ACTION_CODE = 'authdesk-enroll';

/** What an admin decides per tenant. */
export const TenantPolicy = z.object({
  /** Verify the caller before any enrollment or removal (issue #5). On unless an admin turns it off. */
  requireCallerVerification: z.boolean(),
  /** Ask for the ticket of the call on verification and enrollment too (removals always ask). Off unless set. */
  requireTicket: z.boolean().optional(),
});
export type TenantPolicy = z.infer<typeof TenantPolicy>;

/** The policy of a tenant nobody configured: the safe one. */
export const DEFAULT_TENANT_POLICY: Readonly<TenantPolicy> = Object.freeze({ requireCallerVerification: true });

/** The name an agent goes by in the audit log. */
export const AgentName = z
  .string()
  .trim()
  .min(1, 'Enter the name you want the audit log to show')
  .max(80, 'Use at most 80 characters');

/**
 * An Authsignal action code: 1 to 64 letters, digits, dashes and underscores (Authsignal's own rule,
 * `^[a-zA-Z0-9_-]{1,64}$`), so a code saved here is never refused by the tenant at enrollment time.
 */
export const ActionCode = z
  .string()
  .trim()
  .min(1, 'Enter an action code such as authdesk-enroll')
  .max(64, 'Use at most 64 characters (Authsignal’s limit for action codes)')
  .regex(/^[A-Za-z0-9_-]+$/, 'An action code has only letters, digits, dashes and underscores');

/** Days after which an unused authenticator counts as stale. */
export const StaleAfterDays = z
  .number()
  .int('Use a whole number of days')
  .min(1, 'Use at least 1 day')
  .max(3650, 'Use at most 3650 days (10 years)');

/** A tenant profile id as a settings key. */
export const PolicyTenantId = z.string().trim().min(1, 'Pick a tenant').max(100);

/** The console's settings, with every default filled in. */
export const Settings = z.object({
  /** Null until the agent picks one; the audit log then shows only the OS user. */
  agentName: AgentName.nullable(),
  staleAfterDays: StaleAfterDays,
  enrollmentActionCode: ActionCode,
  /** Only tenants whose policy differs from {@link DEFAULT_TENANT_POLICY} need an entry. */
  tenantPolicies: z.record(z.string(), TenantPolicy),
});
export type Settings = z.infer<typeof Settings>;

/** Settings as the console sees them, plus a problem reading the file, if there was one. */
export const SettingsView = Settings.extend({
  /** Set when the settings file could not be read and defaults are in use. */
  problem: z.string().optional(),
  /**
   * Set when settings.json was edited outside the app: what differs from the last confirmed
   * settings. Only stricter parts apply until a security admin confirms the edit.
   */
  externalChanges: z
    .array(z.object({ setting: z.string(), tenantId: z.string().optional(), from: z.union([z.string(), z.number(), z.boolean(), z.null()]), to: z.union([z.string(), z.number(), z.boolean(), z.null()]) }))
    .optional(),
});
export type SettingsView = z.infer<typeof SettingsView>;

/** A change to the settings: only the fields given change; a tenant policy of null resets it. */
export const SettingsPatch = z
  .object({
    agentName: AgentName.nullable().optional(),
    staleAfterDays: StaleAfterDays.optional(),
    enrollmentActionCode: ActionCode.optional(),
    tenantPolicies: z.record(PolicyTenantId, TenantPolicy.partial().strict().nullable()).optional(),
  })
  .strict();
export type SettingsPatch = z.input<typeof SettingsPatch>;

/** The defaults of a fresh install. */
export function defaultSettings(): Settings {
  return {
    agentName: null,
    staleAfterDays: DEFAULT_STALE_AFTER_DAYS,
    enrollmentActionCode: DEFAULT_ENROLLMENT_ACTION_CODE,
    tenantPolicies: {},
  };
}

/** The policy in force for a tenant profile. */
export function policyOf(settings: Settings, tenantId: string): TenantPolicy {
  const own = Object.hasOwn(settings.tenantPolicies, tenantId) ? settings.tenantPolicies[tenantId] : undefined;
  return { ...DEFAULT_TENANT_POLICY, ...own };
}
