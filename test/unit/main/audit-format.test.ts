import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, type AuditEntry } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import {
  GENESIS_HEAD,
  auditErrorOf,
  canonicalJson,
  checkLine,
  hashOf,
  isSecretKey,
  lineOf,
  sanitizeDetails,
  seal,
  type UnsealedEntry,
} from '../../../src/main/services/audit/audit-format';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function unsealed(seq: number, prevHash: string, extra: Partial<UnsealedEntry> = {}): UnsealedEntry {
  return {
    v: 1,
    seq,
    ts: '2026-01-02T03:04:05.000Z',
    actor: { osUser: 'alice', agentName: 'Alice A.' },
    action: 'user.lookup',
    tenant: { id: 'local', name: 'Local tenant' },
    subject: { userId: `user-${seq}` },
    details: { reason: 'caller asked', ticket: 'HD-1' },
    outcome: 'ok',
    prevHash,
    ...extra,
  };
}

describe('canonical hashing', () => {
  it('serialises with sorted keys at every depth and no whitespace (RFC 8785)', () => {
    expect(canonicalJson({ b: 1, a: { d: true, c: [3, 'x', { z: null, y: 1.5 }] } })).toBe(
      '{"a":{"c":[3,"x",{"y":1.5,"z":null}],"d":true},"b":1}',
    );
    // Key order of construction does not matter.
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
    // ECMAScript number forms, as JCS requires.
    expect(canonicalJson({ n: 1e21, m: 0.000001, k: -0 })).toBe('{"k":0,"m":0.000001,"n":1e+21}');
  });

  it('hashes the canonical JSON of the entry without its hash field', () => {
    const entry = seal(unsealed(1, AUDIT_GENESIS_HASH));
    const { hash, ...rest } = entry;
    expect(hash).toBe(sha(canonicalJson(rest)));
    // A hash field present (stale or not) does not take part.
    expect(hashOf({ ...rest, hash: 'f'.repeat(64) })).toBe(hash);
    const reordered = Object.fromEntries(Object.entries(rest).reverse());
    expect(hashOf(reordered)).toBe(hash);
  });

  it('changes the hash when any field changes', () => {
    const base = seal(unsealed(1, AUDIT_GENESIS_HASH)).hash;
    expect(seal(unsealed(1, AUDIT_GENESIS_HASH, { outcome: 'error' })).hash).not.toBe(base);
    expect(seal(unsealed(2, AUDIT_GENESIS_HASH)).hash).not.toBe(base);
    expect(seal(unsealed(1, 'a'.repeat(64))).hash).not.toBe(base);
    expect(seal(unsealed(1, AUDIT_GENESIS_HASH, { details: { reason: 'caller asked', ticket: 'HD-2' } })).hash).not.toBe(base);
  });

  it('writes each entry as its canonical JSON and a newline', () => {
    const entry = seal(unsealed(1, AUDIT_GENESIS_HASH));
    const line = lineOf(entry);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).toBe(canonicalJson(JSON.parse(line)));
  });
});

describe('checkLine', () => {
  const first = seal(unsealed(1, AUDIT_GENESIS_HASH));
  const second = seal(unsealed(2, first.hash));
  const text = (e: AuditEntry) => lineOf(e).slice(0, -1);

  it('accepts a chain from the genesis hash', () => {
    const a = checkLine(text(first), 1, GENESIS_HEAD);
    expect(a.ok).toBe(true);
    const b = checkLine(text(second), 2, { seq: 1, hash: first.hash });
    expect(b.ok).toBe(true);
  });

  it.each([
    ['bad-json', (t: string) => t.slice(0, 40)],
    ['bad-entry', () => canonicalJson({ hello: 'world' })],
    ['not-canonical', (t: string) => JSON.stringify(JSON.parse(t), null, 1)],
    ['hash-mismatch', (t: string) => t.replace('caller asked', 'caller asket')],
  ])('names %s', (reason, mutate) => {
    const result = checkLine(mutate(text(second)), 7, { seq: 1, hash: first.hash });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.broken.reason).toBe(reason);
      expect(result.broken.line).toBe(7);
      expect(result.broken.message).toContain('Line 7');
    }
  });

  it('names a seq gap before a prev mismatch, and a prev mismatch on its own', () => {
    const gap = checkLine(text(second), 2, GENESIS_HEAD);
    expect(!gap.ok && gap.broken.reason).toBe('seq-gap');
    expect(!gap.ok && gap.broken.message).toContain('1 entry is missing');
    const other = seal(unsealed(2, 'b'.repeat(64)));
    const prev = checkLine(text(other), 2, { seq: 1, hash: first.hash });
    expect(!prev.ok && prev.broken.reason).toBe('prev-mismatch');
    expect(!prev.ok && prev.broken.seq).toBe(2);
  });
});

