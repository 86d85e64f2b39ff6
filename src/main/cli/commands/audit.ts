import { Option, type Command } from 'commander';
import { AuditQuery, type AuditEntry, type AuditPage, type AuditVerifyResult } from '@shared/domain/audit';
import { AppError } from '@shared/errors';
import type { CliContext } from '../context';
import { formatTable, type Column } from '../output';
import { compareText } from './team';

/** Exit code of `audit verify` when the chain is broken: the log itself is the finding. */
export const EXIT_BROKEN = 1;

/** `2026-03-01` -> local midnight (or the day's last millisecond for an end); full timestamps pass through. */
export function toInstant(value: string, end: boolean, option: string): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parsed = dateOnly ? new Date(`${value}T${end ? '23:59:59.999' : '00:00:00.000'}`) : new Date(value);
  if (Number.isNaN(parsed.getTime())) {
    throw new AppError('validation', `${option} must be a date such as 2026-03-01 or a time such as 2026-03-01T14:00:00Z.`);
  }
  return parsed.toISOString();
}

/** A one-line summary of an entry's details (full detail is in `--json`). */
function detailsText(entry: AuditEntry): string {
  const parts = Object.entries(entry.details).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  if (entry.error) parts.unshift(`error=${entry.error.code}`);
  if (entry.verification) parts.push(`verified=${entry.verification.method}`);
  const text = parts.join(' ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

const COLUMNS: readonly Column<AuditEntry>[] = [
  { header: 'SEQ', value: (e) => String(e.seq) },
  { header: 'TIME', value: (e) => e.ts },
  { header: 'ACTION', value: (e) => e.action },
  { header: 'OUTCOME', value: (e) => e.outcome },
  { header: 'AGENT', value: (e) => e.actor.agentName ?? e.actor.osUser },
  { header: 'TENANT', value: (e) => e.tenant?.name ?? '-' },
  { header: 'USER', value: (e) => e.subject.userId ?? '-' },
  { header: 'DETAILS', value: detailsText },
];

function verifyText(result: AuditVerifyResult): string {
  if (result.ok) {
    const repairs = result.recoveries > 0 ? ` ${result.recoveries} crash repair(s) recorded in the chain.` : '';
    const from = result.slice
      ? `seq ${result.slice.firstSeq} (chained from hash ${result.slice.anchorHash})`
      : 'the genesis hash';
    return result.entries === 0
      ? `OK: the audit log is empty (${result.file}).\n`
      : `OK: ${result.entries} entries, chain intact from ${from} to seq ${result.lastSeq} (hash ${result.lastHash}).${repairs}\n  ${result.file}\n`;
  }
  const { broken } = result;
  return (
    `BROKEN at line ${broken.line}${broken.seq === null ? '' : ` (seq ${broken.seq})`}: ${broken.reason}\n` +
    `  ${broken.message}\n` +
    `  ${result.entries} entries before it verify.\n` +
    `  ${result.file}\n`
  );
}

function pageText(page: AuditPage): string {
  if (page.entries.length === 0) return 'No audit entries match.\n';
  let text = formatTable(page.entries, COLUMNS);
  if (page.nextCursor) text += `More entries: add --cursor ${page.nextCursor}\n`;
  if (page.skippedLines > 0) text += `${page.skippedLines} unreadable line(s) skipped: run \`authdesk audit verify\`.\n`;
  return text;
}

/** `authdesk audit verify|list|status|repair`: the console audit log from a terminal. */
export function register(program: Command, ctx: CliContext): void {
  const audit = program
    .command('audit')
    .description('check and read the console audit log (hash-chained, append-only)');

  audit
    .command('verify')
    .description('walk the whole hash chain; exits 1 and names the first broken entry (line, seq, reason)')
    .option('--file <path>', 'check this log file instead of the data dir\'s (e.g. an exported copy)')
    .option('--slice', 'with --file: the file is part of a log; check it from its first entry and print where it starts')
    .option('--team', 'also compare the log with what this computer shipped to the team store (truncated, emptied, deleted, reordered or rewritten entries)')
    .action(async (opts: { file?: string; slice?: boolean; team?: boolean }, cmd: Command) => {
      if (opts.slice && opts.file === undefined) throw new AppError('validation', '--slice checks an exported part of a log: give it with --file <path>.');
      if (opts.team && opts.file !== undefined) throw new AppError('validation', '--team compares this computer\'s own log with the store: leave out --file.');
      const result = await ctx.services().audit.verify(opts.file === undefined ? {} : { file: opts.file, slice: opts.slice === true });
      if (opts.team) {
        const team = await ctx.services().team.compare();
        ctx.printer(cmd).result({ local: result, team }, () => `${verifyText(result)}${compareText(team)}`);
        if (!result.ok || !team.ok) ctx.exitCode = EXIT_BROKEN;
        return;
      }
      ctx.printer(cmd).result(result, () => verifyText(result));
      if (!result.ok) ctx.exitCode = EXIT_BROKEN;
    });

  audit
    .command('list')
    .description('entries newest first, filtered')
    .option('--user <userId>', 'only entries about this user id')
    .option('--action <action...>', 'only these actions (user.lookup) or domains (verification.*)')
    .option('--tenant <id>', 'only entries against this tenant profile id')
    .addOption(new Option('--outcome <outcome>', 'only successes or failures').choices(['ok', 'error']))
    .option('--since <date>', 'from this date (2026-03-01, local midnight) or time (ISO 8601)')
    .option('--until <date>', 'up to this date (inclusive) or time')
    .option('--text <text>', 'only entries with this text in a value (case-insensitive)')
    .option('--browser <keyId>', 'only entries about or made through this paired browser (key id from Settings, Browser integration)')
    .option('--limit <n>', 'entries per page (1-500)', '50')
    .option('--cursor <cursor>', 'the next page, as printed under the previous one')
    .action(
      async (
        opts: {
          user?: string;
          action?: string[];
          tenant?: string;
          outcome?: 'ok' | 'error';
          since?: string;
          until?: string;
          text?: string;
          browser?: string;
          limit: string;
          cursor?: string;
        },
        cmd: Command,
      ) => {
        const query = AuditQuery.parse({
          userId: opts.user,
          action: opts.action,
          tenantId: opts.tenant,
          outcome: opts.outcome,
          from: opts.since === undefined ? undefined : toInstant(opts.since, false, '--since'),
          to: opts.until === undefined ? undefined : toInstant(opts.until, true, '--until'),
          text: opts.text,
          browserKeyId: opts.browser,
          limit: Number(opts.limit),
          cursor: opts.cursor,
        });
        const page = await ctx.services().audit.query(query);
        ctx.printer(cmd).result(page, () => pageText(page));
      },
    );

  audit
    .command('status')
    .description('whether the log can record right now (reads only its tail)')
    .action(async (_opts: unknown, cmd: Command) => {
      const status = await ctx.services().audit.status();
      ctx.printer(cmd).result(status, () => `${status.state.toUpperCase()}: ${status.message}\n  ${status.file}\n`);
      if (status.state === 'torn' || status.state === 'damaged' || status.state === 'truncated') ctx.exitCode = EXIT_BROKEN;
    });

  audit
    .command('repair')
    .description('after a crash: move a torn last line to audit/quarantine/ and record the repair in the chain')
    .action(async (_opts: unknown, cmd: Command) => {
      const result = await ctx.services().audit.repair();
      ctx.printer(cmd).result(result, () => {
        if (result.kind === 'none') return 'Nothing to repair: the audit log ends cleanly.\n';
        const what =
          result.kind === 'completed'
            ? 'The last entry was whole but had lost its newline; it was completed.'
            : `The incomplete last line was moved to ${result.quarantineFile} (in the audit folder).`;
        return `${what}\nRecorded as seq ${result.entry?.seq} (log.recovered). Run \`authdesk audit verify\` to check the chain.\n`;
      });
    });
}
