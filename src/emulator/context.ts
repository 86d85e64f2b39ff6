import type { Faults } from './faults';
import type { VerificationMethod } from '@shared/domain/authsignal';
import type { ProfileRules } from './profile';
import type { Store } from './store';
import type { TokenService } from './tokens';

/** Everything a route module needs: the state, the tenant's identity, tokens and faults. */
export interface Emu {
  readonly store: Store;
  readonly tokens: TokenService;
  readonly faults: Faults;
  readonly tenantId: string;
  readonly secret: string;
  /** Set once the server listens, e.g. http://127.0.0.1:4010 */
  origin: string;
  /** WebAuthn relying party id (a hostname, never an IP address). */
  readonly rpId: string;
  /** Origin of the pre-built UI on the rpId hostname, e.g. http://localhost:4010 (set once listening). */
  uiOrigin: string;
  /** Trusted page origins besides uiOrigin: WebAuthn expected origins, frame ancestors, popup targets. */
  readonly allowedOrigins: readonly string[];
  /** Which reading of Authsignal's undocumented behaviours this instance takes (see profile.ts). */
  readonly rules: ProfileRules;
  /**
   * The methods the tenant has switched on (what `GET /v1/authenticators` lists as active); tests
   * change it to prove a client offers only those.
   */
  /** null: `GET /authenticators` answers 404, as an API that does not list its configuration. */
  activeMethods: readonly VerificationMethod[] | null;
  /** Called after every state change, for `--data` persistence (debounced by the caller). */
  changed(): void;
}
