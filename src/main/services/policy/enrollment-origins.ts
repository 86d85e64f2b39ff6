import type { PolicyDocument } from '@shared/domain/policy';

/**
 * The extra origins enrollment windows may load (`allowedEnrollmentOrigins`), decided here in
 * plain Node so the Electron host only applies the answer.
 */

/** The origin of an https URL, or null for anything else. */
export function httpsOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The origins the policy grants to enrollment windows: the managed policy's (only when its file is
 * trusted) and the team policy's. SECURITY: a grant comes only from sources an agent cannot write;
 * local settings have no such key, and a managed file the agent could edit is ignored for it.
 */
export function grantedEnrollmentOrigins(managed: PolicyDocument | null, managedTrusted: boolean, team: PolicyDocument | null): string[] {
  const stated = [...(managedTrusted ? (managed?.allowedEnrollmentOrigins ?? []) : []), ...(team?.allowedEnrollmentOrigins ?? [])];
  return [...new Set(stated.map(httpsOrigin).filter((o): o is string => o !== null))];
}

/**
 * A window's own origins plus the granted ones. SECURITY: a grant is re-checked here as https
 * (whatever a caller passes), so no policy can open a window to http:, file: or data:.
 */
export function windowOrigins(own: readonly string[], granted: readonly string[] = []): string[] {
  return [...new Set([...own, ...granted.map(httpsOrigin).filter((o): o is string => o !== null)])];
}
