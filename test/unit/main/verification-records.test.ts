import { describe, expect, it } from 'vitest';
import { latestFor, liveFor, newRecord, recordView, stampOf, supersedePending, type VerificationRecord } from '../../../src/main/services/verification/records';

// The records caller verification keeps in memory: what the console sees of one, the audit stamp,
// and which of a user's records decides a change. Pure functions over plain records.

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const local = { id: 'local', name: 'Local' };
const record = (over: Partial<VerificationRecord>): VerificationRecord => ({ ...newRecord(local, 'u1', 'email-otp', T0), ...over });
const verified = (id: string, expiresAt: number, over: Partial<VerificationRecord> = {}) => record({ id, status: 'verified', verifiedAt: T0, expiresAt, ...over });

describe('verification records', () => {
  it('start pending, with an id that cannot be guessed and nothing else decided', () => {
    const a = newRecord(local, 'u1', 'sms-otp', T0);
    expect(a).toEqual({ id: a.id, tenant: { id: 'local', name: 'Local' }, userId: 'u1', method: 'sms-otp', status: 'pending', startedAt: T0, endRecorded: false });
    expect(a.id).toMatch(/^ver_[A-Za-z0-9_-]{16}$/);
    expect(newRecord(local, 'u1', 'sms-otp', T0).id).not.toBe(a.id);
  });

  it('show the console times as ISO, the deadline only while pending, and never the challenge or action', () => {
    const pending = record({ id: 'v1', pendingUntil: T0 + 60_000, target: 'k•••e@example.com', challengeId: 'ch_secret', action: { code: 'x', idempotencyKey: 'k' } });
    expect(recordView(pending)).toEqual({
      id: 'v1',
      userId: 'u1',
      tenantId: 'local',
      method: 'email-otp',
      status: 'pending',
      target: 'k•••e@example.com',
      startedAt: '2026-03-01T10:00:00.000Z',
      verifiedAt: undefined,
      expiresAt: undefined,
      pendingUntil: '2026-03-01T10:01:00.000Z',
      failure: undefined,
    });
    const done = recordView({ ...pending, status: 'verified', verifiedAt: T0 + 1000, expiresAt: T0 + 601_000, failure: 'x' });
    expect(done).toMatchObject({ verifiedAt: '2026-03-01T10:00:01.000Z', expiresAt: '2026-03-01T10:10:01.000Z', pendingUntil: undefined, failure: 'x' });
  });

  it('stamp audit entries with the expiry, or the moment itself when there is none', () => {
    expect(stampOf(verified('v1', T0 + 600_000), T0)).toEqual({ id: 'v1', method: 'email-otp', expiresAt: '2026-03-01T10:10:00.000Z' });
    expect(stampOf(record({ id: 'v2' }), T0 + 5000)).toEqual({ id: 'v2', method: 'email-otp', expiresAt: '2026-03-01T10:00:05.000Z' });
  });

  it("pick the user's newest record in the tenant, the later one on a tie", () => {
    const old = record({ id: 'old', startedAt: T0 - 1 });
    const first = record({ id: 'first' });
    const second = record({ id: 'second' });
    const other = [record({ id: 'other-user', userId: 'u2', startedAt: T0 + 9 }), record({ id: 'other-tenant', tenant: { id: 'prod', name: 'Prod' }, startedAt: T0 + 9 })];
    expect(latestFor([old, first, second, ...other], 'local', 'u1')?.id).toBe('second');
    expect(latestFor([second, first, old], 'local', 'u1')?.id).toBe('first');
    expect(latestFor(other, 'local', 'u1')).toBeUndefined();
  });

  it('pick the live verification that lasts longest, never an ended or pending one, nor one ending now', () => {
    const now = T0 + 1000;
    const short = verified('short', now + 10);
    const long = verified('long', now + 20);
    const records = [short, long, verified('ended', now), record({ id: 'pending', pendingUntil: now + 99 }), verified('cancelled', now + 99, { status: 'cancelled' })];
    expect(liveFor(records, 'local', 'u1', now)?.id).toBe('long');
    expect(liveFor([long, short], 'local', 'u1', now)?.id).toBe('long');
    expect(liveFor(records.slice(2), 'local', 'u1', now)).toBeUndefined();
    expect(liveFor([long], 'local', 'u2', now)).toBeUndefined();
    expect(liveFor([long], 'prod', 'u1', now)).toBeUndefined();
  });

  it("replace only the same user's pending checks in the same tenant, and record no end for them", () => {
    const newer = record({ id: 'newer' });
    const pending = record({ id: 'pending' });
    const live = verified('live', T0 + 600_000);
    const otherUser = record({ id: 'other-user', userId: 'u2' });
    const otherTenant = record({ id: 'other-tenant', tenant: { id: 'prod', name: 'Prod' } });
    supersedePending([newer, pending, live, otherUser, otherTenant], newer);
    expect(pending).toMatchObject({ status: 'cancelled', failure: 'A newer check replaced this one.', endRecorded: true });
    expect([newer, live, otherUser, otherTenant].map((r) => [r.id, r.status, r.endRecorded])).toEqual([
      ['newer', 'pending', false],
      ['live', 'verified', false],
      ['other-user', 'pending', false],
      ['other-tenant', 'pending', false],
    ]);
  });
});
