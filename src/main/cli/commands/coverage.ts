import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { METHOD_LABELS, type VerificationMethod } from '@shared/domain/authsignal';
import type { CoverageProgress, CoverageSummary } from '@shared/domain/coverage';
import { exportReportJson } from '../../services/coverage/export';
import type { CoverageRunResult } from '../../services/coverage/run';
import { onFile } from '../../services/coverage/output-paths';
import type { CliContext } from '../context';
import { formatRecord, formatTable } from '../output';

/** Exit code of a run stopped by Ctrl+C (128 + SIGINT), as shells report it. */
export const EXIT_CANCELLED = 130;

function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

function positive(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`${name} must be a number above 0 and at most ${max}.`);
    return n;
  };
}

interface CoverageCommandOptions {
  input: string;
  out: string;
  resume?: boolean;
  staleDays?: number;
  concurrencyMax?: number;
  rateLimit?: number;
  by?: 'auto' | 'userId' | 'email';
  column?: string;
  withProfile?: boolean;
  tenant?: string;
  jsonOut?: string;
  force?: boolean;
}

const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

/** The human rendering of a finished (or stopped) run. */
export function summaryText(result: CoverageRunResult): string {
  const s: CoverageSummary = result.summary;
  const share = (n: number) => (s.users === 0 ? '-' : pct(n / s.users));
  const head = formatRecord([
    ['run', `${result.runId} (${result.state}${result.resumed ? ', resumed' : ''})`],
    ['report', result.outPath],
    ['rows', String(s.rows)],
    ['users read', String(s.users)],
    ['not found in Authsignal', String(s.notFound)],
    ['no authenticator', `${s.byCount.zero} (${share(s.byCount.zero)})`],
    ['one authenticator', `${s.byCount.one} (${share(s.byCount.one)})`],
    ['two or more', `${s.byCount.twoPlus} (${share(s.byCount.twoPlus)})`],
    ['phishing-resistant', `${s.phishingResistant} (${pct(s.phishingResistantShare)})`],
    ['phishable only', `${s.phishableOnly} (${share(s.phishableOnly)})`],
    [`stale (> ${s.staleDays} days)`, `${s.stale} (${share(s.stale)})`],
    ['failed', String(s.failed)],
    ['malformed lines', String(s.invalid)],
  ]);
  const methods = Object.entries(s.methods).sort((a, b) => b[1].users - a[1].users);
  const table =
    methods.length === 0
      ? ''
      : '\n' +
        formatTable(methods, [
          { header: 'METHOD', value: ([m]) => METHOD_LABELS[m as VerificationMethod] ?? m },
          { header: 'USERS', value: ([, c]) => String(c.users) },
          { header: 'AUTHENTICATORS', value: ([, c]) => String(c.authenticators) },
        ]);
  const invalid =
    s.invalidLines.length === 0 ? '' : `\nMalformed input lines (see the report for why): ${s.invalidLines.join(', ')}${s.invalid > s.invalidLines.length ? ', …' : ''}\n`;
  return head + table + invalid;
}

