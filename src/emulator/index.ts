import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { registerClientApi } from './routes/client';
import type { Emu } from './context';
import { registerControl } from './routes/control';
import { Faults } from './faults';
import { Router } from './http';
import { registerPrebuiltUi } from './routes/prebuilt-ui';
import { SnapshotFile } from './persistence';
import type { VerificationMethod } from '@shared/domain/authsignal';
import { TENANT_VERIFICATION_METHODS } from './actions';
import { profileFromEnv, profileRules, type EmulatorProfile } from './profile';
import { seedStore } from './seeds';
import type { EmulatorOptions, FaultSettings } from './options';
import { createEmulatorServer } from './server';
import { registerServerApi } from './routes/server';
import { Store } from './store';
import { TokenService } from './tokens';

/**
 * The local tenant: an Authsignal-compatible emulator (Server API under /v1, Client API under
 * /v1/client, a pre-built UI stand-in, an outbox and fault injection), embedded in the desktop app
 * as the default tenant and used as the test bed.
 */

export type { EmulatorOptions, FaultSettings } from './options';

/** A running emulator. */
export interface RunningEmulator {
  /** Origin, e.g. http://127.0.0.1:4010 */
  readonly origin: string;
  /** Server API base URL with /v1, what @authsignal/node takes as apiUrl. */
  readonly apiUrl: string;
  /** Origin of the pre-built UI on the rpId hostname, e.g. http://localhost:4010 (same server). */
  readonly uiOrigin: string;
  /** WebAuthn relying party id. */
  readonly rpId: string;
  readonly tenantId: string;
  readonly secret: string;
  /** The live state, for tests and seeding scripts in the same process. */
  readonly store: Store;
  readonly faults: Faults;
  /** The profile this instance runs. */
  readonly profile: EmulatorProfile;
  /**
   * Switches the tenant's active verification methods (`GET /v1/authenticators`) at runtime; null
   * makes that route answer 404, so a client's fallback for an unreadable configuration is tested.
   */
  setActiveMethods(methods: readonly VerificationMethod[] | null): void;
  setFaults(faults: Partial<FaultSettings>): void;
  close(): Promise<void>;
}

/** Starts an emulator on 127.0.0.1 (unless told otherwise) and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const tenantId = options.tenantId ?? 'local-tenant';
  const secret = options.secret ?? `local_${randomBytes(24).toString('base64url')}`;
  const rules = profileRules(options.profile ?? profileFromEnv(process.env));
  const store = new Store();
  store.emailLookupIgnoresCase = rules.emailLookupIgnoresCase;
  // With --data, an existing snapshot wins and the seed is not applied again (it would duplicate
  // history); a new data file is seeded and written at once.
  const snapshots = options.dataFile ? new SnapshotFile(options.dataFile, store) : undefined;
  const loaded = snapshots ? await snapshots.load() : false;
  if (options.seed !== undefined && !loaded) seedStore(store, options.seed);
  const emu: Emu = {
    store,
    tokens: new TokenService(tenantId, options.tokenTtlSeconds),
    faults: new Faults(options.faults),
    rules,
    activeMethods: [...(options.activeMethods ?? TENANT_VERIFICATION_METHODS)],
    tenantId,
    secret,
    origin: '',
    rpId: options.rpId ?? 'localhost',
    uiOrigin: '',
    allowedOrigins: (options.allowedOrigins ?? []).map((o) => new URL(o).origin),
    changed: () => snapshots?.schedule(),
  };
  emu.faults.sendsRetryAfter = rules.sendsRetryAfter;
  if (snapshots && !loaded) snapshots.schedule();
  const router = new Router();
  registerServerApi(router, emu);
  registerClientApi(router, emu);
  registerPrebuiltUi(router, emu);
  registerControl(router, emu);
  const server = createEmulatorServer(emu, router);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  emu.origin = `http://${hostForUrl}:${address.port}`;
  emu.uiOrigin = `http://${emu.rpId}:${address.port}`;
  return {
    origin: emu.origin,
    apiUrl: `${emu.origin}/v1`,
    uiOrigin: emu.uiOrigin,
    rpId: emu.rpId,
    tenantId,
    secret,
    store,
    faults: emu.faults,
    profile: rules.profile,
    setActiveMethods: (methods) => void (emu.activeMethods = methods ? [...methods] : null),
    setFaults: (faults) => void emu.faults.set(faults),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await snapshots?.flush();
    },
  };
}
