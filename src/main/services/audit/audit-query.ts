import type { FileHandle } from 'node:fs/promises';
import type { z } from 'zod';
import { AuditEntry, type AuditPage, type AuditQuery } from '@shared/domain/audit';
import { openIfExists, readLinesBackward, readTail } from './audit-file';

/** The parsed form of an `audit:list` query. */
export type AuditQueryParsed = z.output<typeof AuditQuery>;

/** Strings an entry is searched by with `text`: its values, never its hashes or key names. */
function searchableText(entry: AuditEntry): string {
  const parts: string[] = [entry.action, entry.actor.osUser, entry.actor.agentName ?? '', entry.outcome];
  if (entry.tenant) parts.push(entry.tenant.id, entry.tenant.name);
  if (entry.subject.userId) parts.push(entry.subject.userId);
  if (entry.error) parts.push(entry.error.code, entry.error.message ?? '');
  if (entry.verification) parts.push(entry.verification.method, entry.verification.id);
  const walk = (v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') parts.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(entry.details);
  return parts.join('\n').toLowerCase();
}

/** The filter of a query, as a predicate. */
function matcherFor(q: AuditQueryParsed): (e: AuditEntry) => boolean {
  const from = q.from === undefined ? -Infinity : Date.parse(q.from);
  const to = q.to === undefined ? Infinity : Date.parse(q.to);
  const exact = new Set(q.action?.filter((a) => !a.endsWith('.*')));
  const prefixes = (q.action ?? []).filter((a) => a.endsWith('.*')).map((a) => a.slice(0, -1));
  const text = q.text?.toLowerCase();
  return (e) => {
    const ts = Date.parse(e.ts);
    if (ts < from || ts > to) return false;
    if (q.action?.length && !exact.has(e.action) && !prefixes.some((p) => e.action.startsWith(p))) return false;
    if (q.userId !== undefined && e.subject.userId !== q.userId) return false;
    if (q.tenantId !== undefined && e.tenant?.id !== q.tenantId) return false;
    if (q.outcome !== undefined && e.outcome !== q.outcome) return false;
    if (q.browserKeyId !== undefined && e.details.browserKeyId !== q.browserKeyId) return false;
    if (text !== undefined && !searchableText(e).includes(text)) return false;
    return true;
  };
}

async function byteAt(handle: FileHandle, position: number): Promise<number | undefined> {
  const buffer = Buffer.alloc(1);
  const { bytesRead } = await handle.read(buffer, 0, 1, position);
  return bytesRead === 1 ? buffer[0] : undefined;
}

/** Entries of the log `file` matching the filters, newest first, one page at a time. */
export async function queryFile(file: string, q: AuditQueryParsed): Promise<AuditPage> {
  const handle = await openIfExists(file);
  if (!handle) return { entries: [], nextCursor: null, scannedLines: 0, skippedLines: 0 };
  try {
    const { completeEnd } = await readTail(handle);
    let end = completeEnd;
    let beforeSeq = Infinity;
    if (q.cursor !== undefined) {
      const [offset, seq] = q.cursor.split('-').map(Number);
      beforeSeq = seq;
      // The cursor's offset is a line start as long as the prefix is unchanged (repair keeps it);
      // if it is not, scan from the end and rely on the seq alone.
      if (offset <= completeEnd && (offset === 0 || (await byteAt(handle, offset - 1)) === 0x0a)) end = offset;
    }
    const matches = matcherFor(q);
    const entries: AuditEntry[] = [];
    let scannedLines = 0;
    let skippedLines = 0;
    let lastOffset = 0;
    for await (const line of readLinesBackward(handle, end)) {
      scannedLines += 1;
      let raw: unknown;
      try {
        raw = JSON.parse(line.text);
      } catch {
        skippedLines += 1;
        continue;
      }
      const parsed = AuditEntry.safeParse(raw);
      if (!parsed.success) {
        skippedLines += 1;
        continue;
      }
      const entry = parsed.data;
      if (entry.seq >= beforeSeq || !matches(entry)) continue;
      entries.push(entry);
      lastOffset = line.offset;
      if (entries.length >= q.limit) break;
    }
    const last = entries.at(-1);
    const nextCursor = entries.length >= q.limit && last && lastOffset > 0 ? `${lastOffset}-${last.seq}` : null;
    return { entries, nextCursor, scannedLines, skippedLines };
  } finally {
    await handle.close();
  }
}