/**
 * `authdesk coverage`: enrollment coverage for a list of users (CSV with a userId or email column,
 * or one id per line) against the active tenant, as fast as its rate limit allows. Progress on
 * stderr, the summary on stdout (JSON with --json), the report in --out; Ctrl+C stops it and
 * `--resume` continues where it stopped, even after a crash.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('coverage')
    .description('report which users have which authenticators (enrollment coverage), from a list of users')
    .requiredOption('--input <file>', 'CSV with a header naming the userId or email column, or one user id per line')
    .requiredOption('--out <report.csv>', 'where to write the report (one row per input line); its checkpoint goes next to it')
    .option('--resume', 'continue the run that --out belongs to, where it stopped')
    .option('--stale-days <n>', 'days without use after which an authenticator is stale (default: the settings value, 180)', wholeNumber('--stale-days', 1, 3650))
    .option('--concurrency-max <n>', 'most requests in flight at once (default 32)', wholeNumber('--concurrency-max', 1, 256))
    .option('--rate-limit <rps>', "never send more than this many requests per second (the tenant's known limit)", positive('--rate-limit', 100_000))
    .addOption(new Option('--by <what>', 'what the input values are (default: auto, decided by the header)').choices(['auto', 'userId', 'email']))
    .option('--column <name>', 'the CSV column holding the user id or email (default: found by name)')
    .option('--with-profile', "also read each user's profile to fill in the email (one more request per user)")
    .option('--tenant <id-or-name>', 'tenant profile to read (default: the active one)')
    .option('--json-out <file>', 'also write the report as JSON ({summary, rows}) when the run completes')
    .option('--force', 'replace an existing report (and --json-out file) instead of refusing')
    .addHelpText(
      'after',
      '\nExample: authdesk coverage --input users.csv --out report.csv\n' +
        'Interrupted (Ctrl+C, crash, reboot)? Run the same command with --resume.\n' +
        'Exit codes: 0 done, 130 stopped (resumable), others as for every command.',
    )
    .action(async (opts: CoverageCommandOptions, command: Command) => {
      // SECURITY: with a policy, coverage runs are for security admins (refusal audited).
      await ctx.services().policy.requireAdmin('coverage.run');
      const printer = ctx.printer(command);
      const controller = new AbortController();
      const onSigint = () => {
        ctx.io.stderr.write('\nStopping after the requests in flight; the position is saved…\n');
        controller.abort(new Error('cancelled'));
      };
      process.once('SIGINT', onSigint);
      const bar = progressBar(ctx, printer.json);
      const outPath = resolve(opts.out);
      try {
        const result = await ctx.services().coverage.run({
          inputPath: resolve(opts.input),
          outPath,
          resume: opts.resume === true,
          force: opts.force === true,
          ...(opts.jsonOut === undefined ? {} : { jsonOutPath: resolve(opts.jsonOut) }),
          tenantRef: opts.tenant,
          options: {
            staleDays: opts.staleDays,
            concurrencyMax: opts.concurrencyMax,
            rateLimit: opts.rateLimit,
            by: opts.by,
            column: opts.column,
            // Unset flags stay undefined: a resume then keeps the run's own options.
            withProfile: opts.withProfile,
          },
          signal: controller.signal,
          onProgress: bar.update,
        });
        bar.stop();
        if (result.state === 'completed' && opts.jsonOut) {
          const jsonPath = resolve(opts.jsonOut);
          await onFile(jsonPath, 'write the JSON export', () => exportReportJson(outPath, result.summary, jsonPath));
        }
        if (result.state === 'cancelled') {
          ctx.exitCode = EXIT_CANCELLED;
          printer.note(`Stopped after ${result.summary.rows} of ${result.start.input.rows} rows. Continue with the same command and --resume.`);
        }
        printer.result(
          { runId: result.runId, state: result.state, resumed: result.resumed, report: outPath, summaryFile: result.summaryPath, summary: result.summary },
          () => summaryText(result),
        );
      } finally {
        bar.stop();
        process.removeListener('SIGINT', onSigint);
      }
    });
}

interface ProgressView {
  update: (p: CoverageProgress) => void;
  stop: () => void;
}

/**
 * A cli-progress bar on a terminal; on a pipe or file, a plain line every few seconds (so CI logs
 * stay readable); nothing with --json unless stderr is a terminal.
 */
function progressBar(ctx: CliContext, json: boolean): ProgressView {
  const stderr = ctx.io.stderr as NodeJS.WriteStream;
  const isTty = stderr === process.stderr && process.stderr.isTTY;
  if (isTty) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'coverage [{bar}] {percentage}% | {value}/{total} rows | {rate}/s | ETA {eta_formatted} | failed {failed} | 429s {http429}{throttled}',
      hideCursor: true,
      etaBuffer: 50,
    });
    let started = false;
    return {
      update: (p) => {
        const payload = { rate: p.rowsPerSecond.toFixed(0), failed: p.failed, http429: p.http429, throttled: p.state === 'throttled' ? ' (throttled)' : '' };
        if (!started) {
          bar.start(p.total ?? 0, p.done, payload);
          started = true;
        } else bar.update(p.done, payload);
      },
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  if (json) return { update: () => undefined, stop: () => undefined };
  let last = 0;
  return {
    update: (p) => {
      const now = Date.now();
      if (now - last < 5_000 && p.state === 'running') return;
      last = now;
      const eta = p.etaSeconds === null ? '' : `, ETA ${p.etaSeconds} s`;
      ctx.io.stderr.write(`coverage: ${p.done}/${p.total ?? '?'} rows, ${p.rowsPerSecond.toFixed(0)}/s${eta}, failed ${p.failed}, 429s ${p.http429}${p.state === 'throttled' ? ' (throttled)' : ''}\n`);
    },
    stop: () => undefined,
  };
}
