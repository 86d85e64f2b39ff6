import type { EmuAuthenticator } from '../model';
import type { Store } from '../store';
import { PASSKEYS } from './devices';
import { hex, prng } from './random';
import { Seeder } from './seeder';

/**
 * `N`: N synthetic users from a seeded PRNG, so the same N (and `now`) always gives the same
 * tenant: a realistic mix of no authenticator, phishable-only methods, passkeys and stale ones.
 */

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

export function seedSynthetic(store: Store, count: number, now: number, seed: number): void {
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
