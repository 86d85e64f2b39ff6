import type { VerificationMethod } from '@shared/domain/authsignal';
import type { EmuAuthenticator, EmuUser } from '../model';
import type { Store } from '../store';
import { PASSKEYS } from './devices';
import { prng } from './random';
import { Seeder } from './seeder';

/**
 * `demo`: 26 hand-written users covering every situation a helpdesk meets. Their ids, emails,
 * phones and usernames are stable (other engineers' tests look them up): see {@link DEMO_USERS}.
 * Timestamps are relative to the seeding time, so "stale" and "recent" stay true.
 */

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

/**
 * The demo tenant, one entry per user. `build` adds the user's authenticators and history. The
 * table is the documentation: ids, emails, phones and usernames here are stable.
 */
export const DEMO: ReadonlyArray<Omit<DemoUserSummary, 'methods'> & { attrs: Partial<Omit<EmuUser, 'userId' | 'createdAt'>>; created: number; build?: (s: Seeder, id: string) => void }> = [
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

export function seedDemo(store: Store, now: number, seed: number): void {
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
  // After every build, so the random sequence of the users above stays what other tests know.
  for (const demo of DEMO) s.consistentActivity(demo.userId);
}
