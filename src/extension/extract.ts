import { findPhoneNumbersInText, isSupportedCountry } from 'libphonenumber-js/min';
import { cleanQuery, recognizeQuery } from '@shared/lib/query';

/**
 * What to look up from a selection made on a ticket or chat page (issue #18). Agents select a
 * line such as "Caller: ada@example.com (+44 20 7946 0018)" rather than the exact value; Authsignal
 * only matches whole values, so searching the line finds nobody. This picks the one value the
 * selection is about, and says what it picked so the agent can tell.
 */
export interface ExtractedLookup {
  /** What is searched. */
  query: string;
  /** What it was read as. */
  kind: 'email' | 'phone' | 'user-id' | 'text';
  /** True when `query` was taken out of a longer selection (the panel then says so). */
  extracted: boolean;
  /** The selection as it came, one line, for "found in …". */
  selection: string;
}

// An address inside running text: stops at spaces, brackets, quotes and trailing punctuation.
const EMAIL_IN_TEXT = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/;
// "User id: usr_123", "userId=…", "uid #…": the value after a user-id label.
const LABELLED_ID = /\b(?:user[\s_-]?id|uid|user)\s*[:=#]\s*([^\s,;()<>"']+)/i;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
// Prefixed ids as issuers write them (usr_…, user-…).
const PREFIXED_ID = /\b(?:usr|user)[_-][A-Za-z0-9][A-Za-z0-9_-]{2,}\b/;

/** Longest query taken from a selection. */
const MAX_QUERY = 320;

/**
 * The value to look up in `selection`: an email first (the most common and least ambiguous), then
 * a labelled user id, a phone number (read in `country` when written nationally), a UUID or a
 * prefixed id; a selection that is already one value is taken whole.
 */
export function extractLookup(selection: string, country?: string): ExtractedLookup {
  const line = selection.replace(/\s+/g, ' ').trim();
  const whole = cleanQuery(line);
  const region = country && isSupportedCountry(country) ? (country) : undefined;
  const recognized = recognizeQuery(whole, region ? { defaultCountry: region } : {});
  // Already a single value: search it as it is (the search box recognises its kind).
  if (recognized.kind === 'email' || recognized.kind === 'phone') return { query: whole, kind: recognized.kind, extracted: false, selection: line };
  if (recognized.kind === 'identifier' && !/\s/.test(whole)) return { query: whole, kind: 'user-id', extracted: false, selection: line };

  const take = (query: string, kind: ExtractedLookup['kind']): ExtractedLookup => ({
    query: query.slice(0, MAX_QUERY),
    kind,
    extracted: true,
    selection: line,
  });
  const email = EMAIL_IN_TEXT.exec(line)?.[0].replace(/\.+$/, '');
  if (email) return take(email, 'email');
  const labelled = LABELLED_ID.exec(line)?.[1].replace(/[.:]+$/, '');
  if (labelled && !labelled.includes('@')) return take(labelled, 'user-id');
  const phone = findPhoneNumbersInText(line, region ? { defaultCountry: region } : undefined)[0];
  if (phone) return take(phone.number.number, 'phone');
  const id = UUID.exec(line)?.[0] ?? PREFIXED_ID.exec(line)?.[0];
  if (id) return take(id, 'user-id');
  return { query: whole.slice(0, MAX_QUERY), kind: 'text', extracted: false, selection: line };
}

/** How the panel names what it took. */
export const KIND_LABEL: Record<ExtractedLookup['kind'], string> = {
  email: 'email address',
  phone: 'phone number',
  'user-id': 'user id',
  text: 'text',
};
