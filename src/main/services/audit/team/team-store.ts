import pg from 'pg';
import { AppError } from '@shared/errors';
import { checkRoleName, clientConfig, formatTeamUrl, type TeamConnectOptions, type TeamConnection } from './connection';
import { TEAM_GENESIS_HASH, teamHash } from './chain';
import { migrateUp } from './migrate';
import { scramVerifier } from './scram';
import { toStoreError } from './store-errors';

/** What `install()` did. */
export interface InstallReport {
  /** Migrations applied by this run (empty when the schema was already current). */
  applied: string[];
  /** Who ran it, as the database sees it. */
  installedBy: string;
  /** Every schema change so far: who, when, what. */
  history: { at: string; by: string; action: string }[];
}

/** One row `append()` returns per entry sent. */
export interface AppendResult {
  localSeq: number;
  teamSeq: number;
  hash: string;
  /** Already stored by an earlier (retried) shipment: nothing new was written. */
  duplicate: boolean;
}

/** Where a device's shipped entries end. */
export interface DeviceHead {
  localSeq: number;
  localHash: string;
  count: number;
}

/** An entry as the store holds it. */
export interface StoredEntry {
  teamSeq: number;
  deviceId: string;
  localSeq: number;
  /** The database role that shipped it: the agent, as authenticated by the server. */
  role: string;
  serverTs: string;
  entryText: string;
  prevHash: string;
  hash: string;
}

/** Team log filters (admin), newest first, keyset-paged by `beforeSeq`. */
export interface TeamQuery {
  role?: string;
  userId?: string;
  ticket?: string;
  action?: string;
  outcome?: 'ok' | 'error';
  tenantId?: string;
  /** ISO time bounds on the server time. */
  from?: string;
  to?: string;
  /** Return entries with team_seq below this (the previous page's `nextBeforeSeq`). */
  beforeSeq?: number;
  limit: number;
}

/** The result of walking the team chain. */
export type TeamVerifyResult =
  | { ok: true; entries: number; head: { teamSeq: number; hash: string } }
  | { ok: false; entries: number; broken: { teamSeq: number; reason: string; message: string } };

/** The caller as the store sees it. */
export interface WhoAmI {
  role: string;
  agent: boolean;
  admin: boolean;
}

const ENTRY_COLUMNS = 'team_seq, device_id, local_seq, db_role, server_ts, entry_text, prev_hash, hash';

interface EntryRow {
  team_seq: string;
  device_id: string;
  local_seq: string;
  db_role: string;
  server_ts: Date;
  entry_text: string;
  prev_hash: string;
  hash: string;
}

