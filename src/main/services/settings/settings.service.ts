import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AuditTenant } from '@shared/domain/audit';
import {
  ActionCode,
  AgentName,
  DEFAULT_ENROLLMENT_ACTION_CODE,
  DEFAULT_STALE_AFTER_DAYS,
  Settings,
  StaleAfterDays,
  TenantPolicy,
  defaultSettings,
  policyOf,
  type SettingsPatch,
  type SettingsView,
} from '@shared/domain/settings';
import { AppError } from '@shared/errors';
import { readJsonFile, writeJsonAtomic } from '../platform/atomic-file';
import type { AuditRecorderSink } from '../audit/ports';
import type { AdminGate } from '../policy/ports';
import { sha256Of, type SettingsSeal } from './settings-seal';

/** The settings file, in the data dir. */
export const SETTINGS_FILE = 'settings.json';
const FILE_VERSION = 1;

/**
 * The file as read: each field falls back to its default on its own, so one bad value (a hand
 * edit) does not throw away the rest. A fallback to the default is always the safe direction:
 * caller verification back on.
 */
const SettingsFileLenient = z.object({
  agentName: AgentName.nullable().catch(null),
  staleAfterDays: StaleAfterDays.catch(DEFAULT_STALE_AFTER_DAYS),
  enrollmentActionCode: ActionCode.catch(DEFAULT_ENROLLMENT_ACTION_CODE),
  tenantPolicies: z.record(z.string(), TenantPolicy).catch({}),
});
const SettingsFileStrict = z.object({
  version: z.literal(FILE_VERSION),
  agentName: AgentName.nullable(),
  staleAfterDays: StaleAfterDays,
  enrollmentActionCode: ActionCode,
  tenantPolicies: z.record(z.string(), TenantPolicy),
});

/** The parsed form of a `settings:update` input. */
export type SettingsPatchParsed = z.output<typeof SettingsPatch>;

/** One changed setting, as recorded in the audit log. */
export interface SettingChange {
  setting: string;
  /** The tenant profile, for a tenant policy. */
  tenantId?: string;
  from: string | number | boolean | null;
  to: string | number | boolean | null;
}

/** How the settings service is built. */
export interface SettingsServiceOptions {
  dataDir: string;
  /** The audit log every change is recorded in (a thunk: the log itself reads the agent name here). */
  audit?: () => AuditRecorderSink;
  /** The settings as the app last wrote them, outside the file (tamper detection); none in unit tests. */
  seal?: SettingsSeal;
  /** Refuses weakening changes and confirmations to agents. */
  gate?: () => AdminGate;
  /** A tenant profile's name, or undefined when there is no such profile. */
  tenantName?: (id: string) => Promise<string | undefined>;
}

interface Loaded {
  settings: Settings;
  problem?: string;
  /** The file exists but is not JSON: moved aside on the next save instead of overwritten. */
  unreadable: boolean;
  /** The file was edited outside the app: what differs from the last confirmed settings. */
  external?: SettingChange[];
}

/**
 * The console's settings in `<dataDir>/settings.json` (written atomically): the agent name the
 * audit log shows, each tenant's policy (caller verification, on by default), the stale threshold
 * for coverage and the enrollment action code. Every change is recorded in the audit log.
 */
