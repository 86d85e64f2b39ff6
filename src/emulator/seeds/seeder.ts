import type { UserActionState, VerificationMethod } from '@shared/domain/authsignal';
import type { EmuAuthenticator, EmuUser } from '../model';
import type { Store } from '../store';
import { type PasskeySpec, UA, UNUSABLE_COSE_KEY } from './devices';
import { b64url, base32, uuid } from './random';

export const DAY = 24 * 3600 * 1000;

// ---- builders ---------------------------------------------------------------------------------

/** Builds users, authenticators and actions into a store with shared randomness and clock. */
export class Seeder {
  constructor(
    private readonly store: Store,
    private readonly now: number,
    readonly random: () => number,
  ) {}

  iso(daysAgo: number): string {
    return new Date(this.now - daysAgo * DAY).toISOString();
  }

  user(userId: string, attributes: Partial<Omit<EmuUser, 'userId' | 'createdAt'>>, createdDaysAgo: number): void {
    this.store.updateUser(userId, attributes);
    this.store.getUser(userId)!.createdAt = this.iso(createdDaysAgo);
  }

  /** An OTP-style authenticator (email, magic link, SMS, WhatsApp, TOTP). */
  otp(
    userId: string,
    method: VerificationMethod,
    enrolledDaysAgo: number,
    lastVerifiedDaysAgo: number | undefined,
    extra: Partial<EmuAuthenticator> = {},
  ): EmuAuthenticator {
    const authenticator = this.store.addAuthenticator({ ...this.enrolled(userId, method, enrolledDaysAgo, lastVerifiedDaysAgo), ...extra });
    if (method === 'AUTHENTICATOR_APP' && !authenticator._totpSecret) {
      // A well-formed base32 secret; its QR code was "scanned" long ago.
      authenticator._totpSecret = base32(this.random, 20);
    }
    return authenticator;
  }

  /** The fields every seeded authenticator has (its id is the next PRNG draw). */
  private enrolled(userId: string, method: VerificationMethod, enrolledDaysAgo: number, lastVerifiedDaysAgo: number | undefined) {
    // One string instance per timestamp: at 100k users the duplicates would cost real memory.
    const enrolled = this.iso(enrolledDaysAgo);
    return {
      userAuthenticatorId: uuid(this.random),
      userId,
      verificationMethod: method,
      createdAt: enrolled,
      verifiedAt: enrolled,
      lastVerifiedAt: lastVerifiedDaysAgo === undefined ? undefined : this.iso(lastVerifiedDaysAgo),
    };
  }

  /** A passkey or security key with a fake but well-formed credential. */
  webauthn(
    userId: string,
    method: 'PASSKEY' | 'SECURITY_KEY',
    spec: PasskeySpec,
    enrolledDaysAgo: number,
    lastVerifiedDaysAgo: number | undefined,
    extra: Partial<EmuAuthenticator> = {},
  ): EmuAuthenticator {
    const credentialId = b64url(this.random, 32);
    const base = this.enrolled(userId, method, enrolledDaysAgo, lastVerifiedDaysAgo);
    return this.store.addAuthenticator({
      ...base,
      webauthnCredential: {
        credentialId,
        deviceId: uuid(this.random),
        name: spec.name,
        aaguid: spec.aaguid,
        credentialBackedUp: spec.synced,
        credentialDeviceType: spec.synced ? 'multiDevice' : 'singleDevice',
        authenticatorAttachment: spec.attachment,
        parsedUserAgent: spec.ua,
        verifiedAt: base.verifiedAt,
      },
      _credential: {
        id: credentialId,
        publicKey: UNUSABLE_COSE_KEY,
        counter: 0,
        transports: spec.attachment === 'platform' ? ['internal', 'hybrid'] : ['usb', 'nfc'],
      },
      ...extra,
    });
  }

  action(
    userId: string,
    actionCode: string,
    state: UserActionState,
    daysAgo: number,
    verificationMethod?: VerificationMethod,
    verifiedBy?: EmuAuthenticator,
  ): void {
    const at = this.iso(daysAgo);
    this.store.putAction({
      userId,
      actionCode,
      idempotencyKey: uuid(this.random),
      state,
      createdAt: at,
      stateUpdatedAt: at,
      updatedAt: at,
      verificationMethod,
      verifiedByAuthenticatorId: verifiedBy?.userAuthenticatorId,
      ipAddress: `203.0.113.${Math.floor(this.random() * 254) + 1}`,
      userAgent: UA.chromeWindows.ua,
      ruleIds: [],
      output: {},
    });
  }

  /**
   * Demo data that agrees with itself (issue #14 point 9): an authenticator "last used" within the
   * 30-day activity window gets the sign-in that used it, when the build gave none.
   */
  consistentActivity(userId: string): void {
    const actions = this.store.listActions(userId);
    for (const a of this.store.listAuthenticators(userId)) {
      if (!a.lastVerifiedAt) continue;
      const daysAgo = (this.now - Date.parse(a.lastVerifiedAt)) / DAY;
      if (daysAgo > 30 || actions.some((x) => x.verifiedByAuthenticatorId === a.userAuthenticatorId)) continue;
      this.action(userId, 'signIn', 'CHALLENGE_SUCCEEDED', daysAgo, a.verificationMethod, a);
    }
  }
}
