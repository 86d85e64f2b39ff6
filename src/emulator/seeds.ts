import type { Store } from './store';

/** Seeds the store: `demo` (about 25 realistic users) or N synthetic users. TODO(#3) */
export function seedStore(_store: Store, _seed: 'demo' | number): void {}
