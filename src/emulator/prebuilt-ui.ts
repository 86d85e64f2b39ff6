import type { Emu } from './context';
import type { Router } from './http';

/** Pre-built UI stand-in pages. TODO(#3) */
export function registerPrebuiltUi(_router: Router, _emu: Emu): void {}
