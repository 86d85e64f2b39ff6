import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  AUDIT_GENESIS_HASH,
  AuditEntry,
  AuditError,
  type AuditBreak,
} from '@shared/domain/audit';
import { isAppError } from '@shared/errors';

/** A JSON value as stored in `details`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * RFC 8785 (JCS) canonical JSON: keys sorted by UTF-16 code unit, no whitespace, ECMAScript number
 * and string forms. Chosen so an auditor can re-check the chain with any JCS implementation.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('Only JSON values can be canonicalised');
  return text;
}

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** An entry before it is sealed: everything but `hash`. */
export type UnsealedEntry = Omit<AuditEntry, 'hash'>;

/** The entry's hash: SHA-256 over the canonical JSON of the entry without `hash`. */
export function hashOf(entry: UnsealedEntry | Record<string, unknown>): string {
  const { hash: _ignored, ...rest } = entry as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
}

/** Adds `hash` to an entry. */
export function seal(entry: UnsealedEntry): AuditEntry {
  return { ...entry, hash: hashOf(entry) };
}

/** The exact bytes an entry occupies on disk: its canonical JSON and a newline. */
export function lineOf(entry: AuditEntry): string {
  return `${canonicalJson(entry)}\n`;
}

/** The chain position the next entry must continue from. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** Where a fresh log starts: before seq 1, at the genesis hash. */
export const GENESIS_HEAD: ChainHead = { seq: 0, hash: AUDIT_GENESIS_HASH };

/** A line's verdict: the entry it holds, or what is wrong with it. */
export type LineCheck = { ok: true; entry: AuditEntry } | { ok: false; broken: AuditBreak };

/**
 * Checks one line (without its newline) on its own: JSON, shape, canonical form and its own hash.
 * Order matters: a changed byte is named as the first thing it broke, so the reason points at the
 * line that was altered rather than at the next one.
 */
export function checkEntryText(text: string, line: number): LineCheck {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, broken: { line, seq: null, reason: 'bad-json', message: `Line ${line} is not valid JSON.` } };
  }
  const parsed = AuditEntry.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    // Stryker disable next-line OptionalChaining: a failed zod parse always has at least one issue
    const where = first?.path.length ? ` (field ${first.path.join('.')})` : '';
    return {
      ok: false,
      broken: { line, seq: seqOf(raw), reason: 'bad-entry', message: `Line ${line} is not an audit entry${where}.` },
    };
  }
  const entry = parsed.data;
  if (canonicalJson(raw) !== text) {
    return {
      ok: false,
      broken: {
        line,
        seq: entry.seq,
        reason: 'not-canonical',
        message: `Line ${line} (seq ${entry.seq}) is not in the form Authdesk writes: it was edited.`,
      },
    };
  }
  // Hash the raw object, not zod's copy: it must be exactly what is on disk.
  if (hashOf(raw as Record<string, unknown>) !== entry.hash) {
    return {
      ok: false,
      broken: {
        line,
        seq: entry.seq,
        reason: 'hash-mismatch',
        message: `Line ${line} (seq ${entry.seq}) does not match its hash: its content was changed.`,
      },
    };
  }
  return { ok: true, entry };
}

/** Checks a line and that it continues the chain from `prev` (next seq, previous hash). */
export function checkLine(text: string, line: number, prev: ChainHead): LineCheck {
  const alone = checkEntryText(text, line);
  if (!alone.ok) return alone;
  const { entry } = alone;
  if (entry.seq !== prev.seq + 1) {
    const missing = entry.seq - prev.seq - 1;
    const message =
      // Stryker disable next-line EqualityOperator: missing is never 0 here (that is the seq that continues the chain)
      missing > 0
        ? `Line ${line} has seq ${entry.seq} but seq ${prev.seq + 1} was expected: ${missing} entr${missing === 1 ? 'y is' : 'ies are'} missing before it.`
        : `Line ${line} has seq ${entry.seq} but seq ${prev.seq + 1} was expected: entries were repeated or reordered.`;
    return { ok: false, broken: { line, seq: entry.seq, reason: 'seq-gap', message } };
  }
  if (entry.prevHash !== prev.hash) {
    return {
      ok: false,
      broken: {
        line,
        seq: entry.seq,
        reason: 'prev-mismatch',
        message: `Line ${line} (seq ${entry.seq}) does not chain to the entry before it: an entry was replaced.`,
      },
    };
  }
  return alone;
}

/** The seq a damaged line claims, when it has one. */
export function seqOf(value: unknown): number | null {
  // Stryker disable next-line ConditionalExpression: a primitive has no own `seq`, so the typeof test only spares a lookup
  return typeof value === 'object' && value !== null && Number.isInteger((value as { seq?: unknown }).seq)
    ? (value as { seq: number }).seq
    : null;
}

