import { randomBytes } from 'node:crypto';
import type { VerificationMethod } from '@shared/domain/authsignal';

/** One session created by `POST /v1/sessions`. */
export interface EmuSession {
  accessToken: string;
  refreshToken: string;
  userId: string;
  clientId: string;
  verificationMethod?: VerificationMethod;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms. */
  refreshExpiresAt: number;
}

/** Refresh tokens live 30 days, as a typical session would. */
const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;

// SECURITY: session tokens are opaque random strings, not JWTs signed with the user-token key,
// so a session token can never be replayed as a Client API Bearer token.
const opaque = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

/**
 * Sessions of the Server API's session endpoints. Kept in memory only: restarting the emulator
 * revokes every session, which is what a key rotation would do.
 */
export class SessionStore {
  private readonly byAccess = new Map<string, EmuSession>();
  private readonly byRefresh = new Map<string, EmuSession>();

  constructor(private readonly accessTtlSeconds: number) {}

  /** Creates a session for a user. */
  create(userId: string, clientId: string, verificationMethod?: VerificationMethod): EmuSession {
    const now = Date.now();
    const session: EmuSession = {
      accessToken: opaque('sat'),
      refreshToken: opaque('srt'),
      userId,
      clientId,
      verificationMethod,
      expiresAt: now + this.accessTtlSeconds * 1000,
      refreshExpiresAt: now + REFRESH_TTL_MS,
    };
    this.byAccess.set(session.accessToken, session);
    this.byRefresh.set(session.refreshToken, session);
    return session;
  }

  /** A live session by access token (expired ones are dropped). */
  findByAccessToken(accessToken: string): EmuSession | undefined {
    const session = this.byAccess.get(accessToken);
    if (session && session.expiresAt <= Date.now()) {
      this.byAccess.delete(accessToken);
      return undefined;
    }
    return session;
  }

  /** Rotates a session: the old tokens stop working, new ones are issued. */
  refresh(refreshToken: string): EmuSession | undefined {
    const old = this.byRefresh.get(refreshToken);
    if (!old) return undefined;
    this.revoke(old);
    if (old.refreshExpiresAt <= Date.now()) return undefined;
    return this.create(old.userId, old.clientId, old.verificationMethod);
  }

  /** Revokes one session. */
  revoke(session: EmuSession): void {
    this.byAccess.delete(session.accessToken);
    this.byRefresh.delete(session.refreshToken);
  }

  /** Revokes every session of a user; returns how many there were. */
  revokeUser(userId: string): number {
    let count = 0;
    for (const session of [...this.byRefresh.values()]) {
      if (session.userId === userId) {
        this.revoke(session);
        count++;
      }
    }
    return count;
  }

  /** Live sessions of a user (for the dashboard and tests). */
  countForUser(userId: string): number {
    let count = 0;
    for (const session of this.byRefresh.values()) if (session.userId === userId) count++;
    return count;
  }
}