function entryOf(r: EntryRow): StoredEntry {
  return {
    teamSeq: Number(r.team_seq),
    deviceId: r.device_id,
    localSeq: Number(r.local_seq),
    role: r.db_role,
    serverTs: r.server_ts.toISOString(),
    entryText: r.entry_text,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * The team store over PostgreSQL, through node-postgres (`pg`): the reference driver, pure
 * JavaScript (no native build for Electron), every value sent as a bound parameter of the
 * extended protocol, never spliced into SQL. Agents only call the store's functions; admins also
 * read its tables. The schema, roles and grants are in `migrations/` (docs/team-store.md).
 */
export class TeamStore {
  readonly connection: TeamConnection;
  private readonly pool: pg.Pool;

  constructor(connection: TeamConnection, password: string, options: TeamConnectOptions & { maxClients?: number } = {}) {
    this.connection = connection;
    this.pool = new pg.Pool({ ...clientConfig(connection, password, options), max: options.maxClients ?? 2, idleTimeoutMillis: 10_000 });
    // An idle client losing its server (restart, network drop) must not crash main: the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** The URL (no password) this store talks to. */
  get url(): string {
    return formatTeamUrl(this.connection);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private async q<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw toStoreError(error, this.connection);
    }
  }

  /** Who the server says we are. */
  async whoami(): Promise<WhoAmI> {
    const [row] = await this.q<{ r_role: string; r_agent: boolean; r_admin: boolean }>('SELECT * FROM authdesk.whoami()');
    return { role: row.r_role, agent: row.r_agent, admin: row.r_admin };
  }

  /** Whether the schema exists at all (before `team init` it does not). */
  async installed(): Promise<boolean> {
    const [row] = await this.q<{ ok: boolean }>("SELECT to_regclass('authdesk.entries') IS NOT NULL AS ok");
    return row.ok;
  }

  /**
   * Installs or upgrades the schema, roles and grants (node-pg-migrate), and records the run in
   * `install_log`. Safe to run again: a current schema gets only a `checked` record.
   */
  async install(): Promise<InstallReport> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toStoreError(error, this.connection);
    }
    try {
      const applied = await migrateUp(client);
      await client.query('INSERT INTO authdesk.install_log (action, detail) VALUES ($1, $2)', [
        applied.length > 0 ? 'init' : 'checked',
        JSON.stringify({ applied }),
      ]);
      const { rows } = await client.query<{ at: Date; by_role: string; action: string }>(
        'SELECT at, by_role, action FROM authdesk.install_log ORDER BY id',
      );
      const [me] = (await client.query<{ u: string }>('SELECT session_user AS u')).rows;
      return { applied, installedBy: me.u, history: rows.map((r) => ({ at: r.at.toISOString(), by: r.by_role, action: r.action })) };
    } catch (error) {
      throw toStoreError(error, this.connection);
    } finally {
      client.release();
    }
  }

  /**
   * Creates an agent's (or admin's) login role with a password, or updates the password and
   * membership of an existing one. Needs CREATEROLE (the installer).
   */
  async addMember(role: string, password: string, kind: 'agent' | 'admin' = 'agent'): Promise<{ created: boolean }> {
    checkRoleName(role);
    if (password.length < 12) throw new AppError('validation', 'Give the role a password of at least 12 characters.');
    const group = kind === 'admin' ? 'authdesk_admin' : 'authdesk_agent';
    const [exists] = await this.q<{ n: number }>('SELECT count(*)::int AS n FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
    // DDL takes no bind parameters: the name is checked above and quoted, the password sent as a
    // SCRAM verifier literal (escaped), never as plaintext.
    const ident = pg.escapeIdentifier(role);
    const secret = pg.escapeLiteral(scramVerifier(password));
    if (exists.n === 0) {
      await this.q(`CREATE ROLE ${ident} LOGIN PASSWORD ${secret}`);
    } else {
      await this.q(`ALTER ROLE ${ident} LOGIN PASSWORD ${secret}`);
    }
    await this.q(`GRANT ${group} TO ${ident}`);
    return { created: exists.n === 0 };
  }

  /** Ships local entries (their exact lines, in order) for a device. Idempotent per (device, seq). */
  async append(deviceId: string, lines: readonly string[]): Promise<AppendResult[]> {
    if (lines.length === 0) return [];
    const rows = await this.q<{ r_local_seq: string; r_team_seq: string; r_hash: string; r_duplicate: boolean }>(
      'SELECT * FROM authdesk.append_entries($1::uuid, $2::text[])',
      [deviceId, lines],
    );
    return rows.map((r) => ({ localSeq: Number(r.r_local_seq), teamSeq: Number(r.r_team_seq), hash: r.r_hash, duplicate: r.r_duplicate }));
  }

  /** Where this device's shipped entries end (zero when it never shipped). */
  async deviceHead(deviceId: string): Promise<DeviceHead> {
    const [row] = await this.q<{ r_local_seq: string; r_local_hash: string; r_count: string }>('SELECT * FROM authdesk.device_head($1::uuid)', [deviceId]);
    return { localSeq: Number(row.r_local_seq), localHash: row.r_local_hash, count: Number(row.r_count) };
  }

  /** This device's stored entries after a local seq, in local order. */
  async deviceEntries(deviceId: string, afterLocalSeq: number, limit = 1000): Promise<{ localSeq: number; entryText: string; teamSeq: number; hash: string }[]> {
    const rows = await this.q<{ r_local_seq: string; r_entry_text: string; r_team_seq: string; r_hash: string }>(
      'SELECT * FROM authdesk.device_entries($1::uuid, $2, $3)',
      [deviceId, afterLocalSeq, limit],
    );
    return rows.map((r) => ({ localSeq: Number(r.r_local_seq), entryText: r.r_entry_text, teamSeq: Number(r.r_team_seq), hash: r.r_hash }));
  }

  /** The team chain head. */
  async teamHead(): Promise<{ teamSeq: number; hash: string }> {
    const [row] = await this.q<{ r_team_seq: string; r_hash: string }>('SELECT * FROM authdesk.team_head()');
    return { teamSeq: Number(row.r_team_seq), hash: row.r_hash };
  }

  /** The team policy in force, or null. */
  async getPolicy(): Promise<{ policy: Record<string, unknown>; setAt: string; setBy: string } | null> {
    const [row] = await this.q<{ r_policy: Record<string, unknown>; r_set_at: Date; r_set_by: string }>('SELECT * FROM authdesk.get_policy()');
    return row ? { policy: row.r_policy, setAt: row.r_set_at.toISOString(), setBy: row.r_set_by } : null;
  }

  /** Sets the team policy (admins only: anyone else gets `forbidden`). */
  async setPolicy(policy: Record<string, unknown>): Promise<{ setAt: string; setBy: string }> {
    const [row] = await this.q<{ r_set_at: Date; r_set_by: string }>('SELECT * FROM authdesk.set_policy($1::jsonb)', [JSON.stringify(policy)]);
    return { setAt: row.r_set_at.toISOString(), setBy: row.r_set_by };
  }

  /** Team totals for `team status` (admins). */
  async summary(): Promise<{ entries: number; devices: number; roles: { role: string; entries: number; last: string | null }[] }> {
    const [totals] = await this.q<{ entries: string; devices: string }>(
      'SELECT (SELECT count(*) FROM authdesk.entries) AS entries, (SELECT count(*) FROM authdesk.devices) AS devices',
    );
    const roles = await this.q<{ db_role: string; n: string; last: Date | null }>(
      'SELECT d.db_role, count(e.*) AS n, max(e.server_ts) AS last FROM authdesk.devices d LEFT JOIN authdesk.entries e ON e.device_id = d.device_id GROUP BY d.db_role ORDER BY d.db_role',
    );
    return {
      entries: Number(totals.entries),
      devices: Number(totals.devices),
      roles: roles.map((r) => ({ role: r.db_role, entries: Number(r.n), last: r.last ? r.last.toISOString() : null })),
    };
  }

  /**
   * Walks the whole team chain in team order (admins), recomputing every hash here rather than
   * trusting the database, and names the first entry that does not check out.
   */
  async verifyChain(batch = 5000): Promise<TeamVerifyResult> {
    let prev = { teamSeq: 0, hash: TEAM_GENESIS_HASH, us: -1n };
    let entries = 0;
    for (;;) {
      const rows = await this.q<EntryRow & { server_us: string }>(
        `SELECT ${ENTRY_COLUMNS}, ((extract(epoch FROM server_ts) * 1000000)::bigint)::text AS server_us
           FROM authdesk.entries WHERE team_seq > $1 ORDER BY team_seq LIMIT $2`,
        [prev.teamSeq, batch],
      );
      for (const r of rows) {
        const e = entryOf(r);
        const bad = (reason: string, message: string): TeamVerifyResult => ({ ok: false, entries, broken: { teamSeq: e.teamSeq, reason, message } });
        if (e.teamSeq !== prev.teamSeq + 1) {
          return bad('seq-gap', `Team entry ${e.teamSeq} follows ${prev.teamSeq}: ${e.teamSeq - prev.teamSeq - 1} entries are missing before it.`);
        }
        if (e.prevHash !== prev.hash) return bad('prev-hash-mismatch', `Team entry ${e.teamSeq} does not chain to entry ${prev.teamSeq}: an entry was changed or removed.`);
        const expected = teamHash({ prevHash: e.prevHash, teamSeq: e.teamSeq, deviceId: e.deviceId, localSeq: e.localSeq, role: e.role, serverUs: r.server_us, entryText: e.entryText });
        if (expected !== e.hash) return bad('hash-mismatch', `Team entry ${e.teamSeq} (agent ${e.role}, local seq ${e.localSeq}) does not match its hash: its content was changed.`);
        const us = BigInt(r.server_us);
        if (us < prev.us) return bad('time-order', `Team entry ${e.teamSeq} has a server time earlier than the entry before it.`);
        prev = { teamSeq: e.teamSeq, hash: e.hash, us };
        entries += 1;
      }
      if (rows.length < batch) break;
    }
    return { ok: true, entries, head: { teamSeq: prev.teamSeq, hash: prev.hash } };
  }

  /** One page of the team log (admins), newest first, in one round trip. */
  async query(f: TeamQuery): Promise<{ entries: StoredEntry[]; nextBeforeSeq: number | null }> {
    const plan = this.plan(f);
    const entries = (await this.q<EntryRow>(plan.sql, plan.values)).map(entryOf);
    return { entries, nextBeforeSeq: entries.length === f.limit ? entries[entries.length - 1].teamSeq : null };
  }

  /** The SQL of a query: every filter is an index condition with team_seq, newest first. */
  private plan(f: TeamQuery): { sql: string; values: unknown[] } {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replaceAll('?', `$${values.length}`));
    };
    // server_ts never goes down as team_seq goes up, so a time range is a team_seq range: found
    // with the server_ts index in a sub-select, so the page still takes one round trip.
    if (f.from !== undefined) {
      add('team_seq >= (SELECT s.team_seq FROM authdesk.entries s WHERE s.server_ts >= ?::timestamptz ORDER BY s.server_ts, s.team_seq LIMIT 1)', f.from);
    }
    if (f.to !== undefined) {
      add('team_seq <= (SELECT s.team_seq FROM authdesk.entries s WHERE s.server_ts < ?::timestamptz ORDER BY s.server_ts DESC, s.team_seq DESC LIMIT 1)', f.to);
    }
    if (f.beforeSeq !== undefined) add('team_seq < ?', f.beforeSeq);
    if (f.role !== undefined) add('db_role = ?', f.role);
    if (f.userId !== undefined) add('user_id = ?', f.userId);
    if (f.ticket !== undefined) add('ticket = ?', f.ticket);
    if (f.action !== undefined) add('action = ?', f.action);
    if (f.outcome !== undefined) add('outcome = ?', f.outcome);
    if (f.tenantId !== undefined) add('tenant_id = ?', f.tenantId);
    values.push(f.limit);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return { sql: `SELECT ${ENTRY_COLUMNS} FROM authdesk.entries ${filter} ORDER BY team_seq DESC LIMIT $${values.length}`, values };
  }

  /** The executed plan of a team log query (the benchmark records it). */
  async explain(f: TeamQuery): Promise<string> {
    const plan = this.plan(f);
    const rows = await this.q<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${plan.sql}`, plan.values);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }
}
