import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AuditEntry } from '@shared/domain/audit';
import type { TeamPage, TeamQuery } from '@shared/domain/team';
import { AppError } from '@shared/errors';
import { compareWithStore, type TeamCompareResult } from './compare';
import { formatTeamUrl, parseTeamUrl, type TeamConnectOptions } from './connection';
import { TeamShipper, type TeamSyncStatus } from './shipper';
import { TeamStore } from './team-store';

/** Which stored connection: the agent's (shipping, `audit verify --team`) or the admin's (`team init`, `add-agent`). */
export type TeamConnectionKind = 'agent' | 'admin';

/** A keychain item: the URL (no password) and the role's password, together. */
const StoredConnection = z.object({ url: z.string(), password: z.string() });

/** The device id of a data dir: `<dataDir>/team/device-id`, created on first use (race-safe). */
export async function deviceIdFor(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'team');
  const file = join(dir, 'device-id');
  const read = async () => (await readFile(file, 'utf8')).trim();
  try {
    const id = await read();
    if (z.uuid().safeParse(id).success) return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': two processes starting at once agree on the first one's id.
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomUUID()}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const id = await read();
  if (!z.uuid().safeParse(id).success) {
    throw new AppError('conflict', `The device id in ${file} is damaged. Delete the file: Authdesk makes a new one (the store keeps the old device's entries).`);
  }
  return id;
}

/** What team mode needs of the OS keychain (platform/keychain.ts's Keychain fits). */
export interface TeamKeychain {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

/** How the team service is built. */
export interface TeamServiceOptions {
  dataDir: string;
  /** The local audit log file. */
  auditFile: string;
  /** The keychain for team connections (its own service name, apart from tenant secrets). */
  keychain: TeamKeychain;
  connect?: TeamConnectOptions;
  /** Whether the policy in force allows plaintext to a host that is not this computer (the managed policy). */
  plaintextAllowed?: () => Promise<boolean>;
  /** Shipper tuning (tests, benchmarks). */
  shipper?: { idleMs?: number; batchSize?: number; backoff?: { minMs: number; maxMs: number } };
  onStatus?: (status: TeamSyncStatus) => void;
  /** The local audit log, to record team mode being turned on and off (a thunk: built side by side). */
  audit?: () => TeamModeRecorder;
}

/** Where turning team mode on and off is recorded (the local audit log fits). */
export interface TeamModeRecorder {
  append(input: { action: 'team.connect' | 'team.disconnect'; tenant: null; details: Record<string, string> }): Promise<unknown>;
}

/** What `team status` and the header show. */
export interface TeamStatus extends TeamSyncStatus {
  /** The store's URL (no password) when configured. */
  url: string | null;
  deviceId: string | null;
}

/**
 * Team mode in the app and the CLI: the connections kept in the keychain, this device's id, the
 * background shipper, and the comparison of the local log with the store. Without a stored agent
 * connection everything is off and nothing changes.
 */
export class TeamService {
  private readonly options: TeamServiceOptions;
  private store: { key: string; store: TeamStore } | null = null;
  private admin: { key: string; store: TeamStore } | null = null;
  private shipperInstance: TeamShipper | null = null;
  private device: Promise<string> | null = null;
  private agentConn: { url: string; password: string } | null | undefined;
  private agentReadAt = 0;
  /** Moves on each time the agent connection is forgotten or replaced (see agentStore). */
  private agentGeneration = 0;

  constructor(options: TeamServiceOptions) {
    this.options = options;
  }

  deviceId(): Promise<string> {
    this.device ??= deviceIdFor(this.options.dataDir);
    return this.device;
  }

  /** The stored connection of a kind, or null. */
  async connection(kind: TeamConnectionKind): Promise<{ url: string; password: string } | null> {
    const raw = await this.options.keychain.get(kind);
    if (raw === null) return null;
    const parsed = StoredConnection.safeParse(JSON.parse(raw));
    if (!parsed.success) throw new AppError('conflict', `The stored team ${kind} connection is damaged. Run \`authdesk team connect\` again.`);
    return parsed.data;
  }

  /** Opens a store for a URL and password without storing anything. */
  open(url: string, password: string, maxClients = 2, connect: TeamConnectOptions | undefined = this.options.connect): TeamStore {
    return new TeamStore(parseTeamUrl(url, connect), password, { ...connect, maxClients });
  }

  /** The connection options with the policy's plaintext allowance applied (read at each connect). */
  async connectOptions(): Promise<TeamConnectOptions> {
    const allowed = this.options.connect?.allowPlaintextRemote === true || ((await this.options.plaintextAllowed?.()) ?? false);
    return { ...this.options.connect, allowPlaintextRemote: allowed };
  }

