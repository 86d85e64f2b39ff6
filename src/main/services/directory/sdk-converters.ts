import type { GetUserResponse, QueryUserActionsResponse, UserAuthenticator } from '@authsignal/node';
import { isPhishingResistant, methodLabel, type AuthenticatorView } from '@shared/domain/authenticator-view';
import type { ActionView, CustomData, UserProfile, UserSummary, SearchField } from '@shared/domain/user';
import { providerName } from './aaguid';

/**
 * Turns Server API answers into the console's views. The API is read defensively: fields the docs
 * mention but the SDK types lack (`isDefault`, `defaultVerificationMethod`, `ipAddress`…) are picked
 * up when present, and anything of the wrong type is dropped rather than trusted.
 */

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function customOf(v: unknown): CustomData {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: CustomData = {};
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[k] = value;
  }
  return out;
}

/** `getUser`'s answer as the profile of `userId`. */
export function toProfile(userId: string, user: GetUserResponse): UserProfile {
  const raw = user as GetUserResponse & Record<string, unknown>;
  return {
    userId,
    email: str(raw.email),
    emailVerified: raw.emailVerified === true,
    phoneNumber: str(raw.phoneNumber),
    phoneNumberVerified: raw.phoneNumberVerified === true,
    username: str(raw.username),
    displayName: str(raw.displayName),
    locale: str(raw.locale),
    custom: customOf(raw.custom),
    isEnrolled: raw.isEnrolled === true,
    enrolledVerificationMethods: strings(raw.enrolledVerificationMethods),
    allowedVerificationMethods: strings(raw.allowedVerificationMethods),
    defaultVerificationMethod: str(raw.defaultVerificationMethod),
  };
}

/** True when the API holds anything at all for the id (Authsignal answers every id, known or not). */
export function profileHasData(profile: UserProfile): boolean {
  return (
    profile.isEnrolled ||
    !!(profile.email || profile.phoneNumber || profile.username || profile.displayName) ||
    Object.keys(profile.custom).length > 0
  );
}

/** A search hit from `getUser` (matched by id). */
export function summaryFromProfile(profile: UserProfile, matchedBy: SearchField[]): UserSummary {
  return {
    userId: profile.userId,
    email: profile.email,
    emailVerified: profile.emailVerified,
    phoneNumber: profile.phoneNumber,
    phoneNumberVerified: profile.phoneNumberVerified,
    username: profile.username,
    displayName: profile.displayName,
    isEnrolled: profile.isEnrolled,
    matchedBy,
  };
}

/** A search hit from `queryUsers` (the docs add displayName and isEnrolled to the SDK's type). */
export function summaryFromQuery(user: Record<string, unknown>, matchedBy: SearchField[]): UserSummary | undefined {
  const userId = str(user.userId);
  if (!userId) return undefined;
  return {
    userId,
    email: str(user.email),
    emailVerified: bool(user.emailVerified),
    phoneNumber: str(user.phoneNumber),
    phoneNumberVerified: bool(user.phoneNumberVerified),
    username: str(user.username),
    displayName: str(user.displayName),
    isEnrolled: bool(user.isEnrolled),
    matchedBy,
  };
}

const joinParts = (...parts: (string | undefined)[]) => {
  const text = parts.filter(Boolean).join(' ').trim();
  return text.length > 0 ? text : undefined;
};

/** The human name of an authenticator and where it came from. */
function nameOf(a: UserAuthenticator): Pick<AuthenticatorView, 'name' | 'nameSource'> {
  const credential = a.webauthnCredential;
  if (credential) {
    const provider = providerName(credential);
    if (provider) return { name: provider.name, nameSource: provider.source };
    const own = str(credential.name);
    if (own) return { name: own, nameSource: 'credential' };
  }
  // The SDK types the method as an enum; compare it as the string it is on the wire.
  const method: string = a.verificationMethod;
  const contact =
    method === 'SMS' || method === 'WHATSAPP'
      ? str(a.phoneNumber)
      : method === 'EMAIL_OTP' || method === 'EMAIL_MAGIC_LINK'
        ? str(a.email)
        : undefined;
  if (contact) return { name: contact, nameSource: 'contact' };
  const label = str(a.displayName) ?? methodLabel(a.verificationMethod);
  return { name: label, nameSource: 'method' };
}

