import type { AuditVerifyResult } from '@shared/domain/audit';
import { readLinesForward } from './audit-file';
import { GENESIS_HEAD, checkEntryText, checkLine, seqOf } from './audit-format';

/** Options of {@link verifyFile}. */
export interface VerifyFileOptions {
  /**
   * The file is a slice of a log (e.g. in an evidence pack): the chain is checked from its first
   * entry, whose seq and `prevHash` are taken as given and reported, so they can be compared with a
   * signed manifest. Without it the chain must start at seq 1 from the genesis hash.
   */
  slice?: boolean;
  /** Called with each verified entry's seq and hash (the anchor check looks for one). */
  onEntry?: (seq: number, hash: string) => void;
}

/**
 * Walks a whole log file, streaming, and returns OK with the entry count or the first entry that
 * does not verify (line, seq, reason). A missing file is an empty, valid log.
 */
export async function verifyFile(file: string, options: VerifyFileOptions = {}): Promise<AuditVerifyResult> {
  let head = GENESIS_HEAD;
  let slice: { firstSeq: number; anchorHash: string } | undefined;
  let entries = 0;
  let recoveries = 0;
  let line = 0;
  try {
    for await (const l of readLinesForward(file)) {
      line += 1;
      if (!l.terminated) {
        const bytes = Buffer.byteLength(l.text, 'utf8');
        const whole = checkLine(l.text, line, head).ok;
        let seq: number | null = null;
        try {
          seq = seqOf(JSON.parse(l.text));
        } catch {
          // A torn fragment is usually not JSON; its seq is then unknown.
        }
        return {
          ok: false,
          file,
          entries,
          broken: {
            line,
            seq,
            reason: 'torn-tail',
            message:
              `Line ${line} is the last line and is incomplete (${bytes} bytes, no newline): an append was cut off ` +
              `by a crash${whole ? ', though the entry itself is whole' : ''}. The ${entries} entries before it verify. ` +
              'Run `npx authdesk audit repair` to set the fragment aside and record the repair.',
          },
        };
      }
      if (options.slice && line === 1) {
        // Anchor the chain at the slice's first entry (its own hash is still checked below).
        const first = checkEntryText(l.text, line);
        if (first.ok) {
          head = { seq: first.entry.seq - 1, hash: first.entry.prevHash };
          slice = { firstSeq: first.entry.seq, anchorHash: first.entry.prevHash };
        }
      }
      const check = checkLine(l.text, line, head);
      if (!check.ok) return { ok: false, file, entries, broken: check.broken };
      head = { seq: check.entry.seq, hash: check.entry.hash };
      options.onEntry?.(head.seq, head.hash);
      entries += 1;
      if (check.entry.action === 'log.recovered') recoveries += 1;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { ok: true, file, entries, lastSeq: head.seq, lastHash: head.hash, recoveries, ...(slice ? { slice } : {}) };
}
