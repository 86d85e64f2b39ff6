import { describe, expect, it } from 'vitest';
import { extractLookup } from '../../../src/extension/extract';

// Issue #18: a right-click lookup of a messy selection searches the one value it is about.
describe('extractLookup', () => {
  it('takes the email out of a ticket line and says it did', () => {
    expect(extractLookup('Caller: ada@example.com')).toEqual({ query: 'ada@example.com', kind: 'email', extracted: true, selection: 'Caller: ada@example.com' });
    expect(extractLookup('From "Ada" <ada.lovelace+it@example.co.uk>, re: locked out.').query).toBe('ada.lovelace+it@example.co.uk');
    expect(extractLookup('mail ada@example.com.').query).toBe('ada@example.com');
  });

  it('takes a selection that is already one value whole, without claiming to extract', () => {
    expect(extractLookup('  ada@example.com\n')).toMatchObject({ query: 'ada@example.com', kind: 'email', extracted: false });
    expect(extractLookup('+44 20 7946 0018')).toMatchObject({ query: '+44 20 7946 0018', kind: 'phone', extracted: false });
    expect(extractLookup('usr_ada')).toMatchObject({ query: 'usr_ada', kind: 'user-id', extracted: false });
  });

  it('finds a phone number in text, read in the locale country when written nationally', () => {
    expect(extractLookup('Called from +1 (415) 555-0132 at 9am')).toMatchObject({ query: '+14155550132', kind: 'phone', extracted: true });
    expect(extractLookup('Caller phone: 020 7946 0018, urgent', 'GB')).toMatchObject({ query: '+442079460018', kind: 'phone', extracted: true });
  });

  it('finds a labelled, UUID or prefixed user id', () => {
    expect(extractLookup('User ID: usr_grace (VIP)')).toMatchObject({ query: 'usr_grace', kind: 'user-id', extracted: true });
    expect(extractLookup('userId=8c1d2f7e-1b2c-4d5e-8f90-123456789abc; locked')).toMatchObject({ query: '8c1d2f7e-1b2c-4d5e-8f90-123456789abc', kind: 'user-id' });
    expect(extractLookup('see 8C1D2F7E-1B2C-4D5E-8F90-123456789ABC in the log')).toMatchObject({ query: '8C1D2F7E-1B2C-4D5E-8F90-123456789ABC', kind: 'user-id' });
    expect(extractLookup('account usr_9f8e7d was locked')).toMatchObject({ query: 'usr_9f8e7d', kind: 'user-id', extracted: true });
  });

  it('prefers the email when a line has several values, and falls back to the text', () => {
    expect(extractLookup('Ada Lovelace, +44 20 7946 0018, ada@example.com').query).toBe('ada@example.com');
    expect(extractLookup('Ada Lovelace cannot sign in')).toMatchObject({ query: 'Ada Lovelace cannot sign in', kind: 'text', extracted: false });
  });
});
