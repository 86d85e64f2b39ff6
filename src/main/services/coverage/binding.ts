import { CoverageRunOptions, type CoverageRunSettings } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';
import type { StartRecord } from './checkpoint';
import type { InputFacts } from './input';

/**
 * What a run is bound to: the tenant it reads, the input it reads (by content hash) and the options
 * it was started with. A resume that differs in any of them would mix two runs in one report (rows
 * of another tenant, of another list, or judged by another rule), so it is refused with a message
 * that names both sides: what the run was started with, and what this resume asks for.
 */

/** The tenant a run reads, as recorded in its start record (never the secret). */
export interface RunTenant {
  id: string | null;
  name: string | null;
  host: string;
}

/** The CLI flag of each option, so a refusal says what to type. */
const FLAG: Record<keyof CoverageRunSettings, string> = {
  staleDays: '--stale-days',
  concurrencyMax: '--concurrency-max',
  rateLimit: '--rate-limit',
  by: '--by',
  column: '--column',
  withProfile: '--with-profile',
};

const describeTenant = (t: RunTenant) => (t.id === null ? `the tenant at ${t.host}` : `tenant "${t.name ?? t.id}" (${t.id}, ${t.host})`);

/** Refuses resuming a run against another tenant than the one it started with. */
export function checkTenant(start: StartRecord, now: RunTenant): void {
  const was = start.tenant;
  const sameId = was.id === null || now.id === null || was.id === now.id;
  if (sameId && was.host === now.host) return;
  // SECURITY: a resume against another tenant would write that tenant's users into a report (and an
  // evidence pack) that names the first one.
  throw new AppError(
    'conflict',
    `This run reads ${describeTenant(was)}, but the tenant now is ${describeTenant(now)}. Switch back (authdesk tenant use ${was.id ?? '<id>'}, or pass --tenant ${was.id ?? '<id>'}), then resume; or start a new run with another --out.`,
  );
}

/** Refuses resuming over an input whose content differs from the one the run started with. */
export function checkInput(start: StartRecord, inputPath: string, now: InputFacts): void {
  const was = start.input;
  if (was.sha256 === now.sha256) return;
  throw new AppError(
    'conflict',
    `The input file changed since this run started, so resuming would mix two lists: the run started over ${was.path} (${was.rows} rows, sha256 ${was.sha256.slice(0, 12)}…), ${inputPath} now has ${now.rows} rows, sha256 ${now.sha256.slice(0, 12)}…. Resume with the original input, or start a new run with another --out.`,
  );
}

/**
 * Refuses resuming with options that differ from the run's. Only the options this resume sets are
 * compared: a resume that names none continues with the run's own.
 */
export function checkOptions(start: StartRecord, asked: CoverageRunOptions | undefined): void {
  if (asked === undefined) return;
  const given = Object.fromEntries(Object.entries(asked).filter(([, v]) => v !== undefined)) as CoverageRunOptions;
  const parsed = CoverageRunOptions.safeParse(given);
  if (!parsed.success) throw new AppError('validation', 'The options of this resume are not valid coverage options.');
  const was = start.settings;
  for (const key of Object.keys(given) as Array<keyof CoverageRunSettings>) {
    const now = parsed.data[key];
    if (now === was[key]) continue;
    const show = (v: string | number | boolean | undefined) => (v === undefined ? 'not set' : `${FLAG[key]} ${String(v)}`);
    throw new AppError(
      'conflict',
      `This run was started with ${show(was[key])}; this resume asks for ${show(now)}. Resume with the run's options (leave ${FLAG[key]} out), or start a new run with another --out.`,
    );
  }
}
