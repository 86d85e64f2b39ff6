import { z } from 'zod';
import { enrolledMethods, publicUser, userAttributes } from '../../actions';
import type { RouteContext } from '../../http';
import type { EmuUser } from '../../model';
import { parseInput } from '../../validate';
import { type ServerDeps, type ServerRoute, verifyOrReject } from './deps';
import { Custom, Email, Phone } from './schemas';

/** `updateUser`'s body; `null` clears a field. */
const UserAttributesSchema = z.object({
  email: Email.nullable().optional(),
  emailVerified: z.boolean().nullable().optional(),
  phoneNumber: Phone.nullable().optional(),
  phoneNumberVerified: z.boolean().nullable().optional(),
  username: z.string().trim().max(320).nullable().optional(),
  displayName: z.string().max(320).nullable().optional(),
  custom: Custom.nullable().optional(),
  locale: z.string().max(35).nullable().optional(),
});

const UserQuerySchema = z.object({
  email: z.string().optional(),
  phoneNumber: z.string().optional(),
  username: z.string().optional(),
  token: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  lastEvaluatedUserId: z.string().optional(),
});

/** Users are implicit: an id nobody wrote to answers 200 with isEnrolled false, never 404. */
export function getUser({ emu, store }: ServerDeps, { params }: RouteContext) {
  return publicUser(store, params.userId, emu.rules);
}

/** The strict profile's `updateUser`: any phone text is stored (the Go and Python live tests store "9876543210"). */
const LenientUserAttributesSchema = UserAttributesSchema.extend({ phoneNumber: z.string().trim().max(32).nullable().optional() });

export function updateUser({ emu, store }: ServerDeps, { params, body }: RouteContext) {
  const attributes = parseInput(emu.rules.rejectsNonE164UserPhone ? UserAttributesSchema : LenientUserAttributesSchema, body);
  store.updateUser(params.userId, attributes);
  emu.changed();
  return userAttributes(store.getUser(params.userId));
}

export function deleteUser({ emu, store, sessions }: ServerDeps, { params }: RouteContext) {
  store.deleteUser(params.userId);
  sessions.revokeUser(params.userId);
  emu.changed();
  return {};
}

/** Without any filter, every user in userId order (`limit` default 100, max 1000); `token` narrows to its user. */
export async function queryUsers({ emu, store }: ServerDeps, { query }: RouteContext) {
  const q = parseInput(UserQuerySchema, Object.fromEntries(query));
  let tokenPayload: Record<string, unknown> | undefined;
  let onlyUserId: string | undefined;
  if (q.token) {
    const claims = await verifyOrReject(emu, q.token);
    onlyUserId = claims.userId;
    tokenPayload = {
      userId: claims.userId,
      actionCode: claims.actionCode,
      idempotencyKey: claims.idempotencyKey,
      scope: claims.scope,
      exp: claims.exp,
    };
  }
  let users: EmuUser[];
  let lastEvaluatedUserId: string | undefined;
  if (onlyUserId !== undefined) {
    const user = store.getUser(onlyUserId);
    const filtered = store.queryUsers({ ...q, limit: 1000, lastEvaluatedUserId: undefined }).users;
    const hasOtherFilter = Boolean(q.email || q.phoneNumber || q.username);
    users = user && (!hasOtherFilter || filtered.includes(user)) ? [user] : [];
  } else {
    ({ users, lastEvaluatedUserId } = store.queryUsers(q));
  }
  return {
    users: users.map((user) => ({
      userId: user.userId,
      ...userAttributes(user),
      isEnrolled: enrolledMethods(store, user.userId).length > 0,
      enrolledVerificationMethods: enrolledMethods(store, user.userId),
      createdAt: user.createdAt,
    })),
    lastEvaluatedUserId,
    tokenPayload,
  };
}

export const userRoutes: readonly ServerRoute[] = [
  { method: 'GET', path: '/users/:userId', handler: getUser },
  { method: 'PATCH', path: '/users/:userId', handler: updateUser },
  { method: 'DELETE', path: '/users/:userId', handler: deleteUser },
  { method: 'GET', path: '/users', handler: queryUsers },
];
