import { z } from 'zod';
import { IsoTimestamp } from './fields';
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
  offlineSince: IsoTimestamp.nullable(),
  lastShippedAt: IsoTimestamp.nullable(),
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
  serverTs: IsoTimestamp,
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

/**
 * Turning team mode on from the console (Settings → Team audit store): the same connection the CLI's
 * `authdesk team connect <url>` takes, as fields, and the role's password. Main builds the URL and
 * runs it through the same checks as the CLI (TLS verify-full by default, plaintext only to loopback).
 */
export const TeamConnectInput = z
  .object({
    /** A host name or an IP address (no scheme, no port, no user). */
    host: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^\[?[0-9A-Fa-f:.]+\]?$/, 'a host name (db.example.com) or an IP address, without scheme or port'),
    port: z.number().int().min(1).max(65535).default(5432),
    database: z.string().trim().min(1).max(63),
    /** The agent's database role, as `authdesk team add-agent` created it. */
    role: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a role name: 1 to 63 lowercase letters, digits and _, starting with a letter or _ (e.g. agent_alice)'),
    /** `verify-full`: TLS with the certificate chain and host name checked; `disable` only for a server on this computer. */
    tls: z.enum(['verify-full', 'disable']).default('verify-full'),
    /** A CA bundle (PEM file on this computer) for a private CA; blank for the system roots. */
    caFile: z
      .string()
      .trim()
      .max(4096)
      .refine((p) => p === '' || /^(\/|[A-Za-z]:[\\/])/.test(p), 'the full path of a PEM file, e.g. /etc/ssl/team-ca.pem')
      .refine((p) => !p.includes('\u0000'), 'a path without NUL characters')
      .optional(),
    /** SECURITY: sent once to main, kept in the OS keychain there, never returned to the console. */
    password: z.string().min(1).max(1024),
  })
  .strict();
export type TeamConnectInput = z.input<typeof TeamConnectInput>;

/** The answer to turning team mode on or off: who the store says we are, and the state now. */
export const TeamConnectResult = z.object({
  role: z.string(),
  url: z.string(),
  status: TeamStatus,
});
export type TeamConnectResult = z.infer<typeof TeamConnectResult>;

export const TeamDisconnectResult = z.object({ removed: z.boolean(), status: TeamStatus });
export type TeamDisconnectResult = z.infer<typeof TeamDisconnectResult>;
