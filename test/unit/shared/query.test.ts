import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanQuery, MAX_QUERY_LENGTH, recognizeQuery, regionFromLocale } from '@shared/lib/query';

const phoneLookups = (q: ReturnType<typeof recognizeQuery>) => q.lookups.filter((l) => l.field === 'phoneNumber').map((l) => l.value);

describe('recognizeQuery: phone numbers', () => {
  it.each([
    ['+1 415 555 0132', undefined, '+14155550132'],
    ['+1 (415) 555-0132', 'GB', '+14155550132'],
    ['(415) 555-0132', 'US', '+14155550132'],
    ['415.555.0132', 'US', '+14155550132'],
    ['415-555-0132', 'CA', '+14155550132'],
    ['1 415 555 0132', 'US', '+14155550132'],
    ['011 44 20 7946 0018', 'US', '+442079460018'],
    ['020 7946 0018', 'GB', '+442079460018'],
    ['020-7946-0018', 'GB', '+442079460018'],
    ['+44 (0)20 7946 0018', undefined, '+442079460018'],
    ['0044 20 7946 0018', 'GB', '+442079460018'],
    ['0044 20 7946 0018', 'US', '+442079460018'],
    ['0412 345 678', 'AU', '+61412345678'],
    ['+61 412 345 678', 'US', '+61412345678'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['030 901820', 'DE', '+4930901820'],
    ['030/901820', 'DE', '+4930901820'],
    ['tel:+14155550132', undefined, '+14155550132'],
  ])('%s (default %s) -> %s', (typed, country, e164) => {
    const q = recognizeQuery(typed, { defaultCountry: country });
    expect(q.kind).toBe('phone');
    expect(phoneLookups(q)).toContain(e164);
    expect(q.phone?.e164).toBe(e164);
  });

  it('reads a country code said without the plus when the national reading is not valid', () => {
    const q = recognizeQuery('44 20 7946 0018', { defaultCountry: 'US' });
    expect(phoneLookups(q)).toEqual(['+442079460018']);
  });

  it('keeps only valid readings when one is valid', () => {
    // GB reading of a US number is possible but not valid; the +1… reading is not there either.
    const q = recognizeQuery('4155550132', { defaultCountry: 'US' });
    expect(phoneLookups(q)).toEqual(['+14155550132']);
    expect(q.phone?.valid).toBe(true);
  });

  it('falls back to a merely possible number (reserved drama ranges still get searched)', () => {
    const q = recognizeQuery('07700 900123', { defaultCountry: 'GB' });
    expect(phoneLookups(q)).toEqual(['+447700900123']);
    expect(q.phone?.valid).toBe(false);
  });

  it('reads full-width digits typed with an IME', () => {
    const q = recognizeQuery('０２０ ７９４６ ００１８', { defaultCountry: 'GB' });
    expect(phoneLookups(q)).toEqual(['+442079460018']);
  });

  it('ignores an unknown default country instead of failing', () => {
    expect(phoneLookups(recognizeQuery('+44 20 7946 0018', { defaultCountry: 'ZZ' }))).toEqual(['+442079460018']);
    expect(recognizeQuery('020 7946 0018', { defaultCountry: 'ZZ' }).kind).not.toBe('phone');
  });

  it('also tries an all-digit text as a user id, but not a spaced number', () => {
    expect(recognizeQuery('4155550132', { defaultCountry: 'US' }).lookups).toContainEqual({ field: 'userId', value: '4155550132' });
    expect(recognizeQuery('415 555 0132', { defaultCountry: 'US' }).lookups.some((l) => l.field === 'userId')).toBe(false);
  });

  it('does not read short digit strings or letters as a phone number', () => {
    expect(recognizeQuery('12345', { defaultCountry: 'US' }).kind).toBe('identifier');
    expect(recognizeQuery('555-CALL-NOW', { defaultCountry: 'US' }).kind).toBe('identifier');
  });
});

describe('recognizeQuery: emails', () => {
  it.each(['jane@example.com', 'jane.doe+helpdesk@example.co.uk', 'o\'brien@example.ie', 'ünïcødé@exämple.de', 'a@b.io'])(
    '%s is an email, also tried as id and username',
    (typed) => {
      const q = recognizeQuery(typed);
      expect(q.kind).toBe('email');
      expect(q.lookups[0]).toEqual({ field: 'email', value: typed });
      expect(q.lookups).toContainEqual({ field: 'userId', value: typed });
      expect(q.lookups).toContainEqual({ field: 'username', value: typed });
    },
  );

  it('asks for the lower-case spelling too, once', () => {
    const q = recognizeQuery('Jane.Doe@Example.COM');
    expect(q.lookups.filter((l) => l.field === 'email').map((l) => l.value)).toEqual(['Jane.Doe@Example.COM', 'jane.doe@example.com']);
    expect(recognizeQuery('jane@example.com').lookups.filter((l) => l.field === 'email')).toHaveLength(1);
  });

  it('takes the address out of a pasted "Name <address>" and mailto: link', () => {
    expect(recognizeQuery('Jane Doe <jane@example.com>').lookups[0]).toEqual({ field: 'email', value: 'jane@example.com' });
    expect(recognizeQuery('mailto:jane@example.com').lookups[0]).toEqual({ field: 'email', value: 'jane@example.com' });
    expect(recognizeQuery('"jane@example.com"').lookups[0]).toEqual({ field: 'email', value: 'jane@example.com' });
  });

  it('does not call something without a dotted domain an email', () => {
    expect(recognizeQuery('jane@localhost').kind).toBe('identifier');
    expect(recognizeQuery('jane@example.').kind).toBe('identifier');
    expect(recognizeQuery('@jane').kind).toBe('identifier');
  });
});

describe('recognizeQuery: ids and usernames', () => {
  it.each([
    'auth0|5f7c8ec7c33c6c004bbafe82',
    'google-oauth2|104628375612983471234',
    'samlp|acme|jane@acme.com',
    'user+1',
    'usr_01HZX5Q8M3',
    '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
  ])('%s is tried as a user id first, then as a username', (typed) => {
    const q = recognizeQuery(typed);
    expect(q.kind).toBe('identifier');
    expect(q.lookups[0]).toEqual({ field: 'userId', value: typed });
    expect(q.lookups).toContainEqual({ field: 'username', value: typed });
  });

  it('keeps unicode usernames exactly (NFC), without folding them', () => {
    const decomposed = 'jose\u0301'; // "josé" typed as e + combining accent
    const q = recognizeQuery(decomposed);
    expect(q.lookups[0]).toEqual({ field: 'userId', value: 'jos\u00e9' });
    expect(recognizeQuery('山田太郎').lookups).toContainEqual({ field: 'username', value: '山田太郎' });
    expect(recognizeQuery('ﬁnn').lookups[0].value).toBe('ﬁnn'); // a ligature is not folded into "finn"
  });

  it('strips invisible characters pasted along with an id, but keeps emoji joiners', () => {
    expect(recognizeQuery('\u200Bauth0|abc\u200E\uFEFF ').lookups[0]).toEqual({ field: 'userId', value: 'auth0|abc' });
    expect(recognizeQuery('👩‍💻dev').lookups[0].value).toBe('👩‍💻dev');
  });

  it('also tries a handle without its @', () => {
    expect(recognizeQuery('@jane').lookups).toEqual([
      { field: 'userId', value: '@jane' },
      { field: 'username', value: '@jane' },
      { field: 'username', value: 'jane' },
    ]);
  });

  it('explains that names cannot be searched', () => {
    const q = recognizeQuery('Jane  Doe');
    expect(q.kind).toBe('text');
    expect(q.text).toBe('Jane Doe');
    expect(q.hint).toMatch(/cannot search by name/);
    expect(q.lookups).toEqual([{ field: 'username', value: 'Jane Doe' }]);
  });

  it('has nothing to look up for blank input', () => {
    expect(recognizeQuery('   \u200B ')).toEqual({ text: '', kind: 'empty', lookups: [] });
  });
});

describe('cleanQuery and regionFromLocale', () => {
  it('caps the length', () => {
    expect(cleanQuery('x'.repeat(MAX_QUERY_LENGTH + 50))).toHaveLength(MAX_QUERY_LENGTH);
  });

  it.each([
    ['en-GB', 'GB'],
    ['en-US', 'US'],
    ['de', 'DE'],
    ['fr-CA', 'CA'],
    ['ja', 'JP'],
    ['not a locale', undefined],
    [undefined, undefined],
  ])('%s -> %s', (locale, region) => {
    expect(regionFromLocale(locale)).toBe(region);
  });
});

describe('recognizeQuery properties', () => {
  it('never throws, never asks for an empty or invisible-laden value, never repeats a lookup', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.constantFrom(undefined, 'US', 'GB', 'AU', 'DE'), (typed, country) => {
        const q = recognizeQuery(typed, { defaultCountry: country });
        const keys = q.lookups.map((l) => `${l.field}:${l.value}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const l of q.lookups) {
          expect(l.value.length).toBeGreaterThan(0);
          expect(l.value).not.toMatch(/[\u200B\uFEFF]/);
          if (l.field === 'phoneNumber') expect(l.value).toMatch(/^\+\d{6,16}$/);
        }
        expect(q.kind === 'empty').toBe(q.text === '');
      }),
      { numRuns: 300 },
    );
  });
});

describe('recognizeQuery: ids that look like emails', () => {
  it('reads a piped id with an @ as an id first, still trying it as an email', () => {
    expect(recognizeQuery('samlp|acme|jane@acme.com').lookups).toEqual([
      { field: 'userId', value: 'samlp|acme|jane@acme.com' },
      { field: 'username', value: 'samlp|acme|jane@acme.com' },
      { field: 'email', value: 'samlp|acme|jane@acme.com' },
    ]);
  });
});
