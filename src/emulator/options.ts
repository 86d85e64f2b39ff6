import type { VerificationMethod } from '@shared/domain/authsignal';
import type { EmulatorProfile } from './profile';

/**
 * The emulator's options and fault settings: a leaf module (types only, from other leaves), so
 * route modules, the fault injector and the entry point can all name these types without
 * importing each other.
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
  /**
   * Persist to this file (atomic snapshots, debounced after changes and on close); in memory when
   * absent. An existing file is loaded at start and `seed` is then ignored.
   */
  dataFile?: string;
  faults?: Partial<FaultSettings>;
  /** Token lifetime (default 600 s); tests shorten it to prove expiry. */
  tokenTtlSeconds?: number;
  /**
   * WebAuthn relying party id (default `localhost`). The pre-built UI is served on this hostname
   * (`uiOrigin`), because an IP address can never be an rpID and WebAuthn needs a secure context,
   * which `http://localhost` is.
   */
  rpId?: string;
  /**
   * Page origins trusted besides the pre-built UI's own (e.g. Authdesk's enroll page): they may run
   * WebAuthn ceremonies against this tenant, frame the pre-built UI and receive its popup messages.
   */
  allowedOrigins?: string[];
  /**
   * Which reading of Authsignal's undocumented behaviours to take: `default` (generous) or
   * `strict` (least favourable to a client). When absent, AUTHDESK_EMULATOR_PROFILE decides, so a
   * test pass and the embedded local tenant can be switched without touching their code.
   */
  profile?: EmulatorProfile;
  /** The verification methods the tenant has switched on (default: every method Authdesk uses). */
  activeMethods?: readonly VerificationMethod[];
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
