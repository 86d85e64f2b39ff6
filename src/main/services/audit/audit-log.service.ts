import { open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AuditActor, AuditEntry, AuditPage, AuditRepairResult, AuditStatus, AuditVerifyResult } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import { openIfExists, syncDir, writeFully } from './audit-file';
import { cleanString, lineOf, type ChainHead } from './audit-format';
import { buildEntry, type AuditAppendInput } from './audit-entry';
import { queryFile, type AuditQueryParsed } from './audit-query';
import { repairTornTail } from './audit-repair';
import { DAMAGED_MESSAGE, fileKey, inspectTail, tornMessage } from './audit-tail';
import { verifyFile } from './audit-verify';
import { currentCallOrigin, originDetails } from '../platform/call-origin';
import { TaskQueue, withFileLock } from '../platform/file-lock';
import { osAccountName } from '../platform/os-account';
import { anchorBreak, type LogAnchor } from './log-anchor';

// The log's parts live beside it (entry building, tail judging, query, verify, repair); these
// re-exports keep the service the one import its users need.
export type { AuditAppendInput } from './audit-entry';
export type { AuditQueryParsed } from './audit-query';
export { verifyFile, type VerifyFileOptions } from './audit-verify';

/** How the audit log service is built. */
export interface AuditLogOptions {
  dataDir: string;
  /** The agent name chosen in settings, read at each append (null when not set). */
  agentName?: () => string | null | Promise<string | null>;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * After how long another process's lock counts as abandoned (a crash): proper-lockfile refreshes
   * a live lock every half of this. Minimum 2000 ms.
   */
  lockStaleMs?: number;
  /** Where the chain head is anchored after each append (the OS keychain; see log-anchor.ts). */
  anchor?: LogAnchor;
}

/** The log file of a data dir. */
export function auditFileFor(dataDir: string): string {
  return join(dataDir, 'audit', 'audit.jsonl');
}

/** The OS account running Authdesk; some containers have no passwd entry, hence the fallbacks. */
/**
 * The console audit log: an append-only JSON-lines file, `<dataDir>/audit/audit.jsonl`, each entry
 * hash-chained to the one before (see `src/shared/domain/audit.ts` for the format).
 *
 * Durability: `append()` resolves only after the line is written and fsync'd, so a caller reports
 * an action done only once its record is on disk. Appends are serialised within the process (a
 * promise queue) and across processes (a proper-lockfile lock next to the log), and each append
 * re-reads the tail when another process has written since, so the desktop app and the CLI can
 * share one log without forking the chain.
 *
 * Crash recovery: a kill mid-append can leave a torn last line. It is never dropped silently:
 * `status()` and `verify()` report it, and appends are refused (fail closed: no audited action
 * runs while it cannot be recorded) until `repair()` moves the fragment to
 * `audit/quarantine/<name>.fragment` and records a `log.recovered` entry naming it, its size and
 * SHA-256. A fragment that is in fact a whole next entry missing only its newline is completed
 * instead. The repaired log is written to a temp file and renamed over the old one, so a crash
 * during repair leaves either the old torn log or the repaired one.
 */
export class AuditLogService {
  /** The audit folder. */
  readonly dir: string;
  /** The log file. */
  readonly file: string;
  private readonly quarantineDir: string;
  private readonly agentName: () => string | null | Promise<string | null>;
  private readonly now: () => Date;
  private readonly staleMs: number;
  private readonly anchor?: LogAnchor;
  private readonly osUser = osAccountName();
  private readonly queue = new TaskQueue();
  /**
   * The chain head as of the file identity (inode, size, mtime) this process last saw; the tail is
   * re-read when any of them changed, i.e. when anyone else touched the file.
   */
  private cache: { key: string; head: ChainHead } | null = null;

  constructor(options: AuditLogOptions) {
    this.dir = join(options.dataDir, 'audit');
    this.file = auditFileFor(options.dataDir);
    this.quarantineDir = join(this.dir, 'quarantine');
    this.agentName = options.agentName ?? (() => null);
    this.now = options.now ?? (() => new Date());
    this.staleMs = Math.max(2000, options.lockStaleMs ?? 5000);
    this.anchor = options.anchor;
  }

  /**
   * Appends one entry and resolves with it once it is fsync'd. Throws `conflict` when the log's
   * tail is torn or damaged (nothing is written then) and `unavailable` when the disk refuses.
   */
  append(input: AuditAppendInput): Promise<AuditEntry> {
    // Calls served for the browser extension carry their origin in the async context (call-origin.ts),
    // so every entry they cause says so, whichever service writes it. Read here, before queueing.
    // SECURITY + audit: the paired browser's key id rides on every entry it caused, so "which browser
    // looked this user up" has an answer.
    const origin = currentCallOrigin();
    const stamped = origin ? { ...input, details: { ...input.details, ...originDetails(origin) } } : input;
    return this.enqueue(() => this.locked(() => this.appendLocked(stamped)));
  }

