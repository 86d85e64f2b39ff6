import { createKeychain } from './keychain';
import { TenantService, type LocalTenantConfig } from './tenants.service';

/**
 * The service container: everything main does, in plain Node, built once per process. The Electron
 * shell, the browser harness and the CLI all build the same container and serve it through the
 * same router.
 */
export interface ServiceOptions {
  /** Data dir (profiles, audit log, checkpoints). See `resolveDataDir()`. */
  dataDir: string;
  /** Keychain service name (default `authdesk`). */
  keychainService: string;
  appVersion: string;
  /**
   * The built-in local tenant (the embedded emulator the app shell starts). It appears as profile
   * `local`, is active when no other tenant is, and its secret stays in memory.
   */
  localTenant?: LocalTenantConfig;
}

/** All services. Each domain adds its service here. */
export interface Services {
  readonly options: ServiceOptions;
  /** The tenant vault: profiles, keychain secrets, SDK clients of the active tenant. */
  readonly tenants: TenantService;
  /** Stops background work (timers, servers) so the process can exit. */
  close(): Promise<void>;
}

/** Builds the container. */
export function createServices(options: ServiceOptions): Services {
  const tenants = new TenantService({ dataDir: options.dataDir, keychain: createKeychain(options.keychainService), localTenant: options.localTenant });
  return { options, tenants, close: () => Promise.resolve() };
}
