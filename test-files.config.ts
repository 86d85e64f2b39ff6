import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Integration files that never start or reach an emulator (the team store, the audit log, the
 * keychain, file locks): the strict profile cannot change what they do, so the strict runs
 * (integration-strict in `npm test`, the strict project of mutation testing) leave them out. Found
 * by reading the files, so a test that starts using the emulator joins the strict runs by itself.
 */
export function emulatorFreeIntegrationFiles(): string[] {
  const dir = 'test/integration';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .filter((f) => !/emulator/i.test(readFileSync(f, 'utf8')));
}
