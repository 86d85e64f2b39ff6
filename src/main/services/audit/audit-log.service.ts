import { copyFile, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import type { z } from 'zod';
import {
  AUDIT_FORMAT_VERSION,
  AuditEntry,
  type AuditAction,
  type AuditActor,
  type AuditPage,
  type AuditQuery,
  type AuditRepairResult,
  type AuditStatus,
  type AuditSubject,
  type AuditTenant,
  type AuditVerifyResult,
  type VerificationStamp,
} from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import { openIfExists, readLinesBackward, readLinesForward, readTail, syncDir, writeFully, type FileTail } from './audit-file';
import {
  GENESIS_HEAD,
  auditErrorOf,
  checkEntryText,
  checkLine,
  cleanString,
  lineOf,
  sanitizeDetails,
  seal,
  seqOf,
  sha256Hex,
  type ChainHead,
} from './audit-format';
import { currentCallOrigin, originDetails } from '../platform/call-origin';
import { anchorBreak, type LogAnchor } from './log-anchor';

/** What a feature records: the action, where, about whom, why, and how it ended. */
export interface AuditAppendInput {
  action: AuditAction;
  /** The tenant profile acted on; null or absent for actions on the console itself. */
  tenant?: AuditTenant | null;
  subject?: AuditSubject;
  /** Reason, ticket, method, authenticator id… Credential keys and token-like values are stripped. */
  details?: Record<string, unknown>;
  /** Set when the action failed: an AppError's code and message are kept, anything else is `internal`. */
  error?: unknown;
  /** The caller verification that covered the action. */
  verification?: VerificationStamp;
}

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

/** The parsed form of an `audit:list` query. */
export type AuditQueryParsed = z.output<typeof AuditQuery>;

interface TailState {
  state: AuditStatus['state'];
  head: ChainHead;
  tornBytes: number;
  tail: FileTail | null;
}

/** Identity of a file's current content, as far as stat can tell. */
function fileKey(st: { ino: number; size: number; mtimeMs: number }): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

/** The OS account running Authdesk; some containers have no passwd entry, hence the fallbacks. */
function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

function tornMessage(state: TailState): string {
  return (
    `The audit log ends with an incomplete entry (${state.tornBytes} bytes after seq ${state.head.seq}) ` +
    'left by a crash during an append. Nothing more is recorded until it is repaired: run ' +
    '`npx authdesk audit repair`, or choose Repair in the Audit log view.'
  );
}

const DAMAGED_MESSAGE =
  'The last entry of the audit log does not check out, so no new entry can be chained to it. Run ' +
  '`npx authdesk audit verify` to find the damage, then restore the log from a backup.';

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
  private readonly osUser = osUserName();
  private queue: Promise<unknown> = Promise.resolve();
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
      const s = await this.inspect(handle);
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
  async query(q: AuditQueryParsed): Promise<AuditPage> {
    const handle = await openIfExists(this.file);
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
        if (offset <= completeEnd && (offset === 0 || (await this.byteAt(handle, offset - 1)) === 0x0a)) end = offset;
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

  /**
   * Repairs a torn tail (see the class comment) and records a `log.recovered` entry. Does nothing
   * on a clean log; refuses (conflict) when the last complete entry is itself damaged, since that
   * needs a person and a backup, not a repair.
   */
  repair(): Promise<AuditRepairResult> {
    return this.enqueue(() => this.locked(() => this.repairLocked()));
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `task` holding the cross-process lock on the log. */
  private async locked<T>(task: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.file, {
        realpath: false,
        stale: this.staleMs,
        // Wait long enough for a crashed holder's lock to go stale, but not forever.
        retries: { retries: Math.ceil((this.staleMs * 1.5) / 100), factor: 1, minTimeout: 100, maxTimeout: 100 },
        onCompromised: () => {
          // Another process took over a lock we held too long: forget what we knew of the tail.
          this.cache = null;
        },
      });
    } catch (error) {
      throw new AppError(
        'unavailable',
        'Another Authdesk window or CLI run is holding the audit log. Wait for it to finish and try again.',
        { cause: error },
      );
    }
    try {
      return await task();
    } finally {
      await release().catch(() => undefined);
    }
  }

  private async byteAt(handle: FileHandle, position: number): Promise<number | undefined> {
    const buffer = Buffer.alloc(1);
    const { bytesRead } = await handle.read(buffer, 0, 1, position);
    return bytesRead === 1 ? buffer[0] : undefined;
  }

  /** Reads and judges the tail of the open log. */
  private async inspect(handle: FileHandle): Promise<TailState> {
    const tail = await readTail(handle);
    if (tail.size === 0) return { state: 'empty', head: GENESIS_HEAD, tornBytes: 0, tail };
    let head = GENESIS_HEAD;
    if (tail.lastLine) {
      const check = checkEntryText(tail.lastLine.text, 1);
      if (!check.ok) return { state: 'damaged', head, tornBytes: tail.fragment.length, tail };
      head = { seq: check.entry.seq, hash: check.entry.hash };
    }
    if (tail.fragment.length > 0) return { state: 'torn', head, tornBytes: tail.fragment.length, tail };
    return { state: 'ok', head, tornBytes: 0, tail };
  }

  /** The head to chain the next entry to, from the cache when the file is as we left it. */
  private async headFor(handle: FileHandle): Promise<ChainHead> {
    const key = fileKey(await handle.stat());
    if (this.cache && this.cache.key === key) return this.cache.head;
    const s = await this.inspect(handle);
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
    const { details, redacted } = sanitizeDetails(input.details);
    const unsealed: Omit<AuditEntry, 'hash'> = {
      v: AUDIT_FORMAT_VERSION,
      seq: head.seq + 1,
      ts: this.now().toISOString(),
      actor: await this.actor(),
      action: input.action,
      tenant: input.tenant ? { id: cleanString(input.tenant.id, 200), name: cleanString(input.tenant.name, 200) } : null,
      subject: input.subject?.userId === undefined ? {} : { userId: cleanString(input.subject.userId, 500) },
      details,
      outcome: input.error === undefined ? 'ok' : 'error',
      prevHash: head.hash,
    };
    if (input.error !== undefined) unsealed.error = auditErrorOf(input.error);
    if (input.verification) unsealed.verification = input.verification;
    if (redacted.length > 0) unsealed.redacted = redacted;
    // Refuse to write anything the reader would reject: the log must always verify.
    const entry = AuditEntry.parse(seal(unsealed));
    return entry;
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
    const handle = await openIfExists(this.file);
    if (!handle) return { kind: 'none' };
    let state: TailState;
    try {
      state = await this.inspect(handle);
    } finally {
      await handle.close();
    }
    if (state.state === 'damaged') throw new AppError('conflict', DAMAGED_MESSAGE);
    if (state.state !== 'torn' || !state.tail) return { kind: 'none' };
    const { fragment, completeEnd } = state.tail;
    const fragmentText = fragment.toString('utf8');
    const whole = checkLine(fragmentText, 1, state.head);
    const fragmentSha256 = sha256Hex(fragment);
    let head = state.head;
    let quarantineFile: string | undefined;
    if (whole.ok) {
      head = { seq: whole.entry.seq, hash: whole.entry.hash };
    } else {
      // Content-derived name: a repair interrupted and run again rewrites the same file.
      const name = `torn-after-seq-${state.head.seq}-${fragmentSha256.slice(0, 12)}.fragment`;
      quarantineFile = `quarantine/${name}`;
      await mkdir(this.quarantineDir, { recursive: true, mode: 0o700 });
      // SECURITY: owner-only, like the log it came from.
      const qHandle = await open(join(this.quarantineDir, name), 'w', 0o600);
      try {
        await writeFully(qHandle, fragment);
        await qHandle.sync();
      } finally {
        await qHandle.close();
      }
      await syncDir(this.quarantineDir);
    }
    const recovered = await this.buildEntry(
      {
        action: 'log.recovered',
        details: {
          kind: whole.ok ? 'completed' : 'quarantined',
          ...(quarantineFile ? { quarantineFile } : {}),
          fragmentBytes: fragment.length,
          fragmentSha256,
          afterSeq: state.head.seq,
        },
      },
      head,
    );
    // Build the repaired log beside the old one and swap it in with one rename.
    const temp = `${this.file}.repair-${process.pid}.tmp`;
    try {
      await copyFile(this.file, temp);
      const tHandle = await open(temp, 'r+');
      try {
        await tHandle.truncate(completeEnd);
        const tailBytes = Buffer.from(`${whole.ok ? `${fragmentText}\n` : ''}${lineOf(recovered)}`, 'utf8');
        await writeFully(tHandle, tailBytes, completeEnd);
        await tHandle.sync();
      } finally {
        await tHandle.close();
      }
      await rename(temp, this.file);
      await syncDir(this.dir);
    } catch (error) {
      await rm(temp, { force: true });
      throw new AppError('unavailable', 'Authdesk could not rewrite the audit log to repair it. Check free disk space and try again.', {
        cause: error,
      });
    }
    this.cache = null;
    await this.anchor?.advance({ seq: recovered.seq, hash: recovered.hash }, recovered.prevHash);
    return { kind: whole.ok ? 'completed' : 'quarantined', ...(quarantineFile ? { quarantineFile } : {}), entry: recovered };
  }
}
