/**
 * The local tenant: an Authsignal-compatible emulator (Server API under /v1, Client API under
 * /v1/client, a pre-built UI stand-in, an outbox and fault injection), embedded in the desktop app
 * as the default tenant and used as the test bed. TODO(#3): implementation.
 */
export interface EmulatorOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  tenantId?: string;
  /** Server API secret; generated when absent. */
  secret?: string;
  /** `demo` or a number of synthetic users. */
  seed?: 'demo' | number;
  /** Persist to this file (atomic snapshots); in memory when absent. */
  dataFile?: string;
  faults?: Partial<FaultSettings>;
}

/** Fault injection, changeable at runtime. */
export interface FaultSettings {
  latencyMs: number;
  jitterMs: number;
  /** Requests per second before 429 with Retry-After; 0 = unlimited. */
  rateLimit: number;
  /** Share of requests answered with a 5xx, 0..1. */
  errorRate: number;
  /** Share of requests whose connection is reset, 0..1. */
  resetRate: number;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Origin, e.g. http://127.0.0.1:4010 */
  readonly origin: string;
  /** Server API base URL with /v1, what @authsignal/node takes as apiUrl. */
  readonly apiUrl: string;
  readonly tenantId: string;
  readonly secret: string;
  setFaults(faults: Partial<FaultSettings>): void;
  close(): Promise<void>;
}

/** Starts an emulator. */
export function startEmulator(_options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return Promise.reject(new Error('TODO(#3): emulator not built yet'));
}