const MAX_STRING = 1000;
const MAX_ITEMS = 100;
const MAX_DEPTH = 4;

/** Words that, anywhere in a key, mean its value is a credential. */
const SECRET_WORDS = new Set([
  'token',
  'tokens',
  'secret',
  'secrets',
  'password',
  'passwd',
  'passcode',
  'pin',
  'otp',
  'otpauth',
  'totp',
  'hotp',
  'code',
  'codes',
  'cookie',
  'cookies',
  'authorization',
  'bearer',
  'jwt',
  'apikey',
  'privatekey',
]);
/** Keys that contain a secret word but name something public (an Authsignal action code is a name). */
const PUBLIC_KEYS = new Set(['actioncode', 'errorcode', 'countrycode', 'statuscode']);

/** `otpCode`, `user_token`, `api-key` -> word lists, so `notProvided` does not trip on "otp". */
function keyWords(key: string): string[] {
  const spaced = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  const words = spaced.split(/[^a-z0-9]+/);
  // Stryker disable next-line MethodExpression: an empty word (a leading or trailing separator) is no secret word, and '' + word is word, checked alone
  return words.filter(Boolean);
}

/** True when a details key names a credential. */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  const joined = words.join('');
  if (PUBLIC_KEYS.has(joined)) return false;
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  // Stryker disable next-line EqualityOperator,ArithmeticOperator: past the last word the pair is "<word>undefined", never a secret word
  for (let i = 0; i + 1 < words.length; i++) {
    if (SECRET_WORDS.has(words[i] + words[i + 1])) return true;
  }
  return false;
}

/** Values that are credentials whatever their key: JWTs (Authsignal tokens) and otpauth:// URIs. */
export function isSecretValue(value: string): boolean {
  return /^eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value.trim()) || /^otpauth:\/\//i.test(value.trim());
}

/** Caps length and replaces lone surrogates, which JSON cannot round-trip exactly. */
export function cleanString(value: string, max = MAX_STRING): string {
  const well = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return well.length > max ? `${well.slice(0, max - 1)}…` : well;
}

/**
 * Makes `details` safe to write: drops credential keys and credential-looking values (recording
 * only their paths), bounds sizes and depth, and keeps only JSON values.
 */
export function sanitizeDetails(details: Record<string, unknown> | undefined): {
  details: Record<string, JsonValue>;
  redacted: string[];
} {
  const redacted: string[] = [];
  const walk = (value: unknown, path: string, depth: number): JsonValue | undefined => {
    if (value === null) return null;
    switch (typeof value) {
      case 'string':
        // SECURITY: a token or TOTP URI pasted into a free-text field still never reaches disk.
        if (isSecretValue(value)) {
          redacted.push(path);
          return undefined;
        }
        return cleanString(value);
      case 'number':
        return Number.isFinite(value) ? value : null;
      case 'boolean':
        return value;
      case 'bigint':
        return value.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (depth >= MAX_DEPTH) return '[too deep]';
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((v, i) => walk(v, `${path}.${i}`, depth + 1) ?? null);
      if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more]`);
      return items;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    // Class instances (errors, buffers, maps) are not copied: their fields are unknown and may hold anything.
    if (proto !== Object.prototype && proto !== null) return '[unsupported]';
    const out: Record<string, JsonValue> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>).slice(0, MAX_ITEMS)) {
      const childPath = path ? `${path}.${key}` : key;
      // SECURITY: credentials are refused by name before their value is even looked at.
      if (isSecretKey(key)) {
        if (child !== undefined) redacted.push(childPath);
        continue;
      }
      const v = walk(child, childPath, depth + 1);
      if (v !== undefined) out[cleanString(key, 100)] = v;
    }
    return out;
  };
  const out = walk(details ?? {}, '', 0);
  return {
    details: out !== null && typeof out === 'object' && !Array.isArray(out) ? out : {},
    redacted,
  };
}

/**
 * The error part of an entry: an AppError's code and its person-safe message; anything else is
 * recorded as `internal` without its message (it could quote anything).
 */
export function auditErrorOf(error: unknown): AuditError {
  if (isAppError(error)) return { code: error.code, message: cleanErrorMessage(error.message) };
  const asInfo = AuditError.safeParse(error);
  if (asInfo.success) {
    return asInfo.data.message === undefined
      ? { code: asInfo.data.code }
      : { code: asInfo.data.code, message: cleanErrorMessage(asInfo.data.message) };
  }
  return { code: 'internal' };
}

function cleanErrorMessage(message: string): string {
  // SECURITY: AppError messages are safe by contract; a token-shaped word is still blanked out.
  return cleanString(
    message
      .split(/\s+/)
      .map((w) => (isSecretValue(w) ? '[redacted]' : w))
      .join(' '),
    500,
  );
}
