import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientBase } from 'pg';

/** Schema the team store lives in; node-pg-migrate keeps its own bookkeeping table there too. */
export const TEAM_SCHEMA = 'authdesk';

/**
 * The migration files: next to this module in the source tree (tests, tsx), or copied beside the
 * bundle as `team-migrations/` by electron.vite.config.ts (the built app and CLI).
 */
export function migrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'migrations'), join(here, 'team-migrations'), join(here, '..', 'team-migrations')];
  const found = candidates.find((dir) => existsSync(join(dir, '0001_team-store.sql')));
  if (!found) throw new Error(`The team store migrations are missing (looked in ${candidates.join(', ')}). Rebuild Authdesk.`);
  return found;
}

/**
 * Brings the schema up to date with node-pg-migrate (versioned SQL files, applied in order, each in
 * its own transaction, under an advisory lock so two `team init` runs at once do not race).
 * Resolves with the names of the migrations it applied: none when the schema was already current.
 */
export async function migrateUp(client: ClientBase): Promise<string[]> {
  // Loaded only here: every other command (and the app's start) skips the migrator and its dependencies.
  const { runner } = await import('node-pg-migrate');
  const applied = await runner({
    dbClient: client,
    dir: migrationsDir(),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    migrationsSchema: TEAM_SCHEMA,
    createMigrationsSchema: true,
    schema: TEAM_SCHEMA,
    createSchema: true,
    checkOrder: true,
    // SECURITY: nothing logged to the console; the CLI prints what was applied itself.
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    advisoryLockMode: 'wait',
  });
  return applied.map((m) => m.name);
}
