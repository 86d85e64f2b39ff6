import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, type AuditEntry } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import {
  GENESIS_HEAD,
  auditErrorOf,
  canonicalJson,
  checkEntryText,
  checkLine,
  cleanString,
  hashOf,
  isSecretKey,
  isSecretValue,
  lineOf,
  sanitizeDetails,
  seal,
  seqOf,
  sha256Hex,
  type UnsealedEntry,
} from '../../../src/main/services/audit/audit-format';
import { buildEntry } from '../../../src/main/services/audit/audit-entry';

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

describe('canonical form edge cases', () => {
  it('refuses a value with no JSON form, saying so', () => {
    expect(() => canonicalJson(undefined)).toThrow(new TypeError('Only JSON values can be canonicalised'));
    expect(() => canonicalJson(() => 1)).toThrow(/Only JSON values/);
  });

  it('hashes bytes and text alike, as lowercase hex SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.from('abc'))).toBe(sha256Hex('abc'));
  });

  it('starts a fresh chain before seq 1 at the genesis hash', () => {
    expect(GENESIS_HEAD).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH });
  });
});

describe('checkEntryText and checkLine messages', () => {
  const first = seal(unsealed(1, AUDIT_GENESIS_HASH));
  const text = (e: AuditEntry) => lineOf(e).slice(0, -1);

  it('names the JSON, the field and the seq of a line that is not an entry', () => {
    const bad = checkEntryText('{"seq":', 3);
    expect(bad).toEqual({ ok: false, broken: { line: 3, seq: null, reason: 'bad-json', message: 'Line 3 is not valid JSON.' } });
    const noTs = JSON.parse(text(first)) as Record<string, unknown>;
    delete noTs.ts;
    const shape = checkEntryText(canonicalJson(noTs), 4);
    expect(shape).toEqual({ ok: false, broken: { line: 4, seq: 1, reason: 'bad-entry', message: 'Line 4 is not an audit entry (field ts).' } });
    // A nested field is named by its path; a non-object has no field to name.
    const nested = checkEntryText(canonicalJson({ ...noTs, ts: first.ts, actor: { osUser: 5, agentName: null } }), 5);
    expect(!nested.ok && nested.broken.message).toBe('Line 5 is not an audit entry (field actor.osUser).');
    const notObject = checkEntryText('[1,2]', 6);
    expect(notObject).toEqual({ ok: false, broken: { line: 6, seq: null, reason: 'bad-entry', message: 'Line 6 is not an audit entry.' } });
  });

  it('says a re-formatted line was edited and a changed one no longer matches its hash', () => {
    const spaced = checkEntryText(JSON.stringify(JSON.parse(text(first)), null, 1), 2);
    expect(spaced).toEqual({
      ok: false,
      broken: { line: 2, seq: 1, reason: 'not-canonical', message: 'Line 2 (seq 1) is not in the form Authdesk writes: it was edited.' },
    });
    const changed = checkEntryText(text(first).replace('caller asked', 'caller asket'), 2);
    expect(changed).toEqual({
      ok: false,
      broken: { line: 2, seq: 1, reason: 'hash-mismatch', message: 'Line 2 (seq 1) does not match its hash: its content was changed.' },
    });
    expect(checkEntryText(text(first), 1)).toEqual({ ok: true, entry: first });
  });

  it('counts the entries missing before a seq gap, and names repeats and reordering', () => {
    const fourth = seal(unsealed(4, first.hash));
    const many = checkLine(text(fourth), 2, { seq: 1, hash: first.hash });
    expect(many).toEqual({
      ok: false,
      broken: { line: 2, seq: 4, reason: 'seq-gap', message: 'Line 2 has seq 4 but seq 2 was expected: 2 entries are missing before it.' },
    });
    const one = checkLine(text(seal(unsealed(3, first.hash))), 2, { seq: 1, hash: first.hash });
    expect(!one.ok && one.broken.message).toBe('Line 2 has seq 3 but seq 2 was expected: 1 entry is missing before it.');
    const repeated = checkLine(text(first), 2, { seq: 1, hash: first.hash });
    expect(repeated).toEqual({
      ok: false,
      broken: { line: 2, seq: 1, reason: 'seq-gap', message: 'Line 2 has seq 1 but seq 2 was expected: entries were repeated or reordered.' },
    });
    const replaced = checkLine(text(seal(unsealed(2, 'b'.repeat(64)))), 2, { seq: 1, hash: first.hash });
    expect(replaced).toEqual({
      ok: false,
      broken: { line: 2, seq: 2, reason: 'prev-mismatch', message: 'Line 2 (seq 2) does not chain to the entry before it: an entry was replaced.' },
    });
  });

  it('reads the seq a damaged line claims only when it is an integer', () => {
    expect(seqOf({ seq: 7 })).toBe(7);
    expect(seqOf({ seq: 7.5 })).toBeNull();
    expect(seqOf({ seq: '7' })).toBeNull();
    expect(seqOf({})).toBeNull();
    expect(seqOf(null)).toBeNull();
    expect(seqOf(7)).toBeNull();
  });
});

