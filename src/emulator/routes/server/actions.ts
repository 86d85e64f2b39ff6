import { z } from 'zod';
import { UserActionState } from '@shared/domain/authsignal';
import { publicActionSummary, trackAction, validateToken } from '../../actions';
import type { RouteContext } from '../../http';
import { parseInput } from '../../validate';
import { findAction, type ServerDeps, type ServerRoute } from './deps';

const ActionQuerySchema = z.object({
  fromDate: z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 date')
    .optional(),
  codes: z.string().optional(),
  state: UserActionState.optional(),
});

export function track({ emu }: ServerDeps, { params, body }: RouteContext) {
  return trackAction(emu, params.userId, params.action, body);
}

export function validate({ emu }: ServerDeps, { body }: RouteContext) {
  return validateToken(emu, body);
}

export function getAction({ store }: ServerDeps, { params }: RouteContext) {
  const action = findAction(store, params.userId, params.action, params.idempotencyKey);
  return {
    state: action.state,
    stateUpdatedAt: action.stateUpdatedAt,
    createdAt: action.createdAt,
    updatedAt: action.updatedAt,
    verificationMethod: action.verificationMethod,
    verifiedByAuthenticatorId: action.verifiedByAuthenticatorId,
    rules: [],
    ruleIds: action.ruleIds,
    output: action.output ?? {},
  };
}

export function updateAction({ emu, store }: ServerDeps, { params, body }: RouteContext) {
  const action = findAction(store, params.userId, params.action, params.idempotencyKey);
  const { state } = parseInput(z.object({ state: UserActionState }), body);
  const now = new Date().toISOString();
  action.state = state;
  action.stateUpdatedAt = now;
  action.updatedAt = now;
  emu.changed();
  return { state: action.state };
}

/** Authsignal keeps 30 days of action history; older `fromDate`s are clamped to that window. */
export function listActions({ store }: ServerDeps, { params, query }: RouteContext) {
  const q = parseInput(ActionQuerySchema, Object.fromEntries(query));
  const windowStart = Date.now() - 30 * 24 * 3600 * 1000;
  const from = Math.max(windowStart, q.fromDate ? Date.parse(q.fromDate) : windowStart);
  const codes = q.codes ? new Set(q.codes.split(',').map((c) => c.trim()).filter(Boolean)) : undefined;
  return store
    .listActions(params.userId)
    .filter((a) => Date.parse(a.createdAt) >= from)
    .filter((a) => !codes || codes.has(a.actionCode))
    .filter((a) => !q.state || a.state === q.state)
    .map(publicActionSummary);
}

export const actionRoutes: readonly ServerRoute[] = [
  { method: 'POST', path: '/users/:userId/actions/:action', handler: track },
  { method: 'POST', path: '/validate', handler: validate },
  { method: 'GET', path: '/users/:userId/actions/:action/:idempotencyKey', handler: getAction },
  { method: 'PATCH', path: '/users/:userId/actions/:action/:idempotencyKey', handler: updateAction },
  { method: 'GET', path: '/users/:userId/actions', handler: listActions },
];
