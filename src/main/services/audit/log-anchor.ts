import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuditBreak } from '@shared/domain/audit';
import type { Keychain } from '../platform/keychain';
import type { ChainHead } from './audit-format';

/**
 * The solo log's anchor: after every append the chain head (seq and hash) is kept outside the log
 * file, in the OS keychain, so a log cut short or emptied by hand no longer verifies. `verify` and
 * `status` compare the file with it.
 *
 * SECURITY (limits, stated in the README): the same OS account that can edit the log can also
 * rewrite this keychain entry; the anchor catches a careless or hurried edit of the file, not a
 * determined owner of the account. Team mode (the team store) is the protection against that.
 */
export interface LogAnchor {
  /** The last anchored head, or null when none was written (or the keychain cannot be read). */
  read(): Promise<ChainHead | null>;
  /**
   * Moves the anchor to `head` (whose entry chains to `prevHash`); never back to a lower seq, and
   * not past an anchored entry the new one does not chain to (a truncation stays visible).
   */
  advance(head: ChainHead, prevHash: string): Promise<void>;
  /** Moves the anchor to a head that a full walk of the log proved chains through the anchored entry. */
  catchUp(head: ChainHead): Promise<void>;
}

const Stored = z.object({ v: z.literal(1), seq: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

/** The keychain account of one log file's anchor (one keychain service serves several data dirs). */
export function anchorAccount(file: string): string {
  return `audit-anchor-v1:${createHash('sha256').update(file).digest('hex').slice(0, 24)}`;
}

/** An anchor kept in the OS keychain under its own service. Keychain failures never stop an append. */
export function keychainAnchor(keychain: Keychain, file: string): LogAnchor {
  const account = anchorAccount(file);
  let warned = false;
  const read = async (): Promise<ChainHead | null> => {
    const text = await keychain.get(account).catch(() => null);
    if (!text) return null;
    try {
      const parsed = Stored.parse(JSON.parse(text));
      return { seq: parsed.seq, hash: parsed.hash };
    } catch {
      return null;
    }
  };
  const write = async (head: ChainHead): Promise<void> => {
    await keychain.set(account, JSON.stringify({ v: 1, seq: head.seq, hash: head.hash })).catch((error: unknown) => {
      // The entry is on disk already; a missing Secret Service must not stop the helpdesk.
      if (!warned) console.warn(`authdesk: could not anchor the audit log in the keychain: ${error instanceof Error ? error.message : String(error)}`);
      warned = true;
    });
  };
  return {
    read,
    async advance(head, prevHash) {
      const current = await read();
      // The log is behind its anchor, or was rewritten under it (truncated, then appended to): keep
      // the evidence, never move the anchor back or past it.
      // Across a gap (an earlier keychain write failed) the link cannot be checked here: `verify`
      // walks the log and catches the anchor up.
      if (current && (head.seq !== current.seq + 1 || prevHash !== current.hash)) return;
      await write(head);
    },
    catchUp: (head) => write(head),
  };
}

/**
 * What the anchor says about a log: null when it agrees, else the break to report. `hashAtAnchor`
 * is the hash of the file's entry at the anchor's seq (undefined when the file does not reach it).
 */
export function anchorBreak(anchor: ChainHead | null, log: { entries: number; lastSeq: number; hashAtAnchor?: string }): AuditBreak | null {
  if (!anchor || anchor.seq === 0) return null;
  const named = `seq ${anchor.seq} (hash ${anchor.hash})`;
  if (log.entries === 0) {
    return {
      line: 1,
      seq: null,
      reason: 'truncated',
      message: `The audit log is empty, but it had been written up to ${named}, as anchored in the OS keychain after the last append. It was emptied or replaced outside Authdesk; restore it from a backup.`,
    };
  }
  if (log.lastSeq < anchor.seq) {
    return {
      line: log.entries + 1,
      seq: log.lastSeq + 1,
      reason: 'truncated',
      message: `The audit log ends at seq ${log.lastSeq}, but the last anchored entry is ${named}: entries ${log.lastSeq + 1} to ${anchor.seq} were cut off outside Authdesk. Restore the log from a backup.`,
    };
  }
  if (log.hashAtAnchor !== undefined && log.hashAtAnchor !== anchor.hash) {
    return {
      line: anchor.seq,
      seq: anchor.seq,
      reason: 'rewritten',
      message: `The entry at seq ${anchor.seq} is not the one anchored in the OS keychain (hash ${anchor.hash}): the log was rewritten outside Authdesk. Restore it from a backup.`,
    };
  }
  return null;
}
