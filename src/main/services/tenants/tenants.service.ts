import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Authsignal } from '@authsignal/node';
import type { z } from 'zod';
import { LOCAL_TENANT_ID, type ConnectionTest, type TenantSummary } from '@shared/domain/tenant';
import type { AuditTenant } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import { TenantAddInput, TenantTestInput, type TenantList } from '@shared/ipc/channels/tenants';
import { TenantName, TenantSecret } from '@shared/domain/tenant';
import { createAuthsignalClient, withAuthsignal } from '../platform/authsignal-client';
import type { Keychain } from '../platform/keychain';
import type { AuditRecorderSink } from '../audit/ports';
import type { TenantAccess, TenantInfo } from './ports';
import { apiUrlOf, slugify, toSummary, uniqueId, type TenantProfile, type TenantsFile } from './profiles';
import { TenantsFileStore } from './tenants-file';

export type { TenantInfo } from './ports';

/** The user id the connection test looks up: any id works (users are implicit), none is created. */
export const PROBE_USER_ID = 'authdesk-connection-test';

/** The built-in local tenant (the embedded emulator the app shell starts). */
export interface LocalTenantConfig {
  apiUrl: string;
  tenantId: string;
  /** Held in memory only, never written to the keychain or disk. */
  secret: string;
}

/** Options for {@link TenantService}. */
export interface TenantServiceOptions {
  dataDir: string;
  keychain: Keychain;
  localTenant?: LocalTenantConfig;
  /** How long a connection test may take before it counts as unreachable; default 10 s. */
  probeTimeoutMs?: number;
  /** Clock, for tests of timestamps. */
  now?: () => Date;
  /**
   * The audit log every change (add, rename, switch, rotate, remove) is recorded in. A thunk, like
   * the settings service's: the container builds the log after TenantService, and the log never calls
   * back into TenantService, so there is no cycle. Absent, nothing is recorded (tests of TenantService alone).
   */
  audit?: () => TenantAuditRecorder;
  /**
   * After how long another process's lock on the profile list counts as abandoned (a crash):
   * proper-lockfile refreshes a live lock every half of this. Minimum 2000 ms; default 5000 ms.
   */
  lockStaleMs?: number;
  /** The policy's say on which tenants may be used (allowed tenants, team store required); a thunk like `audit`. */
  gate?: () => TenantGate;
}

/** Refuses switching to or acting on a tenant the policy does not allow (`PolicyService` fits). */
export interface TenantGate {
  requireTenantAllowed(tenant: { id: string; name: string }, use: 'switch' | 'act'): Promise<void>;
}

/** The part of the audit log TenantService needs: a narrow seam, so tests can see what it records. */
export type TenantAuditRecorder = AuditRecorderSink;

/** The audit actions of TenantService. */
type TenantAuditAction = 'tenant.add' | 'tenant.remove' | 'tenant.rename' | 'tenant.rotate' | 'tenant.switch';

/** Parsed `tenants:add` input. */
export type TenantAddRequest = z.input<typeof TenantAddInput>;
/** Parsed `tenants:test` input: a saved profile, or candidate credentials. */
export type TenantTestRequest = z.input<typeof TenantTestInput>;

/**
 * TenantService: profiles in `<dataDir>/tenants.json` (written atomically), secrets in the OS
 * keychain (account = profile id), plus the built-in local tenant when the app runs one. The file
 * is re-read on every call, so the desktop app and the CLI can both change it; every
 * read-modify-write is queued in this process and holds a cross-process lock (proper-lockfile),
 * and changes made through this instance are announced to {@link TenantService.onChange} listeners.
 */
export class TenantService implements TenantAccess {
  readonly file: string;
  private readonly store: TenantsFileStore;
  private readonly keychain: Keychain;
  private readonly local?: LocalTenantConfig;
  private readonly localCreatedAt: string;
  private readonly probeTimeoutMs: number;
  private readonly now: () => Date;
  private readonly audit?: () => TenantAuditRecorder;
  private readonly gate?: () => TenantGate;
  private readonly listeners = new Set<(list: TenantList) => void>();
  private readonly clients = new Map<string, { key: string; client: Authsignal }>();

