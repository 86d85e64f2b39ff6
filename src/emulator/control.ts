import type { Emu } from './context';
import type { Router } from './http';

/** Outbox, faults and dashboard under /__emulator. TODO(#3) */
export function registerControl(_router: Router, _emu: Emu): void {}