describe('sanitizeDetails', () => {
  it('drops credential keys at any depth and records only their paths', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl';
    const { details, redacted } = sanitizeDetails({
      reason: 'lost phone',
      ticket: 'HD-42',
      token: 'tok-123',
      otpCode: '123456',
      code: '654321',
      nested: { user_password: 'hunter2', apiKey: 'k-1', method: 'SMS' },
      list: [{ refreshToken: 'r-1', authenticatorId: 'auth-1' }],
      clientSecret: 's-1',
      pasted: jwt,
      totpUri: 'otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP',
      actionCode: 'authdesk-enroll',
      notProvided: true,
    });
    expect(details).toEqual({
      reason: 'lost phone',
      ticket: 'HD-42',
      nested: { method: 'SMS' },
      list: [{ authenticatorId: 'auth-1' }],
      actionCode: 'authdesk-enroll',
      notProvided: true,
    });
    expect(redacted.sort()).toEqual(
      ['token', 'otpCode', 'code', 'nested.user_password', 'nested.apiKey', 'list.0.refreshToken', 'clientSecret', 'pasted', 'totpUri'].sort(),
    );
    const written = JSON.stringify({ details, redacted });
    for (const secret of ['tok-123', '123456', '654321', 'hunter2', 'k-1', 'r-1', 's-1', jwt, 'JBSWY3DPEHPK3PXP']) {
      expect(written).not.toContain(secret);
    }
  });

  it('classifies key names by word, not by substring', () => {
    expect(['token', 'idToken', 'ID_TOKEN', 'x-api-key', 'privateKey', 'passcode', 'recoveryCodes', 'otp', 'pin'].map(isSecretKey)).toEqual(
      Array(9).fill(true),
    );
    expect(['notProvided', 'footprint', 'hotpath', 'actionCode', 'errorCode', 'reason', 'method', 'keyId', 'spinner'].map(isSecretKey)).toEqual(
      Array(9).fill(false),
    );
  });

  it('keeps only bounded JSON values', () => {
    const { details } = sanitizeDetails({
      long: 'x'.repeat(5000),
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      when: new Date('2026-01-01T00:00:00Z'),
      big: 12n,
      fn: () => 1,
      undef: undefined,
      error: new Error('boom with secret inside'),
      deep: { a: { b: { c: { d: { e: 1 } } } } },
      many: Array.from({ length: 150 }, (_, i) => i),
      lone: 'a\uD800b',
    });
    expect((details.long as string).length).toBe(1000);
    expect(details.nan).toBeNull();
    expect(details.inf).toBeNull();
    expect(details.when).toBe('2026-01-01T00:00:00.000Z');
    expect(details.big).toBe('12');
    expect('fn' in details || 'undef' in details).toBe(false);
    expect(details.error).toBe('[unsupported]');
    expect(JSON.stringify(details.deep)).toContain('[too deep]');
    expect((details.many as unknown[]).length).toBe(101);
    expect(details.lone).toBe('a\uFFFDb');
    // Whatever went in, the result canonicalises (the writer would otherwise throw).
    expect(() => canonicalJson(details)).not.toThrow();
  });

  it('never lets a value under a credential key through, whatever the shape (property)', () => {
    const secretKey = fc.constantFrom('token', 'accessToken', 'secret', 'otp', 'code', 'password', 'verificationCode', 'apiKey');
    const marker = fc.string({ minLength: 6, maxLength: 20 }).map((s) => `SECRET-${s}`);
    const plainKey = fc.constantFrom('reason', 'ticket', 'method', 'note', 'items', 'meta');
    type Tree = { [k: string]: unknown };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(plainKey, { maxLength: 3 }), secretKey, marker), { minLength: 1, maxLength: 5 }), (plants) => {
        const root: Tree = { reason: 'ok' };
        for (const [path, key, value] of plants) {
          let node = root;
          for (const p of path) node = (node[p] = typeof node[p] === 'object' && node[p] !== null ? node[p] : {}) as Tree;
          node[key] = value;
        }
        const out = JSON.stringify(sanitizeDetails(root));
        for (const [, , value] of plants) expect(out).not.toContain(JSON.stringify(value).slice(1, -1));
      }),
      { numRuns: 200 },
    );
  });
});

describe('auditErrorOf', () => {
  it('keeps an AppError code and message, and only the code of anything else', () => {
    expect(auditErrorOf(new AppError('not-found', 'No such user. Check the id.'))).toEqual({
      code: 'not-found',
      message: 'No such user. Check the id.',
    });
    expect(auditErrorOf(new Error('socket hang up near secret-xyz'))).toEqual({ code: 'internal' });
    expect(auditErrorOf({ code: 'rate-limited', message: 'Slow down' })).toEqual({ code: 'rate-limited', message: 'Slow down' });
  });

  it('blanks a token-shaped word even in an AppError message', () => {
    const info = auditErrorOf(new AppError('expired', 'Token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.sig expired'));
    expect(info.message).toBe('Token [redacted] expired');
  });
});