  /**
   * Runs an audited action: refuses up front when the log cannot record (so nothing happens
   * unrecorded), runs it, then records its outcome and resolves only once that is on disk.
   * `finish` adds details known only from the result (e.g. the new authenticator's id).
   */
  async record<T>(
    input: Omit<AuditAppendInput, 'error'>,
    action: () => Promise<T>,
    finish?: (value: T) => Pick<AuditAppendInput, 'details' | 'subject'>,
  ): Promise<T> {
    await this.assertWritable();
    let value: T;
    try {
      value = await action();
    } catch (error) {
      await this.append({ ...input, error }).catch(() => {
        // The action failed anyway; its own error is the one to report.
      });
      throw error;
    }
    const extra = finish?.(value);
    const details = extra?.details ? { ...input.details, ...extra.details } : input.details;
    try {
      await this.append({ ...input, ...extra, details });
    } catch (error) {
      const cause = error instanceof AppError ? error : undefined;
      throw new AppError(
        cause?.code ?? 'internal',
        `The change was made, but the audit log could not record it. ${cause?.message ?? 'Check the disk and the data folder.'}`,
        { cause: error },
      );
    }
    return value;
  }

  /** Throws the reason the log cannot take an entry right now, if any. */
  assertWritable(): Promise<void> {
    return this.enqueue(() =>
      this.locked(async () => {
        const handle = await openIfExists(this.file);
        if (!handle) return;
        try {
          await this.headFor(handle);
        } finally {
          await handle.close();
        }
      }),
    );
  }

  /** The log's state from its tail: cheap, does not walk the file. */
  async status(): Promise<AuditStatus> {
    const anchored = (await this.anchor?.read()) ?? null;
    const handle = await openIfExists(this.file);
    if (!handle) {
      const cut = anchorBreak(anchored, { entries: 0, lastSeq: 0 });
      if (cut) return { file: this.file, state: 'truncated', lastSeq: 0, message: cut.message };
      return { file: this.file, state: 'empty', lastSeq: 0, message: 'The audit log is empty.' };
    }
    try {
      const s = await inspectTail(handle);
      if (s.state === 'ok' || s.state === 'empty') {
        // SECURITY: a log that ends before its keychain anchor was cut or emptied by hand.
        const cut = anchorBreak(anchored, {
          entries: s.state === 'empty' ? 0 : s.head.seq,
          lastSeq: s.head.seq,
          ...(anchored && s.head.seq === anchored.seq ? { hashAtAnchor: s.head.hash } : {}),
        });
        if (cut) return { file: this.file, state: 'truncated', lastSeq: s.head.seq, message: cut.message };
      }
      const message =
        s.state === 'torn'
          ? tornMessage(s)
          : s.state === 'damaged'
            ? DAMAGED_MESSAGE
            : s.state === 'empty'
              ? 'The audit log is empty.'
              : `The audit log ends cleanly at seq ${s.head.seq}.`;
      return {
        file: this.file,
        state: s.state,
        lastSeq: s.head.seq,
        ...(s.state === 'torn' ? { tornBytes: s.tornBytes } : {}),
        message,
      };
    } finally {
      await handle.close();
    }
  }

  /**
   * Walks the whole chain (streaming) and returns OK or the first broken entry. `file` checks a
   * copy elsewhere (e.g. an exported log); `slice` checks a part of a log from its first entry. A torn tail on our own log is re-checked under the lock,
   * since another process may simply have been mid-append.
   */
  async verify(options: { file?: string; slice?: boolean } = {}): Promise<AuditVerifyResult> {
    const file = options.file === undefined ? this.file : resolve(options.file);
    if (options.file !== undefined && file !== this.file) {
      const exists = await openIfExists(file);
      if (!exists) throw new AppError('not-found', `There is no file at ${file}. Check the path and try again.`);
      await exists.close();
    }
    if (file !== this.file) return verifyFile(file, { slice: options.slice });
    const anchored = (await this.anchor?.read()) ?? null;
    let hashAtAnchor: string | undefined;
    const onEntry = (seq: number, hash: string) => {
      if (seq === anchored?.seq) hashAtAnchor = hash;
    };
    let result = await verifyFile(file, { onEntry });
    if (!result.ok && result.broken.reason === 'torn-tail') result = await this.locked(() => verifyFile(file, { onEntry }));
    if (!result.ok) return result;
    // SECURITY: a chain that verifies on its own but ends before its keychain anchor was cut short.
    const cut = anchorBreak(anchored, { entries: result.entries, lastSeq: result.lastSeq, hashAtAnchor });
    // The whole chain verified through the anchored entry: an anchor left behind (a keychain write
    // that failed) catches up to the end.
    if (!cut && anchored && result.lastSeq > anchored.seq) await this.anchor?.catchUp({ seq: result.lastSeq, hash: result.lastHash });
    return cut ? { ok: false, file, entries: cut.reason === 'truncated' ? result.entries : Math.max(0, cut.line - 1), broken: cut } : result;
  }

