import { describe, expect, it } from 'vitest';
import { AAGUIDS, DEMO_USERS, seedStore } from '../../../src/emulator/seeds';
import { Store } from '../../../src/emulator/store';

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

function demo(): Store {
  const store = new Store();
  seedStore(store, 'demo', { now: NOW });
  return store;
}

const daysAgo = (iso: string | undefined) => (iso === undefined ? Infinity : (NOW - Date.parse(iso)) / DAY);

describe('demo seed', () => {
  const store = demo();
  const users = DEMO_USERS.map((u) => ({ ...u, authenticators: store.listAuthenticators(u.userId), actions: store.listActions(u.userId) }));

  it('has about 25 users with the documented, stable identifiers', () => {
    expect(store.userCount).toBe(DEMO_USERS.length);
    expect(DEMO_USERS.length).toBeGreaterThanOrEqual(24);
    expect(store.getUser('usr_ada')?.email).toBe('ada@example.com');
    expect(store.getUser('auth0|5f1b2c3d4e')).toMatchObject({ phoneNumber: '+14155550123', username: 'grace.hopper' });
    expect(store.queryUsers({ phoneNumber: '+14155550123' }).users.map((u) => u.userId)).toEqual(['auth0|5f1b2c3d4e']);
    for (const u of DEMO_USERS) {
      const stored = store.getUser(u.userId);
      expect(stored?.email).toBe(u.email);
      expect(stored?.phoneNumber).toBe(u.phoneNumber);
      expect(store.listAuthenticators(u.userId).map((a) => a.verificationMethod)).toEqual(u.methods);
    }
  });

  it('covers every helpdesk situation', () => {
    const methodsOf = (u: (typeof users)[number]) => u.authenticators.map((a) => a.verificationMethod);
    const only = (method: string) => users.some((u) => methodsOf(u).length === 1 && methodsOf(u)[0] === method);
    expect(users.some((u) => u.authenticators.length === 0)).toBe(true);
    for (const m of ['EMAIL_OTP', 'SMS', 'AUTHENTICATOR_APP', 'EMAIL_MAGIC_LINK', 'SECURITY_KEY', 'PASSKEY']) expect(only(m), m).toBe(true);
    const aaguids = new Set(users.flatMap((u) => u.authenticators.map((a) => a.webauthnCredential?.aaguid)));
    for (const id of [AAGUIDS.appleICloudKeychain, AAGUIDS.googlePasswordManager, AAGUIDS.windowsHello, AAGUIDS.yubiKey5]) expect(aaguids).toContain(id);
    const passkeys = users.flatMap((u) => u.authenticators).filter((a) => a.webauthnCredential);
    expect(passkeys.some((a) => a.webauthnCredential?.credentialBackedUp === true)).toBe(true);
    expect(passkeys.some((a) => a.webauthnCredential?.credentialBackedUp === false)).toBe(true);
    expect(new Set(passkeys.map((a) => a.webauthnCredential?.authenticatorAttachment))).toEqual(new Set(['platform', 'cross-platform']));
    expect(passkeys.every((a) => a.webauthnCredential?.parsedUserAgent?.browser?.name && a._credential?.publicKey)).toBe(true);
    expect(users.some((u) => u.authenticators.length >= 6)).toBe(true);
    // Stale: some authenticator unused for more than 180 days.
    expect(users.some((u) => u.authenticators.some((a) => a.lastVerifiedAt && daysAgo(a.lastVerifiedAt) > 180))).toBe(true);
    // Recent failed challenges.
    expect(users.some((u) => u.actions.some((a) => a.state === 'CHALLENGE_FAILED' && daysAgo(a.createdAt) < 7))).toBe(true);
    for (const ch of ['|', '@', '+']) expect(users.some((u) => u.userId.includes(ch)), ch).toBe(true);
    expect(users.some((u) => /[^\x20-\x7e]/.test(u.displayName))).toBe(true);
    expect(users.some((u) => /[^\x20-\x7e]/.test(u.userId))).toBe(true);
    const stored = users.map((u) => store.getUser(u.userId)!);
    expect(stored.some((u) => u.email && u.emailVerified)).toBe(true);
    expect(stored.some((u) => u.email && !u.emailVerified)).toBe(true);
    expect(stored.some((u) => u.phoneNumber && u.phoneNumberVerified)).toBe(true);
    expect(stored.some((u) => u.phoneNumber && !u.phoneNumberVerified)).toBe(true);
    expect(stored.filter((u) => u.username).length).toBeGreaterThanOrEqual(3);
  });

  it('gives passkeys well-formed credential ids and AAGUIDs', () => {
    const passkeys = users.flatMap((u) => u.authenticators).filter((a) => a.webauthnCredential);
    for (const a of passkeys) {
      expect(a.webauthnCredential!.credentialId).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a.webauthnCredential!.aaguid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});

describe('synthetic seed', () => {
  it('is deterministic for the same N and clock', () => {
    const a = new Store();
    const b = new Store();
    seedStore(a, 500, { now: NOW });
    seedStore(b, 500, { now: NOW });
    expect(JSON.stringify(a.snapshot())).toBe(JSON.stringify(b.snapshot()));
    const c = new Store();
    seedStore(c, 500, { now: NOW, prngSeed: 7 });
    expect(JSON.stringify(c.snapshot())).not.toBe(JSON.stringify(a.snapshot()));
  });

  it('makes a realistic mix: none, phishable only, passkeys, stale, failed history', () => {
    const store = new Store();
    seedStore(store, 2000, { now: NOW });
    expect(store.userCount).toBe(2000);
    const lists = [...store.userIds()].map((id) => store.listAuthenticators(id));
    const share = (pred: (l: (typeof lists)[number]) => boolean) => lists.filter(pred).length / lists.length;
    const phishableOnly = (l: (typeof lists)[number]) => l.length > 0 && l.every((a) => a.verificationMethod !== 'PASSKEY' && a.verificationMethod !== 'SECURITY_KEY');
    expect(share((l) => l.length === 0)).toBeGreaterThan(0.15);
    expect(share(phishableOnly)).toBeGreaterThan(0.3);
    expect(share((l) => l.some((a) => a.verificationMethod === 'PASSKEY'))).toBeGreaterThan(0.1);
    expect(share((l) => l.some((a) => a.lastVerifiedAt !== undefined && daysAgo(a.lastVerifiedAt) > 180))).toBeGreaterThan(0.05);
    const actions = [...store.userIds()].flatMap((id) => store.listActions(id));
    expect(actions.some((a) => a.state === 'CHALLENGE_FAILED')).toBe(true);
    expect([...store.userIds()].some((id) => id.startsWith('auth0|'))).toBe(true);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => seedStore(new Store(), -1)).toThrow(RangeError);
    expect(() => seedStore(new Store(), 1.5)).toThrow(RangeError);
  });
});
