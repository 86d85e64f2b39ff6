import type { CoverageRow } from '@shared/domain/coverage';
import type { InputFormat, InputLine } from './input';
import { buildRow, problemRow } from './report-rows';
import type { CoverageTransport } from './transport';
import type { RetryingCaller } from './retrying-caller';

/**
 * One user's row: resolve an email to its user (when the input lists emails), read the
 * authenticators, and tell a user with none from an id Authsignal has no record of
 * (NOT_FOUND_RULE in shared/domain/coverage.ts). The extra profile request is sent only for users
 * with no authenticators (or for the email, with --with-profile).
 */
export interface LookupContext {
  caller: RetryingCaller;
  transport: CoverageTransport;
  format: InputFormat;
  withProfile: boolean;
  asOfMs: number;
  staleDays: number;
}

export async function lookUpUser(ctx: LookupContext, value: string, inputEmail: string, line: InputLine, by = ctx.format.by): Promise<CoverageRow> {
  const { caller, transport } = ctx;
  let userId = value;
  let email = inputEmail;
  if (by === 'email') {
    const found = await caller.call((s) => transport.usersByEmail(value, s));
    if (!found.ok) return problemRow(line.line, '', value, 'failed', found.reason);
    if (found.value.length === 0) return problemRow(line.line, '', value, 'not-found', 'not-found: no user has this email');
    if (found.value.length > 1) {
      return problemRow(line.line, '', value, 'failed', `ambiguous: ${found.value.length} users have this email; list them by user id`);
    }
    userId = found.value[0].userId;
    email = found.value[0].email || value;
  }
  const list = await caller.call((s) => transport.authenticators(userId, s));
  if (!list.ok) return problemRow(line.line, userId, email, list.notFound ? 'not-found' : 'failed', list.reason);
  // No authenticators: a user without any, or an id Authsignal never saw? The profile tells.
  const checkRecord = list.value.length === 0 && by === 'userId';
  if (checkRecord || (ctx.withProfile && !email)) {
    const profile = await caller.call((s) => transport.userRecord(userId, s));
    if (checkRecord && !profile.ok) return problemRow(line.line, userId, email, profile.notFound ? 'not-found' : 'failed', profile.reason);
    if (checkRecord && profile.ok && !profile.value.hasRecord) {
      return problemRow(line.line, userId, email, 'not-found', 'not-found: Authsignal has no record of this user (no authenticators, no attributes)');
    }
    if (profile.ok && !email) email = profile.value.email;
  }
  return buildRow({ line: line.line, userId, email, authenticators: list.value, asOfMs: ctx.asOfMs, staleDays: ctx.staleDays });
}
