import { describe, expect, it } from 'vitest';
import { guidedMethodOptions, METHODS_UNKNOWN_NOTE, type GuidedSession } from '@shared/domain/enrollment';
import type { AuthenticatorView } from '@shared/domain/authenticator-view';
import type { UserFacts } from '../../../src/main/services/directory/ports';
import { addedSince, endRecord, guidedSession, newRecord, reattachView, recordView, type EnrollmentRecord } from '../../../src/main/services/enrollment/records';
import type { TenantInfo } from '../../../src/main/services/tenants/ports';

// An enrollment as main holds it (records.ts), and what of it leaves main: the console's view
// never carries the token or the link except to re-attach an open link; ending drops both at once
// (issue #17: the journeys in test/integration/enrollment-service.test.ts pass through these
// without pinning each field).

const LOCAL: TenantInfo = { id: 'local', name: 'Local tenant', kind: 'local', apiUrl: 'http://127.0.0.1:4010/v1', tenantId: 'ten_local' };
const REMOTE: TenantInfo = { id: 'acme', name: 'Acme', kind: 'remote', apiUrl: 'https://api.authsignal.com/v1', tenantId: 'ten_acme' };
const STAMP = { id: 'ver_1', method: 'email-otp', expiresAt: '2026-12-03T18:10:00.000Z' };
const STARTED = Date.parse('2026-12-03T18:00:00.000Z');
const EXPIRES = Date.parse('2026-12-03T18:10:00.000Z');

function record(mode: EnrollmentRecord['mode'] = 'prebuilt-window', tenant = LOCAL): EnrollmentRecord {
  return newRecord({ id: 'enr_1', tenant, userId: 'usr_ada', mode, stamp: STAMP, actionCode: 'authdesk-enroll', startedAt: STARTED, expiresAt: EXPIRES });
}

function authenticator(id: string, over: Partial<AuthenticatorView> = {}): AuthenticatorView {
  return { id, method: 'AUTHENTICATOR_APP', methodLabel: 'Authenticator app', name: 'Authenticator app', nameSource: 'method', createdAt: '2026-12-03T18:01:00.000Z', isDefault: null, phishingResistant: false, ...over };
}

function facts(profile: Partial<UserFacts['profile']>, authenticators: AuthenticatorView[] = []): UserFacts {
  return { profile: { userId: 'usr_ada', ...profile } as UserFacts['profile'], authenticators };
}