export class SettingsService {
  readonly file: string;
  private readonly audit?: () => AuditRecorderSink;
  private readonly seal?: SettingsSeal;
  private readonly gate?: () => AdminGate;
  private readonly tenantName?: (id: string) => Promise<string | undefined>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: SettingsServiceOptions) {
    this.file = join(options.dataDir, SETTINGS_FILE);
    this.audit = options.audit;
    this.seal = options.seal;
    this.gate = options.gate;
    this.tenantName = options.tenantName;
  }

  /** The settings with defaults filled in, and a note when the file could not be (fully) read. */
  async get(): Promise<SettingsView> {
    const { settings, problem, external } = await this.load();
    return { ...settings, ...(problem === undefined ? {} : { problem }), ...(external ? { externalChanges: external } : {}) };
  }

  /**
   * An admin accepts the settings file as it now is (after an edit outside the app): it is sealed
   * and takes effect, and the confirmation is recorded.
   */
  confirmExternal(): Promise<SettingsView> {
    const run = this.queue.then(async () => {
      await this.gate?.().requireAdmin('settings.confirm-external');
      const loaded = await this.load();
      if (!loaded.external || !this.seal) return this.get();
      const bytes = await readFile(this.file);
      const edited = this.parse(JSON.parse(bytes.toString('utf8')) as unknown).settings;
      const changes = loaded.external;
      await this.audit?.().record({ action: 'settings.external-confirm', details: { changes: changes.map((c) => ({ ...c })), sha256: sha256Of(bytes) } }, () =>
        this.seal!.write({ v: 1, sha256: sha256Of(bytes), settings: edited }),
      );
      return this.get();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The policy in force for a tenant profile (defaults when none was set). */
  async policyFor(tenantId: string): Promise<TenantPolicy> {
    return policyOf((await this.load()).settings, tenantId);
  }

  /**
   * The agent name for the audit log, or null. Never throws: an unreadable settings file must not
   * stop the log (the entry still names the OS user).
   */
  async agentName(): Promise<string | null> {
    try {
      return (await this.load(false)).settings.agentName;
    } catch {
      return null;
    }
  }

  /**
   * Applies a change, records it in the audit log (refused, and nothing saved, when the log cannot
   * record it) and saves atomically. A change to nothing is not saved or recorded.
   */
  update(patch: SettingsPatchParsed): Promise<SettingsView> {
    const run = this.queue.then(() => this.updateNow(patch));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateNow(patch: SettingsPatchParsed): Promise<SettingsView> {
    const loaded = await this.load();
    const before = loaded.settings;
    const next: Settings = {
      agentName: patch.agentName === undefined ? before.agentName : patch.agentName,
      staleAfterDays: patch.staleAfterDays ?? before.staleAfterDays,
      enrollmentActionCode: patch.enrollmentActionCode ?? before.enrollmentActionCode,
      tenantPolicies: { ...before.tenantPolicies },
    };
    const touchedTenants: string[] = [];
    for (const [id, policy] of Object.entries(patch.tenantPolicies ?? {})) {
      if (policy !== null && this.tenantName && (await this.tenantName(id)) === undefined) {
        throw new AppError('not-found', `There is no tenant profile "${id}". Pick a tenant from the list and try again.`);
      }
      const merged = policy === null ? null : stored({ ...policyOf(before, id), ...policy });
      // Only policies that differ from the default are stored, so the file shows what an admin changed
      // (a ticket required on its own is such a difference: it used to be dropped here, unsaved).
      if (merged === null) delete next.tenantPolicies[id];
      else next.tenantPolicies[id] = merged;
      touchedTenants.push(id);
    }
    const changes = diff(before, next, touchedTenants);
    if (changes.length === 0) return loaded.problem === undefined ? before : { ...before, problem: loaded.problem };
    // SECURITY: turning caller verification or the call ticket off is a security admin's decision when roles apply.
    if (changes.some((c) => /\.(requireCallerVerification|requireTicket)$/.test(c.setting) && c.to === false)) {
      await this.gate?.().requireAdmin('settings.weaken', tenantIdsOf(changes));
    }

    const save = async () => {
      if (loaded.unreadable) {
        // Keep the unreadable file for whoever wants to know what it held; never silently overwrite it.
        await rename(this.file, `${this.file}.unreadable-${Date.now()}`);
      }
      await writeJsonAtomic(this.file, { version: FILE_VERSION, ...next });
      await this.seal?.write({ v: 1, sha256: sha256Of(await readFile(this.file)), settings: next });
    };
    const tenantIds = [...new Set(changes.map((c) => c.tenantId))];
    let tenant: AuditTenant | null = null;
    if (tenantIds.length === 1 && tenantIds[0] !== undefined) {
      tenant = { id: tenantIds[0], name: (await this.tenantName?.(tenantIds[0])) ?? tenantIds[0] };
    }
    const audit = this.audit?.();
    if (audit) {
      await audit.record({ action: 'settings.update', tenant, details: { changes: changes.map((c) => ({ ...c })) } }, save);
    } else {
      await save();
    }
    return next;
  }

  /**
   * The settings in force: the file, unless it was edited outside the app since the app last wrote
   * it. Then (SECURITY) the last confirmed settings stay in force, with only the edit's stricter
   * parts taken (caller verification turned on), until an admin confirms; the edit is recorded once.
   */
  private async load(report = true): Promise<Loaded> {
    const loaded = await this.loadFile();
    if (!this.seal) return loaded;
    const bytes = await readFile(this.file).catch(() => null);
    const sealed = await this.seal.read();
    const digest = bytes === null ? 'absent' : sha256Of(bytes);
    if (!sealed) {
      // First run with a seal (or a new install): adopt what is there.
      if (bytes !== null && !loaded.unreadable) await this.seal.write({ v: 1, sha256: digest, settings: loaded.settings });
      return loaded;
    }
    if (sealed.sha256 === digest) return loaded;
    const good = sealed.settings;
    const edited = loaded.settings;
    const external = diff(good, edited, [...new Set([...Object.keys(good.tenantPolicies), ...Object.keys(edited.tenantPolicies)])]);
    if (external.length === 0) return loaded;
    const tenantPolicies: Settings['tenantPolicies'] = {};
    // Stricter parts of the edit apply at once, key by key: verification turned (back) on, a ticket required.
    for (const id of new Set([...Object.keys(good.tenantPolicies), ...Object.keys(edited.tenantPolicies)])) {
      const [was, now] = [policyOf(good, id), policyOf(edited, id)];
      const strictest = stored({ requireCallerVerification: was.requireCallerVerification || now.requireCallerVerification, requireTicket: was.requireTicket === true || now.requireTicket === true });
      if (strictest) tenantPolicies[id] = strictest;
    }
    // Not while the log itself asks for the agent name (that append is waiting on this read).
    if (report && sealed.reportedSha256 !== digest) {
      await this.seal.write({ ...sealed, reportedSha256: digest });
      await this.audit?.()
        .append({ action: 'settings.external-change', details: { changes: external.map((c) => ({ ...c })), sha256: digest, applied: 'stricter parts only, until an admin confirms' } })
        .catch(() => undefined);
    }
    return { settings: { ...good, tenantPolicies }, unreadable: loaded.unreadable, external, ...(loaded.problem ? { problem: loaded.problem } : {}) };
  }

  private async loadFile(): Promise<Loaded> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.file);
    } catch (error) {
      if (error instanceof SyntaxError) {
        return {
          settings: defaultSettings(),
          unreadable: true,
          problem: 'The settings file could not be read, so the defaults are in use. Saving a change keeps the old file beside the new one.',
        };
      }
      throw new AppError('unavailable', `Authdesk could not read its settings file (${this.file}). Check the data folder's permissions.`, {
        cause: error,
      });
    }
    if (raw === undefined) return { settings: defaultSettings(), unreadable: false };
    return this.parse(raw);
  }

  private parse(raw: unknown): Loaded {
    const strict = SettingsFileStrict.safeParse(raw);
    const lenient = SettingsFileLenient.safeParse(typeof raw === 'object' && raw !== null ? raw : {});
    const settings = Settings.parse(lenient.success ? lenient.data : defaultSettings());
    if (strict.success) return { settings, unreadable: false };
    const fields = [...new Set(strict.error.issues.map((i) => String(i.path[0] ?? 'file')).filter((f) => f !== 'version'))];
    return {
      settings,
      unreadable: false,
      ...(fields.length > 0 ? { problem: `Some settings were not valid and their defaults are in use: ${fields.join(', ')}.` } : {}),
    };
  }
}