  constructor(options: TenantServiceOptions) {
    this.store = new TenantsFileStore(options.dataDir, Math.max(2000, options.lockStaleMs ?? 5000));
    this.file = this.store.file;
    this.keychain = options.keychain;
    this.local = options.localTenant;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
    this.audit = options.audit;
    this.gate = options.gate;
    this.localCreatedAt = this.now().toISOString();
  }

  /** Calls `listener` with the new list after every change made through this service. */
  onChange(listener: (list: TenantList) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every profile (the local tenant first, when there is one) and which one is active. */
  async list(): Promise<TenantList> {
    const file = await this.store.read();
    const secrets = file.profiles.length > 0 ? await this.keychain.entries() : new Map<string, string>();
    const activeId = this.activeIdOf(file);
    const tenants: TenantSummary[] = [];
    if (this.local) tenants.push(toSummary(this.localProfile(), { active: activeId === LOCAL_TENANT_ID, secret: this.local.secret, kind: 'local' }));
    for (const p of file.profiles) tenants.push(toSummary(p, { active: p.id === activeId, secret: secrets.get(p.id) ?? null }));
    return { tenants, activeId };
  }

  /** One profile's summary. */
  async get(id: string): Promise<TenantSummary> {
    const found = (await this.list()).tenants.find((t) => t.id === id);
    if (!found) throw this.notFound(id);
    return found;
  }

  /** Finds a profile by id, or by name (case-insensitive), for people who type names. */
  async resolve(ref: string): Promise<TenantSummary> {
    const { tenants } = await this.list();
    const wanted = ref.trim();
    const found = tenants.find((t) => t.id === wanted) ?? tenants.find((t) => t.name.toLowerCase() === wanted.toLowerCase());
    if (!found) throw this.notFound(wanted);
    return found;
  }

  /**
   * Adds a profile. With `testFirst` (the default) the credentials are tried first and nothing is
   * saved if the test fails. The secret goes to the keychain before the profile is written, so a
   * keychain that is unavailable leaves no half-saved profile behind.
   */
  async add(request: TenantAddRequest): Promise<TenantSummary> {
    const input = TenantAddInput.parse(request);
    const location = input.region ? { region: input.region } : { apiUrl: apiUrlOf({ apiUrl: input.apiUrl }) };
    // SECURITY: the entry is built field by field from the parsed input; the secret is never passed.
    const details = { name: input.name, ...location, tenantId: input.tenantId, testFirst: input.testFirst, makeActive: input.makeActive };
    // The profile id exists only once it is allocated under the lock; a failure before that (a
    // taken name, a failed connection test) is still recorded, against no profile.
    let allocated = false;
    try {
      // Fail on a taken name before spending a network round trip (checked again under the lock).
      this.assertNameFree(await this.store.read(), input.name);
      if (input.testFirst) {
        await this.probe(apiUrlOf(location), input.secret).catch((error: AppError) => {
          throw refuse(error, 'Nothing was saved');
        });
      }
      const id = await this.store.exclusive(async () => {
        const file = await this.store.read();
        this.assertNameFree(file, input.name);
        const id = uniqueId(slugify(input.name), file);
        allocated = true;
        const at = this.now().toISOString();
        const profile: TenantProfile = { id, name: input.name, ...location, tenantId: input.tenantId, createdAt: at, updatedAt: at };
        await this.audited('tenant.add', { id, name: input.name }, details, async () => {
          await this.keychain.set(id, input.secret);
          try {
            await this.store.write({ ...file, profiles: [...file.profiles, profile], activeId: input.makeActive ? id : file.activeId });
          } catch (error) {
            await this.keychain.delete(id).catch(() => false);
            throw error;
          }
        });
        return id;
      });
      this.emit();
      return await this.get(id);
    } catch (error) {
      if (!allocated) await this.recordRefusal('tenant.add', null, details, error);
      throw error;
    }
  }

  /** Renames a profile (its id, and so its keychain entry, stays the same). */
  async rename(id: string, name: string): Promise<TenantSummary> {
    const tenant = await this.auditTenantOf(id);
    return this.audited('tenant.rename', tenant, { from: tenant.name, to: name }, async () => {
      const newName = TenantName.parse(name);
      this.assertNotLocal(id, 'renamed');
      await this.mutate((file) => {
        const profile = this.profileIn(file, id);
        this.assertNameFree(file, newName, id);
        return { ...file, profiles: file.profiles.map((p) => (p === profile ? { ...p, name: newName, updatedAt: this.now().toISOString() } : p)) };
      });
      return this.get(id);
    });
  }

  /** Makes a profile the one the console works on (`local` selects the built-in local tenant). */
  async setActive(id: string): Promise<TenantList> {
    const tenant = await this.auditTenantOf(id);
    const from = await this.store.read().then((file) => this.activeIdOf(file), () => null);
    return this.audited('tenant.switch', tenant, { from }, async () => {
      // SECURITY: an agent cannot switch to a tenant the policy does not allow (CLI and console alike).
      await this.gate?.().requireTenantAllowed(tenant, 'switch');
      if (id === LOCAL_TENANT_ID) {
        if (!this.local) throw this.notFound(id);
        await this.mutate((file) => ({ ...file, activeId: null }));
      } else {
        await this.mutate((file) => ({ ...file, activeId: this.profileIn(file, id).id }));
      }
      return this.list();
    });
  }

  /** Replaces a profile's secret; by default only after the new secret passed a connection test. */
  async rotateSecret(id: string, secret: string, testFirst = true): Promise<TenantSummary> {
    const tenant = await this.auditTenantOf(id);
    // SECURITY: only whether it was tested and the new secret's short fingerprint (what the console
    // shows) are recorded, never the secret: auditors can tell which secret went in, nobody can use it.
    return this.audited(
      'tenant.rotate',
      tenant,
      { testFirst },
      async () => {
        const newSecret = TenantSecret.parse(secret);
        this.assertNotLocal(id, 'given a new secret');
        const profile = this.profileIn(await this.store.read(), id);
        if (testFirst) {
          await this.probe(apiUrlOf(profile), newSecret).catch((error: AppError) => {
            throw refuse(error, 'The old secret was kept');
          });
        }
        await this.mutate(async (file) => {
          const current = this.profileIn(file, id);
          await this.keychain.set(id, newSecret);
          this.clients.delete(id);
          return { ...file, profiles: file.profiles.map((p) => (p === current ? { ...p, updatedAt: this.now().toISOString() } : p)) };
        });
        return this.get(id);
      },
      (summary) => ({ details: { fingerprint: summary.secretFingerprint ?? null } }),
    );
  }

  /** Removes a profile and its keychain entry. The keychain goes first: no orphaned secret is left. */
  async remove(id: string): Promise<TenantList> {
    const tenant = await this.auditTenantOf(id);
    return this.audited('tenant.remove', tenant, {}, async () => {
      this.assertNotLocal(id, 'removed');
      await this.mutate(async (file) => {
        this.profileIn(file, id);
        await this.keychain.delete(id);
        this.clients.delete(id);
        return { ...file, profiles: file.profiles.filter((p) => p.id !== id), activeId: file.activeId === id ? null : file.activeId };
      });
      return this.list();
    });
  }

  /**
   * Tests a saved profile (`{ id }`) or candidate credentials (`{ region | apiUrl, secret }`) with a
   * cheap authenticated Server API call. A connection that fails is a result (`ok: false` with the
   * error code and what to do), not an error; a missing profile or keychain is an error.
   */
  async test(request: TenantTestRequest): Promise<ConnectionTest> {
    const input = TenantTestInput.parse(request);
    const target = 'id' in input ? await this.credentialsOf(input.id) : { apiUrl: apiUrlOf(input), secret: input.secret };
    const started = performance.now();
    try {
      await this.probe(target.apiUrl, target.secret);
      const latencyMs = Math.round(performance.now() - started);
      return { ok: true, latencyMs, message: `Connected to ${new URL(target.apiUrl).host}: the secret and the region work (${latencyMs} ms).` };
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const failure = error as AppError;
      return { ok: false, latencyMs, code: failure.code, message: failure.message };
    }
  }

  /** The tenant the console works on, or null when none is (no profile active and no local tenant). */
  async activeTenant(): Promise<TenantInfo | null> {
    const file = await this.store.read();
    const id = this.activeIdOf(file);
    return id === null ? null : this.infoOf(file, id);
  }

  /** The SDK client of the active tenant; `not-found` with what to do when none is active. */
  async activeClient(): Promise<Authsignal> {
    const tenant = await this.activeTenant();
    if (!tenant) throw noActiveTenant();
    return this.clientFor(tenant.id);
  }

  /**
   * The SDK client of a profile, cached per profile and secret: building one per call would stack
   * axios interceptors (see `createAuthsignalClient`) and the secret is re-read from the keychain
   * each time, so a rotation made by the CLI is picked up by the app.
   */
  async clientFor(id: string): Promise<Authsignal> {
    // SECURITY: every lookup, change and coverage run gets its client here, so the policy's allowed
    // tenants and team-store requirement hold for all of them, whichever way the active tenant was set.
    const gate = this.gate?.();
    if (gate) await gate.requireTenantAllowed(await this.auditTenantOf(id), 'act');
    const { apiUrl, secret } = await this.credentialsOf(id);
    const key = `${apiUrl}\n${createHash('sha256').update(secret).digest('hex')}`;
    const cached = this.clients.get(id);
    if (cached?.key === key) return cached.client;
    const client = createAuthsignalClient({ apiUrl, secret });
    this.clients.set(id, { key, client });
    return client;
  }

  /**
   * Runs `fn` with the client of a tenant (the active one by default) and maps any SDK failure to
   * an AppError that names the host and never the secret. The helper other services use.
   */
  async withClient<T>(fn: (client: Authsignal, tenant: TenantInfo) => Promise<T>, id?: string): Promise<T> {
    const tenant = id === undefined ? await this.activeTenant() : this.infoOf(await this.store.read(), id);
    if (!tenant) throw noActiveTenant();
    const client = await this.clientFor(tenant.id);
    return withAuthsignal(() => fn(client, tenant), { apiUrl: tenant.apiUrl, secret: client.apiSecretKey });
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * Runs a change through the audit log's `record`: refused up front when the log cannot record
   * (fail closed: no unrecorded change), then recorded with its outcome, ok or error.
   */
  private audited<T>(
    action: TenantAuditAction,
    tenant: AuditTenant | null,
    details: Record<string, unknown>,
    run: () => Promise<T>,
    finish?: (value: T) => { details: Record<string, unknown> },
  ): Promise<T> {
    const audit = this.audit?.();
    return audit ? audit.record({ action, tenant, details }, run, finish) : run();
  }

  /** Records a change refused before it touched anything; the refusal itself is what is reported. */
  private async recordRefusal(action: TenantAuditAction, tenant: AuditTenant | null, details: Record<string, unknown>, error: unknown): Promise<void> {
    await this.audit?.()
      .append({ action, tenant, details, error })
      .catch(() => undefined);
  }

  /** The `{ id, name }` an entry names; the id alone when the profile does not exist (the change will fail). */
  private async auditTenantOf(id: string): Promise<AuditTenant> {
    if (id === LOCAL_TENANT_ID && this.local) return { id, name: 'Local tenant' };
    const profile = await this.store.read().then((file) => file.profiles.find((p) => p.id === id), () => undefined);
    return { id, name: profile?.name ?? id };
  }

  private async credentialsOf(id: string): Promise<{ apiUrl: string; secret: string }> {
    if (id === LOCAL_TENANT_ID && this.local) return { apiUrl: this.local.apiUrl, secret: this.local.secret };
    const profile = this.profileIn(await this.store.read(), id);
    const secret = await this.keychain.get(id);
    if (secret === null) {
      throw new AppError('unauthorized', `The keychain holds no secret for "${profile.name}". Set one with authdesk tenant rotate ${id} (or in Settings).`);
    }
    return { apiUrl: apiUrlOf(profile), secret };
  }

  /** One cheap authenticated call; throws an AppError saying what failed (`unavailable` on timeout). */
  private async probe(apiUrl: string, secret: string): Promise<void> {
    const client = createAuthsignalClient({ apiUrl, secret });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new AppError('unavailable', `${new URL(apiUrl).host} did not answer within ${Math.round(this.probeTimeoutMs / 1000)} s. Check the API URL and your network, then try again.`));
      }, this.probeTimeoutMs);
    });
    try {
      await withAuthsignal(() => Promise.race([client.getUser({ userId: PROBE_USER_ID }), timeout]), { apiUrl, secret });
    } finally {
      clearTimeout(timer);
    }
  }

  private localProfile(): TenantProfile {
    const local = this.local as LocalTenantConfig;
    return { id: LOCAL_TENANT_ID, name: 'Local tenant', apiUrl: local.apiUrl, tenantId: local.tenantId, createdAt: this.localCreatedAt, updatedAt: this.localCreatedAt };
  }

  private infoOf(file: TenantsFile, id: string): TenantInfo {
    if (id === LOCAL_TENANT_ID && this.local) {
      return { id, name: 'Local tenant', kind: 'local', apiUrl: this.local.apiUrl, tenantId: this.local.tenantId };
    }
    const p = this.profileIn(file, id);
    const info: TenantInfo = { id: p.id, name: p.name, kind: 'remote', apiUrl: apiUrlOf(p), tenantId: p.tenantId };
    if (p.region) info.region = p.region;
    return info;
  }

  /** The saved active id if it still exists, else the local tenant when there is one, else null. */
  private activeIdOf(file: TenantsFile): string | null {
    if (file.activeId && file.profiles.some((p) => p.id === file.activeId)) return file.activeId;
    return this.local ? LOCAL_TENANT_ID : null;
  }

  private profileIn(file: TenantsFile, id: string): TenantProfile {
    const profile = file.profiles.find((p) => p.id === id);
    if (!profile) throw this.notFound(id);
    return profile;
  }

  private notFound(ref: string): AppError {
    return new AppError('not-found', `There is no tenant "${ref}". List them with authdesk tenant list (or open Settings).`);
  }

  private assertNotLocal(id: string, verb: string): void {
    if (id === LOCAL_TENANT_ID) {
      throw new AppError('validation', `The local tenant is built into Authdesk and cannot be ${verb}. Add your own tenant instead.`);
    }
  }

  private assertNameFree(file: TenantsFile, name: string, exceptId?: string): void {
    const taken = file.profiles.some((p) => p.id !== exceptId && p.name.toLowerCase() === name.toLowerCase());
    if (taken || (this.local && name.toLowerCase() === 'local tenant')) {
      throw new AppError('conflict', `A tenant named "${name}" already exists. Pick another name.`);
    }
  }

  private async mutate(change: (file: TenantsFile) => TenantsFile | Promise<TenantsFile>): Promise<void> {
    await this.store.exclusive(async () => this.store.write(await change(await this.store.read())));
    this.emit();
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    // A failed re-list (e.g. the keychain just locked) must not fail the change that succeeded.
    this.list().then(
      (list) => this.listeners.forEach((l) => l(list)),
      () => undefined,
    );
  }
}

/** Wraps a failed pre-save test so the message says nothing was changed. */
function refuse(error: AppError, what: string): AppError {
  const hint = error.code === 'unavailable' ? ' To save it anyway, turn off the connection test (CLI: --no-test).' : '';
  return new AppError(error.code, `${what}: ${error.message}${hint}`, { cause: error, retryAfterSeconds: error.retryAfterSeconds });
}

function noActiveTenant(): AppError {
  return new AppError('not-found', 'No tenant is active. Add one (authdesk tenant add, or Settings in the app) or pick one with authdesk tenant use.');
}
