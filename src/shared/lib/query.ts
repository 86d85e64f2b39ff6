import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/min';
import type { SearchField } from '../domain/user';

/**
 * Recognises what an agent typed into the search box and turns it into the exact lookups the
 * Server API can answer (`queryUsers` by email / phoneNumber / username, `getUser` by id).
 * Authsignal only matches whole values, so the job is to produce every plausible *exact* value,
 * most likely first, and nothing that cannot match.
 *
 * Phone numbers use libphonenumber-js with its `min` metadata, deliberately: it carries each
 * country's national prefixes, international prefixes and number patterns, which is all that
 * parsing a local format ("020 7946 0018", "(415) 555-0132"), formatting E.164 and telling a valid
 * number from a merely possible one need. The `max` metadata only adds number *types* (mobile vs
 * fixed line), which search never uses, at twice the size.
 */

/** The longest query worth recognising; anything longer is no id, email or phone. */
export const MAX_QUERY_LENGTH = 256;

/** One exact lookup: ask the API for users whose `field` equals `value`. */
export interface Lookup {
  field: SearchField;
  value: string;
}

/** What the text looks like. */
export type QueryKind = 'empty' | 'email' | 'phone' | 'identifier' | 'text';

/** A recognised query. */
export interface RecognizedQuery {
  /** The text after cleaning (invisible characters removed, whitespace collapsed, prefixes cut). */
  text: string;
  kind: QueryKind;
  /** Exact lookups to run, de-duplicated, most plausible first. Empty for `empty`. */
  lookups: Lookup[];
  /** The phone number it was read as, when it looks like one. */
  phone?: { e164: string; country?: string; valid: boolean };
  /** Why the search may find nothing (e.g. names cannot be searched), to show next to the box. */
  hint?: string;
}

/** Options for {@link recognizeQuery}. */
export interface RecognizeOptions {
  /**
   * ISO 3166-1 alpha-2 country used to read numbers typed without a country code ("07700 900123"
   * in GB). Ignored when unknown to the phone library.
   */
  defaultCountry?: string;
}

// Characters that copy-paste drags along from web pages, chats and PDFs and that never belong in
// an id, email or number: zero-width space, LRM/RLM, bidi embeddings and isolates, word joiner,
// soft hyphen, BOM. ZWJ/ZWNJ stay: they are part of emoji and some scripts' usernames.
const INVISIBLE = /[\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\u00AD\uFEFF]/g;
const SPACES = /[\s\u00A0\u2000-\u200A\u202F\u205F\u3000]+/g;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.][^\s@]*$/;
// Digits, spaces and the punctuation people write phone numbers with; the + only in front.
const PHONE_SHAPE = /^\+?[\d\s().\-/]+$/;