/** The settings that differ, one line per leaf. */
function diff(before: Settings, after: Settings, tenants: readonly string[]): SettingChange[] {
  const changes: SettingChange[] = [];
  for (const key of ['agentName', 'staleAfterDays', 'enrollmentActionCode'] as const) {
    if (before[key] !== after[key]) changes.push({ setting: key, from: before[key], to: after[key] });
  }
  for (const id of tenants) {
    const from = policyOf(before, id).requireCallerVerification;
    const to = policyOf(after, id).requireCallerVerification;
    if (from !== to) changes.push({ setting: `tenantPolicies.${id}.requireCallerVerification`, tenantId: id, from, to });
    const [ticketFrom, ticketTo] = [policyOf(before, id).requireTicket === true, policyOf(after, id).requireTicket === true];
    if (ticketFrom !== ticketTo) changes.push({ setting: `tenantPolicies.${id}.requireTicket`, tenantId: id, from: ticketFrom, to: ticketTo });
  }
  return changes;
}

/** A tenant policy as stored: null when it is the default (nothing to store), `requireTicket` only when on. */
function stored(policy: TenantPolicy): TenantPolicy | null {
  if (policy.requireCallerVerification && policy.requireTicket !== true) return null;
  return { requireCallerVerification: policy.requireCallerVerification, ...(policy.requireTicket === true ? { requireTicket: true } : {}) };
}

function tenantIdsOf(changes: SettingChange[]): { id: string; name: string } | null {
  const id = changes.find((c) => c.tenantId)?.tenantId;
  return id ? { id, name: id } : null;
}
