import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addToSummary, emptySummary } from '@shared/domain/coverage';
import { buildRow, csvHeader, csvToRow, escapeCell, problemRow, rowToCsv, unescapeCell } from '../../../src/main/services/coverage/report-rows';

const asOf = Date.parse('2026-01-01T00:00:00.000Z');
const daysAgo = (d: number) => new Date(asOf - d * 86_400_000).toISOString();

describe('buildRow', () => {
  it('counts methods, finds newest and oldest use, and flags staleness against the threshold', () => {
    const row = buildRow({
      line: 7,
      userId: 'u1',
      email: '',
      asOfMs: asOf,
      staleDays: 180,
      authenticators: [
        { verificationMethod: 'SMS', createdAt: daysAgo(400), lastVerifiedAt: daysAgo(200) },
        { verificationMethod: 'PASSKEY', createdAt: daysAgo(30), verifiedAt: daysAgo(30) },
        { verificationMethod: 'SMS', createdAt: daysAgo(10) },
        { verificationMethod: 'EMAIL_OTP', createdAt: daysAgo(5), lastVerifiedAt: daysAgo(1), email: 'ann@x.io' },
      ],
    });
    expect(row).toMatchObject({
      line: 7,
      email: 'ann@x.io',
      status: 'ok',
      count: 4,
      methods: ['EMAIL_OTP', 'PASSKEY', 'SMS'],
      methodCounts: { SMS: 2, PASSKEY: 1, EMAIL_OTP: 1 },
      phishingResistant: true,
      newestLastVerifiedAt: daysAgo(1),
      oldestLastVerifiedAt: daysAgo(200),
      staleAuthenticators: 1,
      stale: false,
    });
  });

  it('marks a user stale only when every authenticator is past the threshold', () => {
    const old = [{ verificationMethod: 'SMS', createdAt: daysAgo(500), lastVerifiedAt: daysAgo(181) }];
    expect(buildRow({ line: 1, userId: 'u', email: '', asOfMs: asOf, staleDays: 180, authenticators: old })).toMatchObject({ stale: true, phishingResistant: false });
    expect(buildRow({ line: 1, userId: 'u', email: '', asOfMs: asOf, staleDays: 200, authenticators: old }).stale).toBe(false);
    expect(buildRow({ line: 1, userId: 'u', email: '', asOfMs: asOf, staleDays: 180, authenticators: [] })).toMatchObject({ stale: false, count: 0, newestLastVerifiedAt: null });
  });
});

describe('CSV rows', () => {
  it('escapes cells a spreadsheet would run as formulas and reads them back exactly', () => {
    const row = problemRow(3, '=HYPERLINK("http://evil")', "'quoted", 'failed', 'unavailable: HTTP 503 after 6 attempts');
    const text = rowToCsv(row);
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text.endsWith('\n')).toBe(true);
    expect(csvToRow(text.trimEnd())).toEqual(row);
  });

  it('round-trips any row through one CSV line', () => {
    const cell = fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(cell, cell, fc.array(fc.constantFrom('SMS', 'PASSKEY', 'EMAIL_OTP', 'SECURITY_KEY'), { maxLength: 4 }), (userId, email, methods) => {
        const row = buildRow({
          line: 9,
          userId,
          email,
          asOfMs: asOf,
          staleDays: 30,
          authenticators: methods.map((m, i) => ({ verificationMethod: m, createdAt: daysAgo(i * 20) })),
        });
        const text = rowToCsv(row);
        expect(text.indexOf('\n')).toBe(text.length - 1);
        expect(csvToRow(text.slice(0, -1))).toEqual(row);
      }),
    );
  });

  it('escape and unescape are inverse', () => {
    fc.assert(fc.property(fc.string(), (s) => unescapeCell(escapeCell(s)) === s));
  });

  it('has a header naming every column', () => {
    expect(csvHeader()).toBe(
      'line,userId,email,status,reason,count,methods,methodCounts,phishingResistant,newestLastVerifiedAt,oldestLastVerifiedAt,staleAuthenticators,stale\n',
    );
  });
});

describe('summary', () => {
  it('counts users by authenticator count, phishing resistance, staleness, methods and failures', () => {
    const s = emptySummary(new Date(asOf).toISOString(), 180);
    const mk = (methods: string[], lastDaysAgo: number) =>
      buildRow({ line: 1, userId: 'u', email: '', asOfMs: asOf, staleDays: 180, authenticators: methods.map((m) => ({ verificationMethod: m, lastVerifiedAt: daysAgo(lastDaysAgo) })) });
    addToSummary(s, mk([], 0));
    addToSummary(s, mk(['SMS'], 300));
    addToSummary(s, mk(['PASSKEY', 'SMS'], 1));
    addToSummary(s, mk(['SECURITY_KEY'], 1));
    addToSummary(s, problemRow(5, 'u5', '', 'failed', 'unavailable: HTTP 503 after 6 attempts'));
    addToSummary(s, problemRow(6, '', '', 'invalid', 'malformed: the user id is empty'));
    expect(s).toMatchObject({
      rows: 6,
      users: 4,
      failed: 1,
      invalid: 1,
      byCount: { zero: 1, one: 2, twoPlus: 1 },
      phishingResistant: 2,
      phishingResistantShare: 0.5,
      phishableOnly: 1,
      stale: 1,
      methods: { SMS: { users: 2, authenticators: 2 }, PASSKEY: { users: 1, authenticators: 1 }, SECURITY_KEY: { users: 1, authenticators: 1 } },
      failuresByCode: { unavailable: 1, malformed: 1 },
      invalidLines: [6],
    });
  });
});

describe('CSV cells safe in every locale', () => {
  it('neutralises a formula after any , ; or tab inside a value, and quotes the field', () => {
    expect(escapeCell('x;=1+1;y@evil.example')).toBe("x;'=1+1;y@evil.example");
    expect(escapeCell('a,+1; -2\t@3')).toBe("a,'+1;' -2\t'@3");
    expect(escapeCell("x;'quoted")).toBe("x;''quoted");
    const line = rowToCsv(problemRow(2, 'x;=1+1;y@evil.example', '', 'failed', 'unavailable: HTTP 503'));
    expect(line.split(',')[1]).toBe(`"x;'=1+1;y@evil.example"`);
  });

  it('splits every line it writes back into the same fields as the general CSV parser', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (id, email, reason) => {
        const row = problemRow(7, id, email, 'failed', reason);
        const back = csvToRow(rowToCsv(row).trimEnd());
        return back.userId === row.userId && back.email === row.email && back.reason === row.reason;
      }),
    );
  });
});