  /** Entries matching the filters, newest first, one page at a time. */
  query(q: AuditQueryParsed): Promise<AuditPage> {
    return queryFile(this.file, q);
  }

  /**
   * Repairs a torn tail (see the class comment) and records a `log.recovered` entry. Does nothing
   * on a clean log; refuses (conflict) when the last complete entry is itself damaged, since that
   * needs a person and a backup, not a repair.
   */
  repair(): Promise<AuditRepairResult> {
    return this.enqueue(() => this.locked(() => this.repairLocked()));
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }

  /** Runs `task` holding the cross-process lock on the log. */
  private locked<T>(task: () => Promise<T>): Promise<T> {
    const busyMessage = 'Another Authdesk window or CLI run is holding the audit log. Wait for it to finish and try again.';
    const onCompromised = () => {
      // Another process took over a lock we held too long: forget what we knew of the tail.
      this.cache = null;
    };
    return withFileLock(this.file, { dir: this.dir, staleMs: this.staleMs, pollMs: 100, busyMessage, onCompromised }, task);
  }

  /** The head to chain the next entry to, from the cache when the file is as we left it. */
  private async headFor(handle: FileHandle): Promise<ChainHead> {
    const key = fileKey(await handle.stat());
    if (this.cache && this.cache.key === key) return this.cache.head;
    const s = await inspectTail(handle);
    if (s.state === 'torn') throw new AppError('conflict', tornMessage(s));
    if (s.state === 'damaged') throw new AppError('conflict', DAMAGED_MESSAGE);
    this.cache = { key, head: s.head };
    return s.head;
  }

  /** Who the next entry names: the OS account and the agent name chosen in settings. */
  async actor(): Promise<AuditActor> {
    const agentName = await this.agentName();
    return { osUser: cleanString(this.osUser, 200), agentName: agentName === null ? null : cleanString(agentName, 200) };
  }


  private async buildEntry(input: AuditAppendInput, head: ChainHead): Promise<AuditEntry> {
    return buildEntry(input, head, { ts: this.now().toISOString(), actor: await this.actor() });
  }

  private async appendLocked(input: AuditAppendInput): Promise<AuditEntry> {
    // SECURITY: owner-only file; the log names users, agents and tickets.
    const handle = await open(this.file, 'a+', 0o600);
    let created = false;
    let entry: AuditEntry;
    try {
      const head = await this.headFor(handle);
      const st = await handle.stat();
      created = st.size === 0;
      entry = await this.buildEntry(input, head);
      const bytes = Buffer.from(lineOf(entry), 'utf8');
      // Until the write and fsync succeed, the tail is unknown (a failed write may leave a fragment).
      this.cache = null;
      try {
        await writeFully(handle, bytes);
        await handle.sync();
      } catch (error) {
        throw new AppError(
          'unavailable',
          'Authdesk could not write to the audit log, so the action is not recorded. Check free disk space and the permissions of the data folder.',
          { cause: error },
        );
      }
      this.cache = { key: fileKey(await handle.stat()), head: { seq: entry.seq, hash: entry.hash } };
    } finally {
      await handle.close();
    }
    if (created) await syncDir(this.dir);
    // Still under the lock, so anchors advance in chain order across processes.
    await this.anchor?.advance({ seq: entry.seq, hash: entry.hash }, entry.prevHash);
    return entry;
  }

  private async repairLocked(): Promise<AuditRepairResult> {
    const result = await repairTornTail({ file: this.file, dir: this.dir, quarantineDir: this.quarantineDir }, (input, head) =>
      this.buildEntry(input, head),
    );
    if (!result.entry) return result;
    this.cache = null;
    await this.anchor?.advance({ seq: result.entry.seq, hash: result.entry.hash }, result.entry.prevHash);
    return result;
  }
}
