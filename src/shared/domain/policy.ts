import { z } from 'zod';

/**
 * The helpdesk policy (issue #12): what a security admin decides and an agent cannot weaken. Three
 * sources, strictest wins per key: the managed policy an OS administrator or MDM installs, the team
 * policy in the team store, and local settings (which can only make things stricter).
 */

/** Who may remove a user's last authenticator, from most to least permissive. */
export const LAST_AUTHENTICATOR_RULES = ['anyone', 'admin', 'nobody'] as const;
export const LastAuthenticatorRule = z.enum(LAST_AUTHENTICATOR_RULES);
export type LastAuthenticatorRule = z.infer<typeof LastAuthenticatorRule>;

const Fingerprint = z
  .string()
  .transform((v) => v.trim().toLowerCase().replace(/^sha256:/, '').replace(/[^0-9a-f]/g, ''))
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'a key fingerprint is 64 hex digits (SHA-256)'));

/** True for `https://host[:port]` (a trailing slash allowed), nothing else. */
function isHttpsOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

/** One policy document, as a source states it; every key optional (absent: the source says nothing). */
export const PolicyDocument = z
  .object({
    /** Verify the caller before enrollments and removals, for every tenant. */
    requireCallerVerification: z.boolean().optional(),
    /** Mask contact details outside a verified call. */
    maskContacts: z.boolean().optional(),
    /** Tenant profile ids agents may act on (absent: all). */
    allowedTenants: z.array(z.string().min(1).max(100)).max(1000).optional(),
    /** Who may remove a user's last authenticator. */
    lastAuthenticatorRemoval: LastAuthenticatorRule.optional(),
    /** A ticket id with every change. */
    requireTicketId: z.boolean().optional(),
    /** Refuse audited actions unless the team store is configured and reachable. */
    requireTeamStore: z.boolean().optional(),
    /** Managed policy only: allow a team store connection without TLS to a host that is not this computer. */
    allowPlaintextTeamStore: z.boolean().optional(),
    /** Fingerprints of the evidence signing keys `evidence verify` trusts. */
    trustedEvidenceKeys: z.array(Fingerprint).max(100).optional(),
    /** OS accounts (or team database roles) that are security admins; everyone else is an agent. */
    securityAdmins: z.array(z.string().min(1).max(200)).max(1000).optional(),
    /**
     * Extra https origins the enrollment windows may load (a real pre-built UI's frames or assets
     * that the blocked-origin log named).
     * SECURITY: a grant, not a restriction: it widens what a window holding a user's token may
     * reach, so only the managed (when trusted) or team policy may set it; local settings cannot
     * add to it, and only https origins parse.
     */
    allowedEnrollmentOrigins: z
      .array(z.string().refine(isHttpsOrigin, 'an https origin, like https://cdn.example.com'))
      .max(100)
      .optional(),
  })
  .strip();
export type PolicyDocument = z.infer<typeof PolicyDocument>;

/** Keys that restrict what the desk may do (strictest wins). */
export const POLICY_KEYS = [
  'requireCallerVerification',
  'maskContacts',
  'allowedTenants',
  'lastAuthenticatorRemoval',
  'requireTicketId',
  'requireTeamStore',
] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];

export const PolicySource = z.enum(['managed', 'team', 'local', 'default']);
export type PolicySource = z.infer<typeof PolicySource>;

/** One key in force: its value, where it comes from, and whether an agent can change it. */
export const PolicySetting = <T extends z.ZodType>(value: T) =>
  z.object({ value, source: PolicySource, locked: z.boolean() });

export const Role = z.enum(['agent', 'admin']);
export type Role = z.infer<typeof Role>;

/** The policy in force, for the console and `authdesk policy show`. */
export const EffectivePolicy = z.object({
  /** True when a managed or team policy exists (roles then come from it). */
  managed: z.boolean(),
  role: Role,
  /** The OS account (or team database role) the role was decided for. */
  account: z.string(),
  settings: z.object({
    requireCallerVerification: PolicySetting(z.boolean()),
    maskContacts: PolicySetting(z.boolean()),
    allowedTenants: PolicySetting(z.array(z.string()).nullable()),
    lastAuthenticatorRemoval: PolicySetting(LastAuthenticatorRule),
    requireTicketId: PolicySetting(z.boolean()),
    requireTeamStore: PolicySetting(z.boolean()),
  }),
  trustedEvidenceKeys: z.array(z.string()),
  /** Loosenings only the managed (when trusted) or team policy can grant, so an admin sees what is granted. */
  grants: z.object({
    /** Extra https origins enrollment windows may load (a real pre-built UI's assets). */
    enrollmentOrigins: z.array(z.string()),
    /** Plaintext to a team store on another host (trusted managed policy only). */
    plaintextTeamStore: z.boolean(),
  }),
  /** Problems reading a source (a managed file the agent can write is not trusted for grants). */
  problems: z.array(z.string()),
});
export type EffectivePolicy = z.infer<typeof EffectivePolicy>;
