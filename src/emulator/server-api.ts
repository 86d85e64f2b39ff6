import type { Emu } from './context';
import type { Router } from './http';

/** Server API under /v1 (secret auth). TODO(#3) */
export function registerServerApi(_router: Router, _emu: Emu): void {}
