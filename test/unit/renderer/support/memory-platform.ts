import { createHash } from 'node:crypto';
import { AppError, type ErrorInfo } from '../../../../src/shared/errors';
import type { TenantSummary } from '../../../../src/shared/domain/tenant';
import { CHANNEL_NAMES, type ChannelName, type ChannelOutput, type EventName } from '../../../../src/shared/ipc';
import { createRouter, type Handlers } from '../../../../src/main/ipc/router';
import type { Platform } from '../../../../src/renderer/console/platform/platform';
import { createPlatform } from '../../../../src/renderer/console/platform/transport';
import { lazyAuditSettingsHandlers } from './audit-services';
import { unservedHelpdeskHandlers } from './service-platform';

type TenantList = ChannelOutput<'tenants:list'>;

/** A profile to start with; the secret (if any) is kept apart, like the keychain. */
export interface SeedTenant extends Partial<Omit<TenantSummary, 'active'>> {
  name: string;
  secret?: string;
}

/** One call as the renderer sent it (before the router parsed it). */
export interface RecordedCall {
  channel: ChannelName;
  input: unknown;
}

/**
 * An in-memory host for component tests: the REAL router (so inputs are parsed by the real zod
 * schemas and validation issues carry real paths) over in-memory tenant handlers that behave like
 * the vault (the secret is kept apart and only its fingerprint leaves), plus hooks to hold a call
 * open (loading states) or make it fail (error states).
 */
export interface MemoryPlatform {
  platform: Platform;
  /** Every call, in order. */
  calls: RecordedCall[];
  /** Secrets "in the keychain", by profile id (so a test can prove they went to main). */
  secrets: Map<string, string>;
  /** Answers the next call of `channel` with this error instead of running it. */
  failNext(channel: ChannelName, error: ErrorInfo): void;
  /** Holds calls of `channel` until the returned function is called. */
  hold(channel: ChannelName): () => void;
  /** Pushes an event, as main does when another window or the CLI changes something. */
  emit(event: EventName, payload: unknown): void;
  /** Links opened with openExternal. */
  opened: string[];
}

const REGION_URLS: Record<string, string> = {
  us: 'https://api.authsignal.com/v1',
  eu: 'https://eu.api.authsignal.com/v1',
  au: 'https://au.api.authsignal.com/v1',
  ca: 'https://ca.api.authsignal.com/v1',
  uk: 'https://uk.api.authsignal.com/v1',
};

/** Secrets every test tenant "accepts"; anything else is refused like a 401. */
export const GOOD_SECRET = 'sk_test_memory_good_secret_value';

/** Like the vault: the first 8 hex chars of SHA-256 of the secret. */
export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 8);
}

