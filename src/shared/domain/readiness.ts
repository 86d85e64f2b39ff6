import { z } from 'zod';
import { IsoTimestamp } from './fields';
import { ErrorCode } from '../errors';
import { keysOf } from '../lib/keys-of';
import { UserActionState, type VerificationMethod } from './authsignal';

/**
 * Tenant readiness ("doctor"): whether a tenant is set up for what Authdesk does, read from the
 * tenant itself (Server API `GET /authenticators` lists the authenticators the tenant has
 * configured), with what to change in the Authsignal portal for anything missing.
 */

/**
 * What Authdesk does that depends on the tenant's configured authenticators: for each feature, its
 * name and the methods of which at least one must be active.
 */
export const FEATURE_REQUIREMENTS = {
  'verify-email-code': { label: 'Verify a caller with a code by email', anyOf: ['EMAIL_OTP'] },
  'verify-sms-code': { label: 'Verify a caller with a code by SMS', anyOf: ['SMS'] },
  'verify-challenge-link': {
    label: 'Verify a caller with a challenge link',
    anyOf: ['PASSKEY', 'SECURITY_KEY', 'AUTHENTICATOR_APP', 'EMAIL_OTP', 'EMAIL_MAGIC_LINK', 'SMS', 'WHATSAPP', 'PUSH'],
  },
  'enroll-prebuilt': {
    label: 'Enroll in the pre-built UI window',
    anyOf: ['PASSKEY', 'SECURITY_KEY', 'AUTHENTICATOR_APP', 'EMAIL_OTP', 'EMAIL_MAGIC_LINK', 'SMS', 'WHATSAPP', 'PUSH'],
  },
  'enroll-link': {
    label: "Enroll with a link to the user's own device",
    anyOf: ['PASSKEY', 'SECURITY_KEY', 'AUTHENTICATOR_APP', 'EMAIL_OTP', 'EMAIL_MAGIC_LINK', 'SMS', 'WHATSAPP', 'PUSH'],
  },
  'guided-email-otp': { label: 'Guided page: email code', anyOf: ['EMAIL_OTP'] },
  'guided-sms': { label: 'Guided page: SMS code', anyOf: ['SMS'] },
  'guided-authenticator-app': { label: 'Guided page: authenticator app', anyOf: ['AUTHENTICATOR_APP'] },
  'guided-passkey': { label: 'Guided page: passkey', anyOf: ['PASSKEY'] },
  'guided-security-key': { label: 'Guided page: security key', anyOf: ['SECURITY_KEY'] },
} satisfies Record<string, { label: string; anyOf: readonly VerificationMethod[] }>;
export const READINESS_FEATURES = keysOf(FEATURE_REQUIREMENTS);
export const ReadinessFeature = z.enum(READINESS_FEATURES);
export type ReadinessFeature = z.infer<typeof ReadinessFeature>;

/** Portal names of methods, for advice ("turn on … in the Authsignal portal"). */
export const PORTAL_METHOD_NAMES: Readonly<Partial<Record<VerificationMethod, string>>> = {
  EMAIL_OTP: 'Email OTP',
  EMAIL_MAGIC_LINK: 'Email magic link',
  SMS: 'SMS OTP',
  WHATSAPP: 'WhatsApp OTP',
  AUTHENTICATOR_APP: 'Authenticator app',
  PASSKEY: 'Passkey',
  SECURITY_KEY: 'Security key',
  PUSH: 'Push',
};

/** One authenticator the tenant has configured (`GET /authenticators`). */
export const ConfiguredAuthenticator = z.object({
  authenticatorId: z.string(),
  verificationMethod: z.string(),
  isActive: z.boolean(),
});
export type ConfiguredAuthenticator = z.infer<typeof ConfiguredAuthenticator>;

/** A check's outcome: `ok`, `warn` (works, but not everything), `fail` (Authdesk cannot do this). */
export const CheckStatus = z.enum(['ok', 'warn', 'fail', 'skipped']);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** Whether one feature can be used on this tenant. */
export const FeatureReadiness = z.object({
  feature: ReadinessFeature,
  label: z.string(),
  ready: z.boolean(),
  /** The active methods that enable it. */
  enabledBy: z.array(z.string()),
  /** What to configure when it is not ready. */
  fix: z.string().optional(),
});
export type FeatureReadiness = z.infer<typeof FeatureReadiness>;

/** What a probe of one tracked action found (only with an explicit probe). */
export const ActionProbe = z.object({
  actionCode: z.string(),
  purpose: z.string(),
  expected: UserActionState,
  /** The state `track` answered; absent when the call failed. */
  observed: z.string().optional(),
  status: CheckStatus,
  message: z.string(),
});
export type ActionProbe = z.infer<typeof ActionProbe>;

/** The readiness report of one tenant. */
export const ReadinessReport = z.object({
  tenant: z.object({ id: z.string(), name: z.string(), kind: z.enum(['local', 'remote']), host: z.string(), tenantId: z.string() }),
  checkedAt: IsoTimestamp,
  /** Overall: `fail` if any check failed, `warn` if any warned, else `ok`. */
  status: CheckStatus,
  connection: z.object({ status: CheckStatus, code: ErrorCode.optional(), message: z.string() }),
  authenticators: z.object({
    status: CheckStatus,
    message: z.string(),
    configured: z.array(ConfiguredAuthenticator),
  }),
  features: z.array(FeatureReadiness),
  actions: z.object({
    status: CheckStatus,
    message: z.string(),
    /** The user id the probe tracked actions on (and deleted afterwards), when it ran. */
    probeUserId: z.string().optional(),
    probes: z.array(ActionProbe),
  }),
  /** What to configure in the Authsignal portal, one line each. */
  advice: z.array(z.string()),
});
export type ReadinessReport = z.infer<typeof ReadinessReport>;

/** The user id the action probe uses unless told otherwise: recognisable and never a real person's. */
export const DEFAULT_PROBE_USER_ID = 'authdesk-readiness-probe';

/** The worse of two statuses (`skipped` counts as `ok`). */
export function worseStatus(a: CheckStatus, b: CheckStatus): CheckStatus {
  const rank = { skipped: 0, ok: 0, warn: 1, fail: 2 } as const;
  return rank[b] > rank[a] ? b : a === 'skipped' ? 'ok' : a;
}