describe('credential words', () => {
  it('treats every credential word as secret, alone and inside a compound key', () => {
    const words = ['token', 'tokens', 'secret', 'secrets', 'password', 'passwd', 'passcode', 'pin', 'otp', 'otpauth', 'totp', 'hotp', 'code', 'codes', 'cookie', 'cookies', 'authorization', 'bearer', 'jwt', 'apikey', 'privatekey'];
    for (const w of words) {
      expect([w, isSecretKey(w)]).toEqual([w, true]);
      expect([`user_${w}`, isSecretKey(`user_${w}`)]).toEqual([`user_${w}`, true]);
    }
    // Two words that together name a credential.
    expect(['api_key', 'apiKey', 'private-key', 'PrivateKey'].map(isSecretKey)).toEqual([true, true, true, true]);
    expect(['api', 'key', 'private', 'keyApi'].map(isSecretKey)).toEqual([false, false, false, false]);
  });

  it('splits acronyms from the word after them', () => {
    // "JWTValue" is "jwt value", "OTPSent" is "otp sent": without the split they read as one unknown word.
    expect(['JWTValue', 'OTPSent', 'userOTP', 'x1Token'].map(isSecretKey)).toEqual([true, true, true, true]);
    expect(['HTTPStatus', 'URLPath'].map(isSecretKey)).toEqual([false, false]);
  });

  it('keeps the public names that contain a credential word', () => {
    expect(['actionCode', 'errorCode', 'countryCode', 'statusCode', 'status_code', 'COUNTRY_CODE'].map(isSecretKey)).toEqual(Array(6).fill(false));
    expect(['actionCodes', 'otherCode'].map(isSecretKey)).toEqual([true, true]);
  });

  it('recognises a JWT or an otpauth URI as a whole value only', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
    expect(isSecretValue(jwt)).toBe(true);
    expect(isSecretValue(`  ${jwt}\n`)).toBe(true);
    expect(isSecretValue('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.')).toBe(true);
    expect(isSecretValue(`see ${jwt}`)).toBe(false);
    expect(isSecretValue(`${jwt} and more`)).toBe(false);
    expect(isSecretValue('eyJab.c.d')).toBe(false);
    expect(isSecretValue('eyJabcde.c.d')).toBe(true);
    expect(isSecretValue('eyJabcde..d')).toBe(false);
    expect(isSecretValue('eyJabcde.c')).toBe(false);
    expect(isSecretValue('eyJab!de.c.d')).toBe(false);
    expect(isSecretValue('eyJabcde.c!.d')).toBe(false);
    expect(isSecretValue('eyJabcde.c.d!')).toBe(false);
    expect(isSecretValue('eyJa_c-e.c_-.d_-')).toBe(true);
    expect(isSecretValue('OTPAUTH://totp/x')).toBe(true);
    expect(isSecretValue('  otpauth://hotp/x')).toBe(true);
    expect(isSecretValue('see otpauth://totp/x')).toBe(false);
    expect(isSecretValue('otpauth:/totp')).toBe(false);
  });
});

