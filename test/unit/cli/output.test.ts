import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@shared/errors';
import { EXIT_CODES, EXIT_OK, EXIT_USAGE } from '../../../src/main/cli/exit-codes';
import { Printer, formatRecord, formatTable } from '../../../src/main/cli/output';

describe('exit codes', () => {
  it('give every error code a non-zero exit code, grouped by what the person must do', () => {
    for (const code of ERROR_CODES) expect(EXIT_CODES[code], code).toBeGreaterThan(EXIT_OK);
    expect(EXIT_CODES.validation).toBe(EXIT_USAGE);
    expect(EXIT_CODES.unauthorized).toBe(3);
    expect(EXIT_CODES['keychain-unavailable']).toBe(4);
    expect(EXIT_CODES.unavailable).toBe(5);
    expect(EXIT_CODES.internal).toBe(1);
  });
});

describe('output', () => {
  it('escapes control and bidi characters in every value, so a name cannot forge lines, colours or reversed text', () => {
    const evil = 'Prod\nFAKE  tenant\u001b[31m red\u001b[0m adm\u202enimda\r\t\u0007';
    const text = formatTable([{ a: evil, b: 'ok' }], [
      { header: 'A', value: (r) => r.a },
      { header: 'B', value: (r) => r.b },
    ]);
    expect(text.split('\n')).toHaveLength(3); // header, one row, the final newline
    // eslint-disable-next-line no-control-regex -- looking for control characters on purpose
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain('Prod\\nFAKE  tenant\\x1b[31m red\\x1b[0m adm\\u202enimda\\r\\t\\x07');
    const record = formatRecord([['name', evil]]);
    expect(record.split('\n')).toHaveLength(2);
    expect(record).toContain('\\u202e');
    // A human message from a command is cleaned too; its own line breaks stay.
    const out: string[] = [];
    new Printer({ stdout: { write: (c: string) => out.push(c) }, stderr: { write: () => {} } }, false).result({}, () => `Renamed to "${evil}".\n`);
    // eslint-disable-next-line no-control-regex -- as above
    expect(out.join('')).not.toMatch(/[\u001b\u202e\r\u0007]/);
    expect(out.join('').endsWith('.\n')).toBe(true);
  });

  it('aligns table columns and trims trailing spaces', () => {
    const text = formatTable(
      [
        { a: 'x', b: 'long value' },
        { a: 'longer', b: 'y' },
      ],
      [
        { header: 'A', value: (r) => r.a },
        { header: 'B', value: (r) => r.b },
      ],
    );
    expect(text).toBe('A       B\nx       long value\nlonger  y\n');
    expect(formatRecord([['id', 'demo'], ['tenant id', 't1']])).toBe('id:        demo\ntenant id: t1\n');
  });

  it('prints JSON results on stdout and errors on stderr, in either mode', () => {
    const out: string[] = [];
    const err: string[] = [];
    const streams = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
    new Printer(streams, true).result({ a: 1 }, () => 'human');
    new Printer(streams, true).note('progress');
    new Printer(streams, true).error({ code: 'unavailable', message: 'down', retryAfterSeconds: 3 });
    expect(JSON.parse(out.join(''))).toEqual({ a: 1 });
    expect(JSON.parse(err.join(''))).toEqual({ error: { code: 'unavailable', message: 'down', retryAfterSeconds: 3 } });
    out.length = 0;
    err.length = 0;
    new Printer(streams, false).result({ a: 1 }, () => 'human\n');
    new Printer(streams, false).error({ code: 'validation', message: 'bad', issues: [{ path: 'region', code: 'custom', message: 'pick one' }] });
    expect(out.join('')).toBe('human\n');
    expect(err.join('')).toBe('authdesk: bad\n  - region: pick one\n');
  });
});