/** One `getAuthenticators` item as a view. `isDefault` is settled later by {@link orderAuthenticators}. */
export function toAuthenticatorView(a: UserAuthenticator): AuthenticatorView {
  const raw = a as UserAuthenticator & Record<string, unknown>;
  const credential = a.webauthnCredential;
  const ua = credential?.parsedUserAgent;
  const deviceType = credential?.credentialDeviceType;
  const named = nameOf(a);
  const provider = credential ? providerName(credential)?.name : undefined;
  const own = str(credential?.name);
  return {
    id: a.userAuthenticatorId,
    method: a.verificationMethod,
    methodLabel: methodLabel(a.verificationMethod),
    name: named.name,
    nameSource: named.nameSource,
    // The credential's own name only when it is not just the provider again (the emulator and, it
    // seems, the live API fill `name` with the provider when the browser gave none).
    credentialName: own && own.toLowerCase() !== provider?.toLowerCase() ? own : undefined,
    provider,
    createdAt: a.createdAt,
    verifiedAt: str(a.verifiedAt),
    lastUsedAt: str(a.lastVerifiedAt),
    isDefault: bool(raw.isDefault) ?? null,
    backedUp: bool(credential?.credentialBackedUp),
    deviceType: deviceType === 'singleDevice' || deviceType === 'multiDevice' ? deviceType : undefined,
    attachment: str(credential?.authenticatorAttachment) ?? str(raw.authenticatorAttachment),
    browser: joinParts(str(ua?.browser?.name), str(ua?.browser?.version)),
    os: joinParts(str(ua?.os?.name), str(ua?.os?.version)),
    device: joinParts(str(ua?.device?.vendor), str(ua?.device?.model)),
    aaguid: str(credential?.aaguid),
    email: str(a.email),
    phoneNumber: str(a.phoneNumber),
    username: str(a.username),
    phishingResistant: isPhishingResistant(a.verificationMethod),
  };
}

const time = (iso: string | undefined) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
};

/**
 * Settles `isDefault` and orders the list: default first, then most recently used, then newest.
 * When the API marks none, the first authenticator of the user's default method is the default;
 * when it says nothing either way, each stays `null` (unknown) rather than a guess.
 */
export function orderAuthenticators(list: AuthenticatorView[], defaultMethod: string | undefined): AuthenticatorView[] {
  const anyMarked = list.some((a) => a.isDefault !== null);
  let settled = list;
  if (!anyMarked && defaultMethod) {
    const byRecency = [...list].sort((a, b) => time(b.lastUsedAt) - time(a.lastUsedAt) || time(b.createdAt) - time(a.createdAt));
    const chosen = byRecency.find((a) => a.method === defaultMethod)?.id;
    settled = list.map((a) => ({ ...a, isDefault: a.id === chosen }));
  } else if (anyMarked) {
    settled = list.map((a) => ({ ...a, isDefault: a.isDefault === true }));
  }
  return [...settled].sort(
    (a, b) =>
      Number(b.isDefault === true) - Number(a.isDefault === true) ||
      time(b.lastUsedAt) - time(a.lastUsedAt) ||
      time(b.createdAt) - time(a.createdAt),
  );
}

/** One `queryUserActions` item as a view. */
export function toActionView(item: QueryUserActionsResponse[number]): ActionView {
  const raw = item as QueryUserActionsResponse[number] & Record<string, unknown>;
  return {
    actionCode: item.actionCode,
    idempotencyKey: item.idempotencyKey,
    createdAt: item.createdAt,
    updatedAt: str(item.updatedAt),
    state: item.state,
    stateUpdatedAt: str(item.stateUpdatedAt),
    verificationMethod: str(item.verificationMethod),
    verifiedByAuthenticatorId: str(item.verifiedByAuthenticatorId),
    ipAddress: str(raw.ipAddress),
    userAgent: str(raw.userAgent),
    countryCode: str(raw.countryCode),
  };
}

/** Actions newest first. */
export function orderActions(list: ActionView[]): ActionView[] {
  return [...list].sort((a, b) => time(b.createdAt) - time(a.createdAt));
}