describe('cleanString', () => {
  it('keeps a string of exactly the cap, and cuts a longer one to the cap with an ellipsis', () => {
    expect(cleanString('abcde', 5)).toBe('abcde');
    expect(cleanString('abcdef', 5)).toBe('abcd…');
    expect(cleanString('x'.repeat(1000))).toBe('x'.repeat(1000));
    expect(cleanString('x'.repeat(1001))).toBe(`${'x'.repeat(999)}…`);
  });

  it('replaces lone surrogates of either half and keeps pairs', () => {
    expect(cleanString('a\uD800b')).toBe('a\uFFFDb');
    expect(cleanString('a\uDC00b')).toBe('a\uFFFDb');
    expect(cleanString('a\uD800')).toBe('a\uFFFD');
    expect(cleanString('\uDC00a')).toBe('\uFFFDa');
    expect(cleanString('a\uD83D\uDE00b')).toBe('a\uD83D\uDE00b');
    expect(cleanString('\uDC00\uD800')).toBe('\uFFFD\uFFFD');
  });
});

describe('sanitizeDetails bounds', () => {
  it('records the full path of a value redacted inside arrays and objects', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
    const { details, redacted } = sanitizeDetails({ notes: ['ok', jwt, { token: 'x', note: jwt }], top: jwt });
    expect(details).toEqual({ notes: ['ok', null, {}] });
    expect(redacted).toEqual(['notes.1', 'notes.2.token', 'notes.2.note', 'top']);
  });

  it('does not record a credential key whose value is undefined', () => {
    expect(sanitizeDetails({ token: undefined, reason: 'r' })).toEqual({ details: { reason: 'r' }, redacted: [] });
  });

  it('cuts depth at four levels and lists at 100 items, saying how many were left out', () => {
    const { details } = sanitizeDetails({ a: { b: { c: { d: 1 } } }, w: { x: { y: { z: { q: 1 } } } }, list: [[[['deep']]]] });
    expect(details.a).toEqual({ b: { c: { d: 1 } } });
    expect(details.w).toEqual({ x: { y: { z: '[too deep]' } } });
    expect(details.list).toEqual([[['[too deep]']]]);
    const exact = sanitizeDetails({ many: Array.from({ length: 100 }, (_, i) => i) }).details.many as unknown[];
    expect(exact).toHaveLength(100);
    expect(exact.at(-1)).toBe(99);
    const over = sanitizeDetails({ many: Array.from({ length: 103 }, (_, i) => i) }).details.many as unknown[];
    expect(over).toHaveLength(101);
    expect(over.at(-2)).toBe(99);
    expect(over.at(-1)).toBe('[3 more]');
    expect(sanitizeDetails({ list: [undefined, () => 1, 2] }).details.list).toEqual([null, null, 2]);
  });

  it('keeps the first 100 keys of an object, and caps key names at 100 characters', () => {
    const wide = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`k${i}`, i]));
    const { details } = sanitizeDetails(wide);
    expect(Object.keys(details)).toHaveLength(100);
    expect(details.k99).toBe(99);
    expect('k100' in details).toBe(false);
    const long = sanitizeDetails({ ['n'.repeat(150)]: 1 }).details;
    expect(Object.keys(long)).toEqual([`${'n'.repeat(99)}…`]);
  });

  it('keeps plain values as they are and copies objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.reason = 'r';
    const { details } = sanitizeDetails({ t: true, f: false, n: 0, neg: -1.5, nul: null, bare, bad: new Date('nope'), sym: Symbol('s') });
    expect(details).toEqual({ t: true, f: false, n: 0, neg: -1.5, nul: null, bare: { reason: 'r' }, bad: null });
    expect(sanitizeDetails(undefined)).toEqual({ details: {}, redacted: [] });
    // Details that are not a plain object at all are recorded as none.
    expect(sanitizeDetails(['a', 'b'] as unknown as Record<string, unknown>)).toEqual({ details: {}, redacted: [] });
    expect(sanitizeDetails(new Map([['a', 1]]) as unknown as Record<string, unknown>)).toEqual({ details: {}, redacted: [] });
    expect(sanitizeDetails({ m: new Map([['a', 1]]), b: Buffer.from('x') }).details).toEqual({ m: '[unsupported]', b: '[unsupported]' });
  });
});

