import { z } from 'zod';
import { publicAuthenticator } from '../../actions';
import { ApiError, type RouteContext } from '../../http';
import type { EmuAuthenticator } from '../../model';
import { secretFromOtpUri } from '../../totp';
import { parseInput } from '../../validate';
import type { ServerDeps, ServerRoute } from './deps';
import { Email, Phone } from './schemas';

// As documented: only these four can be enrolled as already verified.
const ENROLLABLE = ['EMAIL_OTP', 'EMAIL_MAGIC_LINK', 'SMS', 'AUTHENTICATOR_APP'] as const;
const Enrollable = z.enum(ENROLLABLE, {
  error: 'only EMAIL_OTP, EMAIL_MAGIC_LINK, SMS and AUTHENTICATOR_APP can be enrolled from the Server API',
});

const EnrollSchema = z.object({
  verificationMethod: Enrollable.optional(),
  /** Deprecated alias Authsignal still accepts. */
  oobChannel: Enrollable.optional(),
  email: Email.optional(),
  phoneNumber: Phone.optional(),
  otpUri: z.string().max(2000).optional(),
  isDefault: z.boolean().optional(),
});

/** `isDefault` is a Client API field; the strict profile leaves it out of the Server API's authenticators. */
function serverAuthenticator(emu: ServerDeps['emu'], a: Parameters<typeof publicAuthenticator>[0]): Record<string, unknown> {
  const out = publicAuthenticator(a);
  if (!emu.rules.sendsUndocumentedFields) delete out.isDefault;
  return out;
}

export function listAuthenticators({ emu, store }: ServerDeps, { params }: RouteContext) {
  return store
    .listAuthenticators(params.userId)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((a) => serverAuthenticator(emu, a));
}

/**
 * Enrolls an already verified authenticator. The same method and destination as an existing
 * verified authenticator returns that one (a retried POST does not enroll twice).
 */
export function enrollAuthenticator({ emu, store }: ServerDeps, { params, body }: RouteContext) {
  const input = parseInput(EnrollSchema, body);
  const method = input.verificationMethod ?? input.oobChannel;
  if (!method) throw new ApiError(400, 'invalid_request', 'verificationMethod is required.');
  const userId = params.userId;
  const now = new Date().toISOString();
  const base: Omit<EmuAuthenticator, 'userAuthenticatorId'> = {
    userId,
    verificationMethod: method,
    createdAt: now,
    verifiedAt: now,
  };
  if (method === 'EMAIL_OTP' || method === 'EMAIL_MAGIC_LINK') {
    if (!input.email) throw new ApiError(400, 'invalid_request', `email is required to enroll ${method}.`);
    base.email = input.email;
  } else if (method === 'SMS') {
    if (!input.phoneNumber) throw new ApiError(400, 'invalid_request', 'phoneNumber (E.164, e.g. +14155550123) is required to enroll SMS.');
    base.phoneNumber = input.phoneNumber;
  } else {
    const secret = input.otpUri ? secretFromOtpUri(input.otpUri) : undefined;
    if (!secret) throw new ApiError(400, 'invalid_request', 'otpUri (an otpauth://totp/... URI) is required to enroll AUTHENTICATOR_APP.');
    base._totpSecret = secret;
  }
  const existing = store
    .listAuthenticators(userId)
    .find(
      (a) =>
        a.verificationMethod === method &&
        method !== 'AUTHENTICATOR_APP' &&
        (a.email ?? '').toLowerCase() === (base.email ?? '').toLowerCase() &&
        (a.phoneNumber ?? '') === (base.phoneNumber ?? ''),
    );
  const first = store.listAuthenticators(userId).length === 0;
  const authenticator = existing ?? store.addAuthenticator({ ...base, isDefault: first || input.isDefault === true });
  if (input.isDefault) {
    for (const other of store.listAuthenticators(userId)) other.isDefault = other === authenticator;
  }
  emu.changed();
  return { authenticator: serverAuthenticator(emu, authenticator) };
}

export function deleteAuthenticator({ emu, store }: ServerDeps, { params }: RouteContext) {
  const removed = store.removeAuthenticator(params.userId, params.userAuthenticatorId);
  if (!removed) throw new ApiError(404, 'not_found', 'No such authenticator for this user. List the user’s authenticators to get a current id.');
  emu.changed();
  return {};
}

export const authenticatorRoutes: readonly ServerRoute[] = [
  { method: 'GET', path: '/users/:userId/authenticators', handler: listAuthenticators },
  { method: 'POST', path: '/users/:userId/authenticators', handler: enrollAuthenticator },
  { method: 'DELETE', path: '/users/:userId/authenticators/:userAuthenticatorId', handler: deleteAuthenticator },
];