  /**
   * Tests a connection (the role must be a member of the kind's group) and keeps it in the
   * keychain. Returns who the store says we are.
   */
  async saveConnection(kind: TeamConnectionKind, url: string, password: string): Promise<{ role: string; url: string }> {
    const store = this.open(url, password, 1, await this.connectOptions());
    try {
      if (!(await store.installed())) {
        throw new AppError('not-found', `The team store at ${store.url} is not set up yet. An admin runs \`authdesk team init\` first.`);
      }
      const me = await store.whoami();
      if (kind === 'agent' && !me.agent) {
        throw new AppError('forbidden', `The role ${me.role} is not an Authdesk agent. An admin runs \`authdesk team add-agent ${me.role}\` first.`);
      }
      // SECURITY: URL and password live only in the OS keychain, never in a file.
      await this.options.keychain.set(kind, JSON.stringify({ url: formatTeamUrl(store.connection), password }));
      if (kind === 'agent') await this.resetStore(true);
      return { role: me.role, url: store.url };
    } finally {
      await store.close();
    }
  }

  /**
   * Turns team mode on for this computer (`authdesk team connect` and Settings → Team audit store):
   * tests the agent role, keeps URL and password in the keychain, and ships what waits.
   */
  async connectAgent(url: string, password: string): Promise<{ role: string; url: string; status: TeamStatus }> {
    const saved = await this.saveConnection('agent', url, password);
    // Recorded, then shipped with the rest: the store sees when this computer joined and as whom.
    await this.options.audit?.().append({ action: 'team.connect', tenant: null, details: { store: saved.url, role: saved.role } });
    return { ...saved, status: await this.shipNow() };
  }

  /**
   * Turns team mode off (`authdesk team disconnect` and the console): ships what waits first (best
   * effort), then forgets the connection. The store keeps everything shipped.
   */
  async disconnectAgent(): Promise<{ removed: boolean; status: TeamStatus }> {
    const conn = await this.connection('agent').catch(() => null);
    if (conn) {
      // SECURITY: turning team mode off is recorded first and shipped before the connection is
      // forgotten, so the store itself shows that (and when) this computer stopped shipping. A log
      // that cannot record refuses the change (fail closed).
      await this.options.audit?.().append({ action: 'team.disconnect', tenant: null, details: { store: conn.url } });
      await this.shipNow();
    }
    const removed = await this.forget('agent');
    let status = await this.shipNow();
    // A pass that began before the connection was forgotten (the background loop's, or one the
    // disconnect entry woke) answers with the old state: ask again, a bounded few times.
    for (let i = 0; i < 3 && status.state !== 'off'; i += 1) status = await this.shipNow();
    return { removed, status };
  }

  /** Forgets a stored connection (the store keeps everything shipped). */
  async forget(kind: TeamConnectionKind): Promise<boolean> {
    const removed = await this.options.keychain.delete(kind);
    if (kind === 'agent') await this.resetStore(true);
    return removed;
  }

  /**
   * The agent store (cached), or null when team mode is off. The keychain is read again at most
   * every 30 s, so a `team connect` from the CLI reaches a running app without a keychain call per pass.
   */
  async agentStore(): Promise<TeamStore | null> {
    // SECURITY: a keychain read or store opening that began before a disconnect must not bring the
    // forgotten connection back (the generation moves on each forget/connect): start over instead.
    const generation = this.agentGeneration;
    if (Date.now() - this.agentReadAt > 30_000 || this.agentConn === undefined) {
      const read = await this.connection('agent');
      if (generation !== this.agentGeneration) return this.agentStore();
      this.agentConn = read;
      this.agentReadAt = Date.now();
    }
    const conn = this.agentConn;
    if (!conn) {
      await this.resetStore();
      return null;
    }
    const key = `${conn.url}\n${conn.password}`;
    if (this.store?.key !== key) {
      await this.resetStore();
      const options = await this.connectOptions();
      if (generation !== this.agentGeneration) return this.agentStore();
      this.store = { key, store: this.open(conn.url, conn.password, 2, options) };
    }
    return this.store.store;
  }

  /** The admin store (not cached: the CLI opens it for one command), or a clear error. */
  async adminStore(): Promise<TeamStore> {
    const conn = await this.connection('admin');
    if (!conn) throw new AppError('not-found', 'No team store admin connection is set up on this computer. Run `authdesk team init <url>` first.');
    return this.open(conn.url, conn.password, 1, await this.connectOptions());
  }

