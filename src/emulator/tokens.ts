import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { ApiError } from './http';

/** Default token lifetime: 10 minutes, as Authsignal's. */
export const TOKEN_TTL_SECONDS = 600;

/** Scopes a token may carry (space-separated in the `scope` claim). */
export type Scope = 'read:authenticators' | 'add:authenticators' | 'update:authenticators' | 'remove:authenticators';

/** What the emulator puts in a token. */
export interface TokenClaims {
  userId: string;
  actionCode?: string;
  idempotencyKey?: string;
  /** Space-separated scopes. */
  scope: string;
  /** `track` (issued by track), `access` (issued after a successful verification). */
  kind: 'track' | 'access';
  /** Epoch seconds. */
  exp: number;
}

/**
 * Signs and verifies the emulator's user tokens: HS256 JWTs with a per-instance key (restarting
 * the emulator invalidates outstanding tokens, as a key rotation would).
 */
export class TokenService {
  private readonly key = new Uint8Array(randomBytes(32));

  constructor(
    readonly tenantId: string,
    readonly ttlSeconds: number = TOKEN_TTL_SECONDS,
  ) {}

  /** Issues a token. */
  async sign(claims: Omit<TokenClaims, 'exp'>, ttlSeconds = this.ttlSeconds): Promise<string> {
    return new SignJWT({
      scope: claims.scope,
      kind: claims.kind,
      // The historical Authsignal token layout (`other`), kept for clients that still decode it.
      other: {
        tenantId: this.tenantId,
        userId: claims.userId,
        actionCode: claims.actionCode,
        idempotencyKey: claims.idempotencyKey,
      },
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(`authsignal-emulator:${this.tenantId}`)
      .setAudience(this.tenantId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  /** Verifies a token; expired -> 401 `expired_token`, anything else wrong -> 401 `unauthorized`. */
  async verify(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: `authsignal-emulator:${this.tenantId}`,
        audience: this.tenantId,
        algorithms: ['HS256'],
      });
      const other = (payload.other ?? {}) as { actionCode?: string; idempotencyKey?: string };
      return {
        userId: String(payload.sub),
        actionCode: other.actionCode,
        idempotencyKey: other.idempotencyKey,
        // Stryker disable next-line ConditionalExpression: sign() always writes a string scope, and only this instance holds the key
        scope: typeof payload.scope === 'string' ? payload.scope : '',
        kind: payload.kind === 'access' ? 'access' : 'track',
        exp: payload.exp ?? 0,
      };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new ApiError(401, 'expired_token', 'The token has expired. Track a new action to get a fresh token.');
      }
      throw new ApiError(401, 'unauthorized', 'The token is invalid.');
    }
  }
}

/** True when the space-separated scope string holds the scope. */
export function hasScope(scope: string, wanted: Scope): boolean {
  return scope.split(/\s+/).includes(wanted);
}
