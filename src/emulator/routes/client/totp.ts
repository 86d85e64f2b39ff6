import { requireUserToken } from '../../auth';
import type { Emu } from '../../context';
import { ApiError, type RouteContext } from '../../http';
import { createTotp, verifyTotp } from '../../totp';
import { parseInput } from '../../validate';
import { addPending, authenticatorFor, type ClientRoute, CodeSchema, fail, requireMayAdd, succeed } from './flow';

/** Authenticator app (TOTP): enroll (secret and otpauth URI in this one answer), verify a code. */

/** Authenticator-app failures allowed per authenticator per window (Authsignal: 10 attempts / 5 minutes). */
const TOTP_MAX_FAILURES = 10;
const TOTP_FAILURE_WINDOW_MS = 5 * 60_000;

const totpFailures = new Map<string, number[]>();

export async function enrollTotp(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  requireMayAdd(emu, claims);
  const user = emu.store.ensureUser(claims.userId);
  const { secret, uri } = createTotp(`Authdesk (${emu.tenantId})`, user.email ?? user.username ?? user.userId);
  // SECURITY: the secret lives only in the internal `_totpSecret` field and in this one response.
  const a = addPending(emu, user, 'AUTHENTICATOR_APP', { _totpSecret: secret });
  emu.changed();
  return { userAuthenticatorId: a.userAuthenticatorId, userId: claims.userId, uri, secret };
}

export async function verifyTotpRoute(emu: Emu, ctx: RouteContext) {
  const { claims } = await requireUserToken(ctx.req, emu.tokens);
  const { verificationCode } = parseInput(CodeSchema, ctx.body);
  // A fresh enrollment is verified first; otherwise the enrolled app.
  const a = authenticatorFor(emu, claims.userId, 'AUTHENTICATOR_APP', true);
  if (!a?._totpSecret) throw new ApiError(400, 'invalid_request', 'The user has no authenticator app. Enroll one first.');
  const now = Date.now();
  const recent = (totpFailures.get(a.userAuthenticatorId) ?? []).filter((t) => now - t < TOTP_FAILURE_WINDOW_MS);
  if (recent.length >= TOTP_MAX_FAILURES) return fail(emu, claims, 'AUTHENTICATOR_APP', 'MAX_ATTEMPTS_EXCEEDED');
  if (!verifyTotp(a._totpSecret, verificationCode, now)) {
    totpFailures.set(a.userAuthenticatorId, [...recent, now]);
    return fail(emu, claims, 'AUTHENTICATOR_APP', 'CODE_INVALID_OR_EXPIRED');
  }
  totpFailures.delete(a.userAuthenticatorId);
  return succeed(emu, claims, a);
}

export const totpRoutes: readonly ClientRoute[] = [
  { method: 'POST', path: '/user-authenticators/totp', handler: enrollTotp },
  { method: 'POST', path: '/verify/totp', handler: verifyTotpRoute },
];