  private async resetStore(forgetConnection = false): Promise<void> {
    if (forgetConnection) {
      this.agentConn = undefined;
      this.agentGeneration += 1;
    }
    const old = this.store;
    this.store = null;
    await old?.store.close();
  }

  /** The shipper of this process (built on first use). */
  shipper(): TeamShipper {
    if (!this.shipperInstance) {
      this.shipperInstance ??= new TeamShipper({
        file: this.options.auditFile,
        deviceId: () => this.deviceId(),
        target: () => this.agentStore(),
        ...this.options.shipper,
        onStatus: this.options.onStatus,
      });
    }
    return this.shipperInstance;
  }

  /** Starts shipping in the background (the desktop app). */
  start(): void {
    this.shipper().start();
  }

  /** Ships now (after an append, or for `team status`); never throws. */
  async shipNow(): Promise<TeamStatus> {
    const status = await this.shipper().shipNow();
    return this.withUrl(status);
  }

  /** Asks the background loop to look now (after a local append); never blocks the caller. */
  wake(): void {
    this.shipperInstance?.wake();
  }

  async status(): Promise<TeamStatus> {
    return this.withUrl(this.shipper().status());
  }

  private async withUrl(status: TeamSyncStatus): Promise<TeamStatus> {
    const conn = await this.connection('agent').catch(() => null);
    // The device id is made only once team mode is on: solo use leaves the data dir as it was.
    return { ...status, url: conn?.url ?? null, deviceId: conn ? await this.deviceId() : null };
  }

  /**
   * A page of the team log for the console's team scope: through this computer's admin connection
   * when it has one (`team init`), else the agent's, which the store refuses (agents read only their own).
   */
  async query(q: z.output<typeof TeamQuery>): Promise<TeamPage> {
    const admin = await this.connection('admin');
    const store = admin ? await this.cachedAdmin(admin) : await this.agentStore();
    if (!store) throw new AppError('not-found', 'Team mode is off on this computer: there is no team log to show. An admin sets it up with `authdesk team init`.');
    const page = await store.query(q);
    return {
      nextBeforeSeq: page.nextBeforeSeq,
      entries: page.entries.map((e) => {
        let entry: AuditEntry | null = null;
        try {
          const parsed = AuditEntry.safeParse(JSON.parse(e.entryText));
          entry = parsed.success ? parsed.data : null;
        } catch {
          entry = null;
        }
        return { teamSeq: e.teamSeq, role: e.role, serverTs: e.serverTs, deviceId: e.deviceId, localSeq: e.localSeq, hash: e.hash, entry };
      }),
    };
  }

  private async cachedAdmin(conn: { url: string; password: string }): Promise<TeamStore> {
    const key = `${conn.url}\n${conn.password}`;
    if (this.admin?.key === key) return this.admin.store;
    const options = await this.connectOptions();
    // Another call may have opened it while the policy was read.
    if (this.admin?.key === key) return this.admin.store;
    void this.admin?.store.close();
    const store = this.open(conn.url, conn.password, 2, options);
    this.admin = { key, store };
    return store;
  }

  /**
   * For an evidence pack: ships what is waiting, then where the team chain and this device's
   * entries stand in the store. Null when team mode is off; throws when the store is unreachable.
   */
  async evidenceCut(): Promise<{ url: string; deviceId: string; teamSeq: number; teamHash: string; shippedSeq: number } | null> {
    const store = await this.agentStore();
    const conn = await this.connection('agent');
    if (!store || !conn) return null;
    await this.shipNow();
    const deviceId = await this.deviceId();
    const [head, device] = await Promise.all([store.teamHead(), store.deviceHead(deviceId)]);
    return { url: conn.url, deviceId, teamSeq: head.teamSeq, teamHash: head.hash, shippedSeq: device.localSeq };
  }

  /** The store `evidence verify` reads: the admin connection when there is one, else the agent's; null in solo use. */
  async evidenceReader(): Promise<TeamStore | null> {
    const admin = await this.connection('admin');
    return admin ? this.cachedAdmin(admin) : this.agentStore();
  }

  /** `audit verify --team`: the local log against the store's copy of this device's entries. */
  async compare(): Promise<TeamCompareResult> {
    const store = await this.agentStore();
    if (!store) throw new AppError('not-found', 'Team mode is off on this computer: there is no team store to compare with. Run `authdesk team connect <url>` first.');
    return compareWithStore(this.options.auditFile, store, await this.deviceId());
  }

  async close(): Promise<void> {
    await this.shipperInstance?.stop();
    await this.resetStore();
    await this.admin?.store.close();
    this.admin = null;
  }
}
