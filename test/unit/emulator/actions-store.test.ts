import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINDING_WINDOW_MS, initialState, mayAddAuthenticator, publicAuthenticator } from '../../../src/emulator/actions';
import { SnapshotFile } from '../../../src/emulator/persistence';
import { Store } from '../../../src/emulator/store';

describe('initialState', () => {
  it('never challenges a user without authenticators', () => {
    expect(initialState({ defaultUserActionResult: 'CHALLENGE' }, true)).toBe('CHALLENGE_REQUIRED');
    expect(initialState({ defaultUserActionResult: 'CHALLENGE' }, false)).toBe('ALLOW');
    expect(initialState({ defaultUserActionResult: 'REVIEW' }, false)).toBe('REVIEW_REQUIRED');
    expect(initialState({ defaultUserActionResult: 'BLOCK' }, true)).toBe('BLOCK');
    expect(initialState({ defaultUserActionResult: 'ALLOW' }, true)).toBe('ALLOW');
  });
});

describe('binding rule', () => {
  const now = Date.parse('2026-01-01T00:00:00.000Z');
  function storeWithOne(lastChallenge?: number): Store {
    const store = new Store();
    store.addAuthenticator({ userId: 'u', verificationMethod: 'SMS', createdAt: new Date(now).toISOString(), phoneNumber: '+14155550123' });
    if (lastChallenge !== undefined) store.updateUser('u', { lastChallengeSucceededAt: new Date(lastChallenge).toISOString() });
    return store;
  }

  it('lets the first authenticator enroll freely', () => {
    expect(mayAddAuthenticator(new Store(), 'u', 'read:authenticators', now)).toBe(true);
  });

  it('needs add:authenticators or a challenge in the last 10 minutes for another one', () => {
    expect(mayAddAuthenticator(storeWithOne(), 'u', 'read:authenticators', now)).toBe(false);
    expect(mayAddAuthenticator(storeWithOne(), 'u', 'read:authenticators add:authenticators', now)).toBe(true);
    expect(mayAddAuthenticator(storeWithOne(now - BINDING_WINDOW_MS + 1000), 'u', 'read:authenticators', now)).toBe(true);
    expect(mayAddAuthenticator(storeWithOne(now - BINDING_WINDOW_MS - 1000), 'u', 'read:authenticators', now)).toBe(false);
  });
});

describe('publicAuthenticator', () => {
  it('drops internal fields and names known AAGUIDs', () => {
    const out = publicAuthenticator({
      userAuthenticatorId: 'a',
      userId: 'u',
      verificationMethod: 'PASSKEY',
      createdAt: '2026-01-01T00:00:00.000Z',
      webauthnCredential: { credentialId: 'c', deviceId: 'd', name: 'n', aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4' },
      _credential: { id: 'c', publicKey: 'k', counter: 0 },
      _totpSecret: 'SECRET',
      _pending: false,
    });
    expect(Object.keys(out).some((k) => k.startsWith('_'))).toBe(false);
    expect(out.webauthnCredential).toMatchObject({ aaguidMapping: { name: 'Google Password Manager' } });
    expect(JSON.stringify(out)).not.toContain('SECRET');
  });
});

describe('Store.queryUsers cursor', () => {
  it('resumes after a deleted cursor user and pages in id order', () => {
    const store = new Store();
    for (const id of ['d', 'b', 'a', 'c', 'e']) store.ensureUser(id);
    const first = store.queryUsers({ limit: 2 });
    expect(first.users.map((u) => u.userId)).toEqual(['a', 'b']);
    store.deleteUser('b');
    const second = store.queryUsers({ limit: 2, lastEvaluatedUserId: first.lastEvaluatedUserId });
    expect(second.users.map((u) => u.userId)).toEqual(['c', 'd']);
    const third = store.queryUsers({ limit: 2, lastEvaluatedUserId: second.lastEvaluatedUserId });
    expect(third.users.map((u) => u.userId)).toEqual(['e']);
    expect(third.lastEvaluatedUserId).toBeUndefined();
  });

  it('clears a field on null and keeps the index right', () => {
    const store = new Store();
    store.updateUser('x', { email: 'X@example.com' });
    expect(store.queryUsers({ email: 'x@example.com' }).users).toHaveLength(1);
    store.updateUser('x', { email: null });
    expect(store.getUser('x')?.email).toBeUndefined();
    expect(store.queryUsers({ email: 'x@example.com' }).users).toHaveLength(0);
  });
});

describe('SnapshotFile', () => {
  it('coalesces a burst of changes into few atomic writes and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snap-'));
    const file = join(dir, 's.json');
    const store = new Store();
    const snapshots = new SnapshotFile(file, store, 20);
    for (let i = 0; i < 50; i++) {
      store.updateUser(`u${i}`, { displayName: `User ${i}` });
      snapshots.schedule();
    }
    await snapshots.flush();
    expect(readdirSync(dir)).toEqual(['s.json']);
    const restored = new Store();
    expect(await new SnapshotFile(file, restored).load()).toBe(true);
    expect(restored.userCount).toBe(50);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('reports a missing file as not loaded', async () => {
    expect(await new SnapshotFile(join(tmpdir(), 'does-not-exist-authdesk.json'), new Store()).load()).toBe(false);
  });
});
