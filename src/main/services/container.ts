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
}

/** All services. TODO(#2): tenants (vault). Each later domain adds its service here. */
export interface Services {
  readonly options: ServiceOptions;
  /** Stops background work (timers, servers) so the process can exit. */
  close(): Promise<void>;
}

/** Builds the container. */
export function createServices(options: ServiceOptions): Services {
  return { options, close: () => Promise.resolve() };
}
