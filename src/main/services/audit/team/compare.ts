import { readLocalLines } from './local-log';
import type { DeviceHead } from './team-store';

/** What the comparison needs of the store (the agent's own device reads). */
export interface CompareSource {
  deviceHead(deviceId: string): Promise<DeviceHead>;
  deviceEntries(deviceId: string, afterLocalSeq: number, limit?: number): Promise<{ localSeq: number; entryText: string; teamSeq: number }[]>;
}

/** One way the local log differs from what this device already shipped. */
export interface TeamFinding {
  kind: 'emptied' | 'truncated' | 'deleted' | 'reordered' | 'rewritten' | 'duplicated';
  /** The (first) local seq concerned. */
  seq: number;
  /** The last seq of a run (deleted, truncated). */
  toSeq?: number;
  /** The local line it is on now, when it is there. */
  line?: number;
  /** Team sequence of the stored entry. */
  teamSeq?: number;
  /** For a rewritten entry: the fields that differ (dotted paths). */
  fields?: string[];
  message: string;
}

/** `audit verify --team`: the local log against the store's copy of this device's entries. */
export interface TeamCompareResult {
  /** No finding (unshipped entries are not a finding). */
  ok: boolean;
  deviceId: string;
  stored: { count: number; lastSeq: number };
  local: { entries: number; lastSeq: number };
  /** Local entries the store does not hold yet (written while offline, or not shipped yet). */
  unshipped: { count: number; fromSeq: number; toSeq: number } | null;
  /** The first findings, in seq order (at most 50); `findingsTotal` counts them all. */
  findings: TeamFinding[];
  findingsTotal: number;
}

const MAX_FINDINGS = 50;

/** Dotted paths where two JSON values differ (at most 12). */
export function differingFields(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 12) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      differingFields(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || '(whole entry)');
  return out;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const range = (a: number, b: number) => (a === b ? `entry ${a}` : `entries ${a}–${b}`);

/**
 * Compares the local log with what the store holds for this device, entry by entry: every shipped
 * entry must still be in the local log, at its place, byte for byte. Names each entry that was
 * deleted, cut off the end, moved or rewritten (and which fields), and reports entries not yet
 * shipped separately. Reads the local file once and the store a page at a time.
 */
export async function compareWithStore(file: string, source: CompareSource, deviceId: string): Promise<TeamCompareResult> {
  const local = new Map<number, { line: number; text: string }>();
  const findings: TeamFinding[] = [];
  let total = 0;
  const add = (f: TeamFinding) => {
    total += 1;
    if (findings.length < MAX_FINDINGS) findings.push(f);
  };
  let localEntries = 0;
  let localLast = 0;
  for await (const l of readLocalLines(file)) {
    if (l.seq === null) continue;
    localEntries += 1;
    localLast = Math.max(localLast, l.seq);
    const seen = local.get(l.seq);
    if (seen) {
      add({ kind: 'duplicated', seq: l.seq, line: l.line, message: `Entry ${l.seq} appears twice in the local log (lines ${seen.line} and ${l.line}).` });
      continue;
    }
    local.set(l.seq, { line: l.line, text: l.text });
  }
  const head = await source.deviceHead(deviceId);
  if (head.count > 0 && localEntries === 0) {
    add({
      kind: 'emptied',
      seq: 1,
      toSeq: head.localSeq,
      message: `The local audit log is empty or missing, but the store holds ${head.count} entries this device shipped (seq 1–${head.localSeq}): it was emptied or deleted.`,
    });
  }
  let missingFrom: number | null = null;
  let prevLine = 0;
  const closeMissing = (upTo: number) => {
    if (missingFrom === null || localEntries === 0) {
      missingFrom = null;
      return;
    }
    if (missingFrom > localLast) {
      add({
        kind: 'truncated',
        seq: missingFrom,
        toSeq: upTo,
        message: `The local log ends at seq ${localLast}, but ${range(missingFrom, upTo)} were shipped after it: the end of the log was cut off.`,
      });
    } else {
      add({ kind: 'deleted', seq: missingFrom, toSeq: upTo, message: `${range(missingFrom, upTo).replace(/^e/, 'E')} were shipped but are missing from the local log: deleted.` });
    }
    missingFrom = null;
  };
  let after = 0;
  for (;;) {
    const page = await source.deviceEntries(deviceId, after, 1000);
    for (const stored of page) {
      const k = stored.localSeq;
      const mine = local.get(k);
      if (!mine) {
        missingFrom ??= k;
        continue;
      }
      closeMissing(k - 1);
      if (mine.text !== stored.entryText) {
        const fields = differingFields(parse(stored.entryText), parse(mine.text));
        add({
          kind: 'rewritten',
          seq: k,
          line: mine.line,
          teamSeq: stored.teamSeq,
          fields,
          message: `Entry ${k} (line ${mine.line}) is not what was shipped (team entry ${stored.teamSeq}): ${fields.join(', ')} changed.`,
        });
      } else if (mine.line < prevLine) {
        add({ kind: 'reordered', seq: k, line: mine.line, teamSeq: stored.teamSeq, message: `Entry ${k} is on line ${mine.line}, before the entry shipped ahead of it: the local log was reordered.` });
      }
      prevLine = Math.max(prevLine, mine.line);
    }
    if (page.length === 0) break;
    after = page[page.length - 1].localSeq;
  }
  closeMissing(head.localSeq);
  let unshippedCount = 0;
  let fromSeq = Infinity;
  for (const seq of local.keys()) {
    if (seq > head.localSeq) {
      unshippedCount += 1;
      fromSeq = Math.min(fromSeq, seq);
    }
  }
  findings.sort((a, b) => a.seq - b.seq);
  return {
    ok: total === 0,
    deviceId,
    stored: { count: head.count, lastSeq: head.localSeq },
    local: { entries: localEntries, lastSeq: localLast },
    unshipped: unshippedCount > 0 ? { count: unshippedCount, fromSeq, toSeq: localLast } : null,
    findings,
    findingsTotal: total,
  };
}
