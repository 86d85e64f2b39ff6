import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseItem, type InputFormat } from '../../../src/main/services/coverage/input';
import { checkIsText } from '../../../src/main/services/coverage/input-guard';

const dir = mkdtempSync(join(tmpdir(), 'authdesk-cov-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer) => {
  const path = join(dir, `in-${n++}`);
  writeFileSync(path, content);
  return path;
};

describe('checkIsText: input that is not text is refused before any request', () => {
  it('accepts text, including a few lines that are not UTF-8 (reported per line later)', async () => {
    await expect(checkIsText(file('userId\nu1\nü-2\n'))).resolves.toBeUndefined();
    await expect(checkIsText(file(Buffer.concat([Buffer.from('u1\n'), Buffer.from([0xff, 0x0a, 0xfe, 0x0a]), Buffer.from('u2\n')])))).resolves.toBeUndefined();
  });

  it('refuses NUL bytes, wherever they are', async () => {
    const late = Buffer.concat([Buffer.from('u1\n'.repeat(100_000)), Buffer.from([0x00]), Buffer.from('\n')]);
    await expect(checkIsText(file(late))).rejects.toThrow(/holds NUL bytes \(first at byte 300000\)/);
    await expect(checkIsText(file(randomBytes(2 * 1024 * 1024)))).rejects.toMatchObject({ code: 'validation' });
  });

  it('refuses more than a few lines that are not UTF-8', async () => {
    const latin1 = Buffer.from(Array.from({ length: 10 }, (_, i) => `Jos\xe9-${i}\n`).join(''), 'latin1');
    await expect(checkIsText(file(latin1))).rejects.toThrow(/lines 1, 2, 3, 4.* are not valid UTF-8/);
  });

  it('names what a binary file looks like', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('[Content_Types].xml')]);
    await expect(checkIsText(file(zip))).rejects.toThrow(/a ZIP archive \(an Excel \.xlsx workbook\?\)/);
    await expect(checkIsText(file('%PDF-1.7\nu1\n'))).rejects.toThrow(/a PDF document/);
    await expect(checkIsText(file(Buffer.from([0xff, 0xfe, 0x75, 0x00])))).rejects.toThrow(/UTF-16/);
    await expect(checkIsText(file(Buffer.from([0x1f, 0x8b, 0x08, 0x00])))).rejects.toThrow(/gzip/);
  });
});

describe('parseItem: values are validated as they are, never trimmed into another id', () => {
  const lines: InputFormat = { kind: 'lines', header: null, by: 'userId', column: 0, emailColumn: null, headerLine: 0, dataOffset: 0 };
  const byEmail: InputFormat = { ...lines, by: 'email' };
  const item = (text: string, format = lines) => parseItem({ line: 2, endOffset: 0, text }, format);

  it('refuses a tab-led formula instead of looking up "=1+1"', () => {
    expect(item('\t=1+1')).toEqual({ kind: 'invalid', value: '', reason: 'malformed: the user id holds control characters' });
  });

  it('refuses spaces around a value and invisible characters in it', () => {
    expect(item(' u1')).toMatchObject({ kind: 'invalid', reason: 'malformed: the user id has spaces around it (ids are looked up exactly as written)' });
    expect(item('u1 ')).toMatchObject({ kind: 'invalid' });
    expect(item('u\u200b1')).toMatchObject({ kind: 'invalid', reason: 'malformed: the user id holds invisible characters' });
    expect(item(' ann@x.io', byEmail)).toMatchObject({ kind: 'invalid' });
  });

  it('looks up a value exactly as written, formula characters included (the report escapes them)', () => {
    expect(item('=1+1')).toEqual({ kind: 'user', value: '=1+1', email: '' });
    expect(item('ann@x.io', byEmail)).toEqual({ kind: 'user', value: 'ann@x.io', email: '' });
  });
});
