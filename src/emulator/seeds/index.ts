import type { Store } from '../store';
import { DEMO, seedDemo } from './demo';
import { seedSynthetic } from './synthetic';

/**
 * Seed data for the local tenant.
 *
 * `demo`: 26 hand-written users covering every situation a helpdesk meets. Their ids, emails,
 * phones and usernames are stable (other engineers' tests look them up): see {@link DEMO_USERS}.
 * Timestamps are relative to the seeding time, so "stale" and "recent" stay true.
 *
 * `N`: N synthetic users from a seeded PRNG, so the same N (and `now`) always gives the same
 * tenant: a realistic mix of no authenticator, phishable-only methods, passkeys and stale ones.
 */

/** Options for {@link seedStore}. */
export interface SeedOptions {
  /** The seeding time, epoch ms (default: now). Fix it to make two seedings identical. */
  now?: number;
  /** PRNG seed for synthetic users (default 20240513). */
  prngSeed?: number;
}

export { AAGUIDS } from './devices';
export { DEMO_USERS, type DemoUserSummary } from './demo';

/**
 * Seeds the store: `demo` (the {@link DEMO_USERS}) or N synthetic users. Adds to whatever the
 * store holds. Returns how many users were written.
 */
export function seedStore(store: Store, seed: 'demo' | number, options: SeedOptions = {}): { users: number } {
  const now = options.now ?? Date.now();
  const prngSeed = options.prngSeed ?? 20240513;
  if (seed === 'demo') {
    seedDemo(store, now, prngSeed);
    return { users: DEMO.length };
  }
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError('seed must be "demo" or a non-negative whole number of users');
  seedSynthetic(store, seed, now, prngSeed);
  return { users: seed };
}