describe('auditErrorOf edge cases', () => {
  it('records a message on one line, whatever whitespace it had', () => {
    expect(auditErrorOf(new AppError('validation', 'Check the id.\n\nThen  try\tagain.')).message).toBe('Check the id. Then try again.');
  });

  it('keeps a bare error code, cleans its message, and caps the message at 500 characters', () => {
    expect(auditErrorOf({ code: 'not-found' })).toEqual({ code: 'not-found' });
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
    expect(auditErrorOf({ code: 'expired', message: `token ${jwt} expired` })).toEqual({ code: 'expired', message: 'token [redacted] expired' });
    expect(auditErrorOf({ code: 'made-up', message: 'x' })).toEqual({ code: 'internal' });
    expect(auditErrorOf('a string')).toEqual({ code: 'internal' });
    const long = auditErrorOf(new AppError('validation', 'w '.repeat(400)));
    expect(long.message).toHaveLength(500);
    expect(long.message?.endsWith('…')).toBe(true);
  });
});

describe('buildEntry', () => {
  const stamp = { ts: '2026-01-02T03:04:05.000Z', actor: { osUser: 'alice', agentName: null } };
  const head = { seq: 4, hash: 'c'.repeat(64) };

  it('chains to the head and leaves out the optional parts a plain success does not have', () => {
    const entry = buildEntry({ action: 'user.lookup' }, head, stamp);
    expect(entry).toEqual({
      v: 1,
      seq: 5,
      ts: stamp.ts,
      actor: stamp.actor,
      action: 'user.lookup',
      tenant: null,
      subject: {},
      details: {},
      outcome: 'ok',
      prevHash: head.hash,
      hash: hashOf(entry),
    });
    expect(Object.keys(entry)).not.toContain('error');
    expect(Object.keys(entry)).not.toContain('verification');
    expect(Object.keys(entry)).not.toContain('redacted');
  });

  it('keeps the tenant, subject, error, verification and redacted names, capped', () => {
    const verification = { id: 'ver-1', method: 'email-otp', expiresAt: '2026-01-02T03:14:05.000Z' };
    const entry = buildEntry(
      {
        action: 'authenticator.remove',
        tenant: { id: 'i'.repeat(250), name: 'n'.repeat(250) },
        subject: { userId: 'u'.repeat(600) },
        details: { token: 'x', reason: 'r' },
        error: new AppError('not-found', 'No such authenticator.'),
        verification,
      },
      head,
      stamp,
    );
    expect(entry.tenant).toEqual({ id: `${'i'.repeat(199)}…`, name: `${'n'.repeat(199)}…` });
    expect(entry.subject).toEqual({ userId: `${'u'.repeat(499)}…` });
    expect(entry.outcome).toBe('error');
    expect(entry.error).toEqual({ code: 'not-found', message: 'No such authenticator.' });
    expect(entry.verification).toEqual(verification);
    expect(entry.redacted).toEqual(['token']);
    expect(entry.details).toEqual({ reason: 'r' });
    // An error that is not an AppError is still an error outcome, recorded as internal.
    expect(buildEntry({ action: 'user.lookup', error: new Error('boom') }, head, stamp)).toMatchObject({ outcome: 'error', error: { code: 'internal' } });
  });

  it('refuses to build an entry the reader would reject', () => {
    expect(() => buildEntry({ action: 'user.lookup' }, head, { ...stamp, ts: 'yesterday' })).toThrow();
  });
});
