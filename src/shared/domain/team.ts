import { z } from 'zod';
import { AuditEntry, Sha256Hex } from './audit';

/**
 * Team mode (issue #11): the local audit log shipped to a PostgreSQL store every agent appends to
 * and none can change. These are the shapes the console and the CLI see.
 */

/** The team log state the header shows. */
export const TeamSyncState = z.enum(['off', 'in-sync', 'waiting', 'offline', 'refused']);
export type TeamSyncState = z.infer<typeof TeamSyncState>;

export const TeamStatus = z.object({
  state: TeamSyncState,
  /** Local entries not yet in the store. */
  waiting: z.number().int().nonnegative(),
  shippedSeq: z.number().int().nonnegative(),
  localSeq: z.number().int().nonnegative(),
  offlineSince: z.string().nullable(),
  lastShippedAt: z.string().nullable(),
  message: z.string().nullable(),
  /** The store (URL without password), when configured. */
  url: z.string().nullable(),
  deviceId: z.string().nullable(),
});
export type TeamStatus = z.infer<typeof TeamStatus>;

/** Filters of the team log (admins), newest first, keyset-paged by `beforeSeq`. */
export const TeamQuery = z
  .object({
    /** The agent: the database role that shipped the entry. */
    role: z.string().min(1).max(63).optional(),
    userId: z.string().min(1).max(500).optional(),
    ticket: z.string().min(1).max(200).optional(),
    action: z.string().min(1).max(100).optional(),
    outcome: z.enum(['ok', 'error']).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    beforeSeq: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .strict();
export type TeamQuery = z.input<typeof TeamQuery>;

/** One entry of the team log: who shipped it (the authenticated role) and the entry itself. */
export const TeamLogEntry = z.object({
  teamSeq: z.number().int().positive(),
  /** The agent, as the database authenticated them. */
  role: z.string(),
  serverTs: z.string(),
  deviceId: z.string(),
  localSeq: z.number().int().positive(),
  hash: Sha256Hex,
  /** The local entry as shipped (null if it no longer parses as an entry of this version). */
  entry: AuditEntry.nullable(),
});
export type TeamLogEntry = z.infer<typeof TeamLogEntry>;

export const TeamPage = z.object({
  entries: z.array(TeamLogEntry),
  /** Pass as `beforeSeq` for the next page; null on the last one. */
  nextBeforeSeq: z.number().int().positive().nullable(),
});
export type TeamPage = z.infer<typeof TeamPage>;

export const TeamFinding = z.object({
  kind: z.enum(['emptied', 'truncated', 'deleted', 'reordered', 'rewritten', 'duplicated']),
  seq: z.number().int(),
  toSeq: z.number().int().optional(),
  line: z.number().int().optional(),
  teamSeq: z.number().int().optional(),
  fields: z.array(z.string()).optional(),
  message: z.string(),
});
export type TeamFinding = z.infer<typeof TeamFinding>;

/** The local log against what this device already shipped (`audit verify --team`). */
export const TeamCompareResult = z.object({
  ok: z.boolean(),
  deviceId: z.string(),
  stored: z.object({ count: z.number().int(), lastSeq: z.number().int() }),
  local: z.object({ entries: z.number().int(), lastSeq: z.number().int() }),
  unshipped: z.object({ count: z.number().int(), fromSeq: z.number().int(), toSeq: z.number().int() }).nullable(),
  findings: z.array(TeamFinding),
  findingsTotal: z.number().int(),
});
export type TeamCompareResult = z.infer<typeof TeamCompareResult>;