/** Cleans what was typed or pasted, without changing what a real id could contain. */
export function cleanQuery(raw: string): string {
  let text = raw.normalize('NFC').replace(INVISIBLE, '').replace(SPACES, ' ').trim();
  if (text.length > MAX_QUERY_LENGTH) text = text.slice(0, MAX_QUERY_LENGTH).trim();
  // "Jane <jane@example.com>" or "<jane@example.com>": the address is what was meant.
  const angled = /<([^<>\s]+@[^<>\s]+)>$/.exec(text);
  if (angled) text = angled[1];
  // Pasted links and quoted values.
  text = text.replace(/^(mailto|tel):/i, '');
  const quoted = /^(["'`])(.*)\1$/.exec(text);
  if (quoted) text = quoted[2].trim();
  return text;
}

/** The region of a BCP 47 locale ("en-GB" -> "GB", "de" -> "DE"), when the phone library knows it. */
export function regionFromLocale(locale: string | undefined): CountryCode | undefined {
  if (!locale) return undefined;
  try {
    const region = new Intl.Locale(locale).maximize().region;
    return region && isSupportedCountry(region) ? region : undefined;
  } catch {
    return undefined;
  }
}

function countryOrUndefined(country: string | undefined): CountryCode | undefined {
  const upper = country?.toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

/** Readings of a phone-shaped text: national (default country) and international without a "+". */
function phoneCandidates(text: string, defaultCountry: CountryCode | undefined): PhoneNumber[] {
  // Full-width digits (typed with an IME) read as ASCII for the number, and only for the number.
  const ascii = text.normalize('NFKC');
  if (!PHONE_SHAPE.test(ascii)) return [];
  const digits = ascii.replace(/\D/g, '');
  if (digits.length < 6 || digits.length > 17) return [];
  const readings: (PhoneNumber | undefined)[] = [];
  if (ascii.startsWith('+')) {
    readings.push(parsePhoneNumberFromString(ascii));
  } else {
    if (defaultCountry) readings.push(parsePhoneNumberFromString(ascii, defaultCountry));
    // "0044 20 …" (the most common international prefix, when the default country's own prefix
    // differs) or "44 20 …" (the country code said without the plus). The default country's own
    // international prefix (011 in North America) is already handled by the national reading.
    const international = digits.startsWith('00') ? digits.slice(2) : digits;
    if (!international.startsWith('0')) readings.push(parsePhoneNumberFromString(`+${international}`));
  }
  return readings.filter((p): p is PhoneNumber => p !== undefined && p.isPossible());
}

/** The lookups to ask, field by field in the order given, without empty values or repeats. */
function lookupsFor(values: Partial<Record<SearchField, readonly string[]>>): Lookup[] {
  const pairs = Object.entries(values) as [SearchField, readonly string[]][];
  const lookups = pairs.flatMap(([field, of]) => of.map((value) => ({ field, value })));
  const seen = new Set<string>();
  return lookups.filter((l) => {
    const key = `${l.field}\u0000${l.value}`;
    if (l.value === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Recognises a query. Pure and synchronous: main calls it for every search, tests call it with
 * many formats.
 */
export function recognizeQuery(raw: string, options: RecognizeOptions = {}): RecognizedQuery {
  const text = cleanQuery(raw);
  if (text === '') return { text, kind: 'empty', lookups: [] };
  const hasSpace = text.includes(' ');

  const emailShaped = !hasSpace && EMAIL.test(text);
  // "samlp|acme|jane@acme.com" is legal as an email, but a `|` is how Auth0-style ids join a
  // connection to a user: it is an id first, and only then possibly an email.
  if (emailShaped && text.includes('|')) {
    const lookups = lookupsFor({ userId: [text], username: [text], email: [text] });
    return { text, kind: 'identifier', lookups };
  }
  if (emailShaped) {
    const lower = text.toLowerCase();
    // Many tenants use the email as user id or username; email matching is case-insensitive in
    // practice, but the stored value may not be, so both spellings are asked for.
    const lookups = lookupsFor({ email: [text, lower], userId: [text], username: [text, lower] });
    return { text, kind: 'email', lookups };
  }

  const readings = phoneCandidates(text, countryOrUndefined(options.defaultCountry));
  if (readings.length > 0) {
    const valid = readings.filter((p) => p.isValid());
    // Valid readings only; when none is valid (fictional or brand-new ranges) the first possible one.
    const chosen = valid.length > 0 ? valid : readings.slice(0, 1);
    // An all-digit id ("10234987") looks like a number too.
    const lookups = lookupsFor({ phoneNumber: chosen.map((p) => p.number), userId: hasSpace ? [] : [text] });
    const first = chosen[0];
    return {
      text,
      kind: 'phone',
      lookups,
      phone: { e164: first.number, country: first.country, valid: first.isValid() },
    };
  }

  if (!hasSpace) {
    // "@jane" is how people say a handle; the stored username rarely has the "@".
    const handle =
      text.startsWith('@') && text.length > 1 && !text.slice(1).includes('@') ? [text.slice(1)] : [];
    return { text, kind: 'identifier', lookups: lookupsFor({ userId: [text], username: [text, ...handle] }) };
  }

  return {
    text,
    kind: 'text',
    lookups: text.length <= 64 ? [{ field: 'username', value: text }] : [],
    hint: 'Authsignal cannot search by name. Search by email, phone number, username or user id.',
  };
}
