import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, inputFacts, MAX_LINE_BYTES, parseItem, readLines, type InputLine } from '../../../src/main/services/coverage/input';

const dir = mkdtempSync(join(tmpdir(), 'authdesk-cov-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer) => {
  const path = join(dir, `in-${n++}.txt`);
  writeFileSync(path, content);
  return path;
};
const collect = async (path: string, offset = 0, line = 0) => {
  const out: InputLine[] = [];
  for await (const l of readLines(path, offset, line)) out.push(l);
  return out;
};

describe('readLines', () => {
  it('numbers lines, strips CRLF and the BOM, and gives the byte offset after each line', async () => {
    const path = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('userId\r\nalice\r\n\r\nbob')]));
    const lines = await collect(path);
    expect(lines.map((l) => [l.line, l.text])).toEqual([
      [1, 'userId'],
      [2, 'alice'],
      [3, ''],
      [4, 'bob'],
    ]);
    expect(lines.map((l) => l.endOffset)).toEqual([3 + 8, 3 + 15, 3 + 17, 3 + 20]);
  });

  it('resumes from any line boundary with the same numbers and text as a full read', async () => {
    const body = Array.from({ length: 50 }, (_, i) => `user-${i}-${'é'.repeat(i % 5)}`).join('\n') + '\n';
    const path = file(body);
    const full = await collect(path);
    for (const cut of [0, 1, 17, 49]) {
      const from = full[cut - 1] ?? { endOffset: 0, line: 0 };
      const rest = await collect(path, from.endOffset, from.line);
      expect(rest).toEqual(full.slice(cut));
    }
  });

  it('reports invalid UTF-8 and over-long lines without buffering them, and goes on', async () => {
    const path = file(Buffer.concat([Buffer.from('ok-1\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('x'.repeat(MAX_LINE_BYTES + 10) + '\nok-2\n')]));
    const lines = await collect(path);
    expect(lines.map((l) => l.text)).toEqual(['ok-1', null, null, 'ok-2']);
    expect(lines[1].problem).toMatch(/UTF-8/);
    expect(lines[2].problem).toMatch(/longer than/);
  });
});

describe('detectFormat and parseItem', () => {
  it('finds the user id and email columns of a CSV by name, whatever the case or separators', async () => {
    const path = file('Email Address,User_ID,dept\nann@x.io,u1,it\n');
    const format = await detectFormat(path, { by: 'auto' });
    expect(format).toMatchObject({ kind: 'csv', by: 'userId', column: 1, emailColumn: 0, headerLine: 1, dataOffset: 27 });
    const [, first] = await collect(path);
    expect(parseItem(first, format)).toEqual({ kind: 'user', value: 'u1', email: 'ann@x.io' });
  });

  it('accepts email-only and userId-only rows of a CSV with both columns (issue #14 point 8)', async () => {
    const path = file('userId,email\n,ann@x.io\nu2,\n,\n,not-an-email\n');
    const format = await detectFormat(path, { by: 'auto' });
    const [, emailOnly, idOnly, neither, bad] = await collect(path);
    expect(parseItem(emailOnly, format)).toEqual({ kind: 'user', value: 'ann@x.io', email: 'ann@x.io', by: 'email' });
    expect(parseItem(idOnly, format)).toEqual({ kind: 'user', value: 'u2', email: '' });
    expect(parseItem(neither, format)).toMatchObject({ kind: 'invalid', reason: 'malformed: the user id is empty' });
    expect(parseItem(bad, format)).toEqual({ kind: 'invalid', value: 'not-an-email', reason: 'malformed: the user id is empty and the email is not an email address' });
  });

  it('reads an email-only CSV by email, and a plain list as user ids', async () => {
    expect(await detectFormat(file('email\nann@x.io\n'), { by: 'auto' })).toMatchObject({ kind: 'csv', by: 'email', column: 0 });
    expect(await detectFormat(file('u-1\nu-2\n'), { by: 'auto' })).toMatchObject({ kind: 'lines', by: 'userId', dataOffset: 0 });
    expect(await detectFormat(file('ann@x.io\n'), { by: 'email' })).toMatchObject({ kind: 'lines', by: 'email' });
  });

  it('refuses a CSV without a recognisable column, and a --column that is not there', async () => {
    await expect(detectFormat(file('a,b\n1,2\n'), { by: 'auto' })).rejects.toMatchObject({ code: 'validation' });
    await expect(detectFormat(file('userId\nu1\n'), { by: 'auto', column: 'login' })).rejects.toThrow(/no column named "login"/);
    expect(await detectFormat(file('login,x\nu1,2\n'), { by: 'auto', column: 'Login' })).toMatchObject({ column: 0, by: 'userId' });
  });

  it('reports malformed lines with a reason and skips empty ones', async () => {
    const path = file('userId,email\nu1,a@x.io\n\n"broken,a@x.io\nu2\nu3,b@x.io,extra\n,c@x.io\nu\u0001x,d@x.io\n');
    const format = await detectFormat(path, { by: 'auto' });
    const lines = await collect(path, format.dataOffset, format.headerLine);
    const items = lines.map((l) => [l.line, parseItem(l, format)] as const);
    expect(items[0]).toEqual([2, { kind: 'user', value: 'u1', email: 'a@x.io' }]);
    expect(items[1]).toEqual([3, { kind: 'skip' }]);
    const invalid = items.filter(([, i]) => i.kind === 'invalid').map(([line, i]) => [line, i.kind === 'invalid' ? i.reason : '']);
    expect(invalid.map(([line]) => line)).toEqual([4, 5, 6, 8]);
    expect(invalid[0][1]).toMatch(/^malformed: not a valid CSV line/);
    expect(invalid[1][1]).toBe('malformed: 1 fields where the header has 2');
    // Line 7 has only the email: with an email column beside the id column it is read by email (issue #14 point 8).
    expect(items.find(([line]) => line === 7)?.[1]).toEqual({ kind: 'user', value: 'c@x.io', email: 'c@x.io', by: 'email' });
    expect(invalid[3][1]).toBe('malformed: the user id holds control characters');
  });

  it('rejects values that are not emails when reading by email', async () => {
    const path = file('email\nnot-an-email\n');
    const format = await detectFormat(path, { by: 'auto' });
    const [, line] = await collect(path);
    expect(parseItem(line, format)).toEqual({ kind: 'invalid', value: 'not-an-email', reason: 'malformed: not an email address' });
  });
});

describe('inputFacts', () => {
  it('counts the rows a report will have and fingerprints the file', async () => {
    const a = file('userId\nu1\n\nu2\nu3');
    const b = file('userId\nu1\n\nu2\nu4');
    const fa = await inputFacts(a, await detectFormat(a, { by: 'auto' }));
    const fb = await inputFacts(b, await detectFormat(b, { by: 'auto' }));
    expect(fa.rows).toBe(3);
    expect(fa.bytes).toBe(16);
    expect(fa.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fa.sha256).not.toBe(fb.sha256);
  });
});