/** Builds a fresh in-memory platform; `seed` lists the starting profiles, the first one active. */
export function createMemoryPlatform(seed: SeedTenant[] = [], activeIndex = 0): MemoryPlatform {
  const now = '2026-01-02T03:04:05.000Z';
  const secrets = new Map<string, string>();
  const profiles: Omit<TenantSummary, 'active' | 'secretFingerprint'>[] = [];
  let nextId = 1;
  for (const t of seed) {
    const id = t.id ?? `p${nextId++}`;
    profiles.push({
      id,
      name: t.name,
      kind: t.kind ?? 'remote',
      region: t.region,
      apiUrl: t.apiUrl ?? REGION_URLS[t.region ?? 'us'],
      tenantId: t.tenantId ?? `tenant-${id}`,
      createdAt: t.createdAt ?? now,
      updatedAt: t.updatedAt ?? now,
      hasSecret: t.secret !== undefined,
    });
    if (t.secret !== undefined) secrets.set(id, t.secret);
  }
  let activeId: string | null = profiles[activeIndex]?.id ?? null;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const failures = new Map<string, ErrorInfo>();
  const holds = new Map<string, Promise<void>>();
  const calls: RecordedCall[] = [];
  const opened: string[] = [];

  const summary = (id: string): TenantSummary => {
    const p = profiles.find((x) => x.id === id);
    if (!p) throw new AppError('not-found', 'That tenant no longer exists. Refresh the list.');
    const secret = secrets.get(id);
    return { ...p, hasSecret: secret !== undefined, active: id === activeId, secretFingerprint: secret ? fingerprint(secret) : undefined };
  };
  const list = (): TenantList => ({ tenants: profiles.map((p) => summary(p.id)), activeId });
  const emit = (event: EventName, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload));
  const changed = () => emit('tenants:list-changed', list());
  const refuse = () => {
    throw new AppError('unauthorized', 'Authsignal refused the secret. Check the secret and the region (or API URL), then try again.');
  };

  // Channels other domains add later answer `unavailable` here, so this host keeps compiling as the
  // channel list grows; tenant views never call them.
  const others = Object.fromEntries(
    CHANNEL_NAMES.map((name) => [
      name,
      () => {
        throw new AppError('unavailable', `${name} is not part of the in-memory tenant host.`);
      },
    ]),
  ) as unknown as Handlers;
  const handlers: Handlers = {
    ...others,
    'app:info': () => ({ version: '0.0.0-test', platform: 'test', localTenant: profiles.some((p) => p.kind === 'local') }),
    'tenants:list': () => list(),
    'tenants:add': (input) => {
      if (input.testFirst && input.secret !== GOOD_SECRET) refuse();
      const id = `p${nextId++}`;
      profiles.push({
        id,
        name: input.name,
        kind: 'remote',
        region: input.region,
        apiUrl: input.apiUrl ?? REGION_URLS[input.region ?? 'us'],
        tenantId: input.tenantId,
        createdAt: now,
        updatedAt: now,
        hasSecret: true,
      });
      secrets.set(id, input.secret);
      if (input.makeActive) activeId = id;
      changed();
      return summary(id);
    },
    'tenants:rename': ({ id, name }) => {
      const p = profiles.find((x) => x.id === id);
      if (!p) throw new AppError('not-found', 'That tenant no longer exists. Refresh the list.');
      p.name = name;
      changed();
      return summary(id);
    },
    'tenants:set-active': ({ id }) => {
      if (!profiles.some((x) => x.id === id)) throw new AppError('not-found', 'That tenant no longer exists. Refresh the list.');
      activeId = id;
      changed();
      return list();
    },
    'tenants:rotate-secret': ({ id, secret, testFirst }) => {
      if (testFirst && secret !== GOOD_SECRET) refuse();
      secrets.set(id, secret);
      changed();
      return summary(id);
    },
    'tenants:test': (input) => {
      const secret = 'id' in input ? secrets.get(input.id) : input.secret;
      return secret === GOOD_SECRET
        ? { ok: true, latencyMs: 42, message: 'Connected.' }
        : { ok: false, latencyMs: 40, message: 'Authsignal refused the secret. Check the secret and the region.' };
    },
    'tenants:remove': ({ id }) => {
      const i = profiles.findIndex((x) => x.id === id);
      if (i === -1) throw new AppError('not-found', 'That tenant no longer exists. Refresh the list.');
      profiles.splice(i, 1);
      secrets.delete(id);
      if (activeId === id) activeId = profiles[0]?.id ?? null;
      changed();
      return list();
    },
    // The audit log and settings: the real services over a throwaway data dir.
    ...lazyAuditSettingsHandlers((id) => profiles.find((p) => p.id === id)?.name),
    // The helpdesk channels need a real tenant: their tests use service-platform.ts.
    ...unservedHelpdeskHandlers,
  };
  const router = createRouter(handlers);

  const platform = createPlatform({
    kind: 'test',
    async call(channel, input) {
      calls.push({ channel, input });
      const gate = holds.get(channel);
      if (gate) await gate;
      const failure = failures.get(channel);
      if (failure) {
        failures.delete(channel);
        return { ok: false, error: failure };
      }
      // A round trip through JSON, as over IPC: nothing but data crosses.
      return JSON.parse(JSON.stringify(await router.handle(channel, input, { transport: 'test' }))) as never;
    },
    subscribe(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => void set.delete(listener);
    },
    openExternal(url) {
      opened.push(url);
      return url.startsWith('https://');
    },
  });

  return {
    platform,
    calls,
    secrets,
    opened,
    emit,
    failNext: (channel, error) => void failures.set(channel, error),
    hold(channel) {
      let release!: () => void;
      holds.set(
        channel,
        new Promise<void>((r) => (release = r)),
      );
      return () => {
        holds.delete(channel);
        release();
      };
    },
  };
}