describe('a new enrollment record', () => {
  it('starts open, not yet known as a first enrollment, with nothing before or added, and its own idempotency key', () => {
    const r = record();
    expect(r).toMatchObject({ id: 'enr_1', tenant: LOCAL, auditTenant: { id: 'local', name: 'Local tenant' }, userId: 'usr_ada', mode: 'prebuilt-window', status: 'open', firstEnrollment: false, stamp: STAMP, startedAt: STARTED, expiresAt: EXPIRES, added: [] });
    expect(r.auditTenant).toEqual({ id: 'local', name: 'Local tenant' });
    expect(r.before).toEqual(new Set());
    expect(r.action.code).toBe('authdesk-enroll');
    expect(r.action.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(record().action.idempotencyKey).not.toBe(r.action.idempotencyKey);
    expect(r).not.toHaveProperty('actionCode');
  });

  it('waits on the user only as a link; a window has no progress to show', () => {
    expect(record('link').progress).toBe('waiting');
    expect(recordView(record('link')).progress).toBe('waiting');
    expect(record('prebuilt-window').progress).toBeUndefined();
    expect(record('guided-window').progress).toBeUndefined();
  });
});

describe("the console's view", () => {
  it('gives times as ISO strings, no end while open, and never the token or the link', () => {
    const r = record('link');
    r.link = 'https://ui.example/enroll?token=secret-token';
    r.session = { token: 'secret-token' } as GuidedSession;
    const view = recordView(r);
    expect(view).toEqual({
      id: 'enr_1',
      userId: 'usr_ada',
      mode: 'link',
      status: 'open',
      firstEnrollment: false,
      startedAt: '2026-12-03T18:00:00.000Z',
      expiresAt: '2026-12-03T18:10:00.000Z',
      endedAt: undefined,
      progress: 'waiting',
      added: [],
      failure: undefined,
      verification: STAMP,
    });
    expect(JSON.stringify(view)).not.toContain('secret-token');
  });

  it('shows an ended enrollment with its end, outcome and failure, and no progress even if one lingered', () => {
    const r = record('link');
    r.firstEnrollment = true;
    r.added = [{ id: 'auth_1', method: 'EMAIL_OTP', name: 'Email code' }];
    endRecord(r, EXPIRES - 1000, 'completed', 'The audit log could not record it.');
    r.progress = 'challenge-passed';
    expect(recordView(r)).toMatchObject({
      status: 'completed',
      firstEnrollment: true,
      endedAt: '2026-12-03T18:09:59.000Z',
      progress: undefined,
      added: [{ id: 'auth_1', method: 'EMAIL_OTP', name: 'Email code' }],
      failure: 'The audit log could not record it.',
    });
  });

  it('re-attaches an open link with its link, an open window without one, and an ended one never with its link', () => {
    const link = record('link');
    link.link = 'https://ui.example/enroll?token=t';
    expect(reattachView(link)).toMatchObject({ id: 'enr_1', status: 'open', link: 'https://ui.example/enroll?token=t' });
    expect(reattachView(record('prebuilt-window'))).not.toHaveProperty('link');
    const ended = record('link');
    ended.link = 'https://ui.example/enroll?token=t';
    ended.status = 'cancelled';
    expect(reattachView(ended)).not.toHaveProperty('link');
    expect(reattachView(ended)).toMatchObject({ id: 'enr_1', status: 'cancelled' });
  });
});

describe('ending an enrollment', () => {
  it('sets its outcome and end, and drops the token and the link at once', () => {
    const r = record('link');
    r.link = 'https://ui.example/enroll?token=t';
    r.session = { token: 't' } as GuidedSession;
    r.failure = 'an older failure';
    endRecord(r, STARTED + 5000, 'cancelled');
    expect(r).toMatchObject({ status: 'cancelled', endedAt: STARTED + 5000 });
    expect(r.failure).toBeUndefined();
    expect(r.progress).toBeUndefined();
    expect(r.session).toBeUndefined();
    expect(r.link).toBeUndefined();
    endRecord(r, STARTED + 6000, 'failed', 'The window could not open.');
    expect(r).toMatchObject({ status: 'failed', endedAt: STARTED + 6000, failure: 'The window could not open.' });
  });
});

describe('what was added', () => {
  it('is what the user has now and did not have at the start, named without the contact it goes to', () => {
    const r = record();
    r.before = new Set(['auth_old']);
    const now = [
      authenticator('auth_old'),
      authenticator('auth_email', { method: 'EMAIL_OTP', methodLabel: 'Email code', name: 'ada.new@example.com', nameSource: 'contact' }),
      authenticator('auth_key', { method: 'PASSKEY', methodLabel: 'Passkey', name: 'iCloud Keychain', nameSource: 'aaguid-mapping' }),
    ];
    expect(addedSince(r, facts({}, now))).toEqual([
      { id: 'auth_email', method: 'EMAIL_OTP', name: 'Email code' },
      { id: 'auth_key', method: 'PASSKEY', name: 'iCloud Keychain' },
    ]);
    expect(addedSince(r, facts({}, [authenticator('auth_old')]))).toEqual([]);
  });
});

describe("the guided page's session", () => {
  it('carries the token, the tenant, the user by name and the expiry; says when the tenant runs locally', () => {
    const r = record('guided-window');
    r.firstEnrollment = true;
    const session = guidedSession(r, 'tok', facts({ displayName: 'Ada Lovelace', email: 'ada@example.com', phoneNumber: '+14155550100', username: 'ada' }), { available: true }, undefined);
    expect(session).toEqual({
      sessionId: 'enr_1',
      token: 'tok',
      tenantId: 'ten_local',
      baseUrl: 'http://127.0.0.1:4010/v1',
      user: { userId: 'usr_ada', label: 'Ada Lovelace', username: 'ada', email: 'ada@example.com', phoneNumber: '+14155550100' },
      firstEnrollment: true,
      methods: guidedMethodOptions(null),
      expiresAt: '2026-12-03T18:10:00.000Z',
      localTenant: true,
    });
    expect(guidedSession(record('guided-window', REMOTE), 'tok', facts({}), { available: true }, undefined).localTenant).toBe(false);
  });

  it('registers a passkey under the username, else the email, else the user id', () => {
    const r = record('guided-window');
    const username = (profile: Partial<UserFacts['profile']>) => guidedSession(r, 'tok', facts(profile), { available: true }, undefined).user.username;
    expect(username({ username: 'ada', email: 'ada@example.com' })).toBe('ada');
    expect(username({ email: 'ada@example.com' })).toBe('ada@example.com');
    expect(username({})).toBe('usr_ada');
  });

  it("offers the tenant's switched-on methods, all with a note when unknown, and no WebAuthn where it cannot run", () => {
    const r = record('guided-window');
    const noWebauthn = { available: false, reason: 'bound to its own domain' };
    const known = guidedSession(r, 'tok', facts({}), noWebauthn, new Set(['EMAIL_OTP', 'PASSKEY']));
    expect(known.methods).toEqual(guidedMethodOptions(new Set(['EMAIL_OTP', 'PASSKEY']), noWebauthn));
    expect(known.methods.find((m) => m.method === 'PASSKEY')).toEqual({ method: 'PASSKEY', available: false, reason: 'bound to its own domain' });
    expect(known).not.toHaveProperty('methodsNote');
    const unknown = guidedSession(r, 'tok', facts({}), { available: true }, null);
    expect(unknown.methods.every((m) => m.available)).toBe(true);
    expect(unknown.methodsNote).toBe(METHODS_UNKNOWN_NOTE);
    expect(guidedSession(r, 'tok', facts({}), { available: true }, undefined)).not.toHaveProperty('methodsNote');
  });
});
