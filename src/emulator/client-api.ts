import type { Emu } from './context';
import type { Router } from './http';

/** Client API under /v1/client (user token or tenant auth). TODO(#3) */
export function registerClientApi(_router: Router, _emu: Emu): void {}
