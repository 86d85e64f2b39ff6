import { describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { ApiError } from '../../../src/emulator/http';
import { hasScope, TOKEN_TTL_SECONDS, TokenService } from '../../../src/emulator/tokens';

// The local tenant's user tokens: what the binding rule and the enrollment checks rest on. A token
// must say exactly what it was issued for, and be refused from another instance or once expired.

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
};

describe('TokenService', () => {
  it('round-trips exactly the claims it was given', async () => {
    const tokens = new TokenService('tenant-a');
    const token = await tokens.sign({ userId: 'usr_1', actionCode: 'enroll', idempotencyKey: 'k1', scope: 'read:authenticators add:authenticators', kind: 'access' });
    const before = Math.floor(Date.now() / 1000);
    const claims = await tokens.verify(token);
    expect(claims).toEqual({ userId: 'usr_1', actionCode: 'enroll', idempotencyKey: 'k1', scope: 'read:authenticators add:authenticators', kind: 'access', exp: claims.exp });
    expect(claims.exp - before).toBeGreaterThanOrEqual(TOKEN_TTL_SECONDS - 1);
    expect(claims.exp - before).toBeLessThanOrEqual(TOKEN_TTL_SECONDS + 1);
    expect(TOKEN_TTL_SECONDS).toBe(600);
    const track = await tokens.verify(await tokens.sign({ userId: 'usr_2', scope: '', kind: 'track' }, 60));
    expect(track).toMatchObject({ userId: 'usr_2', kind: 'track', scope: '', actionCode: undefined, idempotencyKey: undefined });
  });

  it("is laid out as Authsignal's tokens are: HS256, subject, issuer and audience of the tenant, the historical `other` claim", async () => {
    const token = await new TokenService('tenant-a', 120).sign({ userId: 'usr_1', actionCode: 'enroll', idempotencyKey: 'k1', scope: 'add:authenticators', kind: 'track' });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({
      sub: 'usr_1',
      iss: 'authsignal-emulator:tenant-a',
      aud: 'tenant-a',
      scope: 'add:authenticators',
      kind: 'track',
      other: { tenantId: 'tenant-a', userId: 'usr_1', actionCode: 'enroll', idempotencyKey: 'k1' },
    });
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it('refuses a token of another instance, an altered one, and an expired one, saying which', async () => {
    const a = new TokenService('tenant-a');
    const token = await a.sign({ userId: 'usr_1', scope: 'add:authenticators', kind: 'access' });
    // Same tenant id, another key: a restarted emulator.
    expect(await refusal(new TokenService('tenant-a').verify(token))).toMatchObject({ status: 401, error: 'unauthorized', description: 'The token is invalid.' });
    const [head, body, sig] = token.split('.');
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'usr_2' })).toString('base64url');
    expect(await refusal(a.verify(`${head}.${widened}.${sig}`))).toMatchObject({ error: 'unauthorized' });
    expect(await refusal(a.verify(`${head}.${body}.`))).toMatchObject({ error: 'unauthorized' });
    const expired = await a.sign({ userId: 'usr_1', scope: '', kind: 'access' }, -5);
    expect(await refusal(a.verify(expired))).toMatchObject({ status: 401, error: 'expired_token', description: 'The token has expired. Track a new action to get a fresh token.' });
  });
});

describe('hasScope', () => {
  it('finds a whole scope among space-separated ones, never a prefix or a part', () => {
    expect(hasScope('read:authenticators add:authenticators', 'add:authenticators')).toBe(true);
    expect(hasScope('read:authenticators   add:authenticators', 'add:authenticators')).toBe(true);
    expect(hasScope('read:authenticators', 'add:authenticators')).toBe(false);
    expect(hasScope('add:authenticators:all', 'add:authenticators')).toBe(false);
    expect(hasScope('', 'add:authenticators')).toBe(false);
  });
});
