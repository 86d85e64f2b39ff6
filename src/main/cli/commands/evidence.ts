import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { verifyEvidencePack } from '../../services/evidence/evidence.service';
import type { CliContext } from '../context';
import { formatRecord } from '../output';

/** Exit code of `evidence verify` when the pack does not verify. */
export const EXIT_NOT_VERIFIED = 1;

function isoDate(name: string) {
  return (value: string): string => {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw new InvalidArgumentError(`${name} must be a date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z.`);
    return new Date(ms).toISOString();
  };
}

/**
 * `authdesk evidence export|verify`: signed evidence packs of coverage reports, for auditors.
 * `verify` needs no Authdesk data: a pack carries its public key, trusted only when pinned with --key
 * or listed by the managed policy.
 */
export function register(program: Command, ctx: CliContext): void {
  const evidence = program
    .command('evidence')
    .description('signed evidence packs of coverage reports (report, summary, audit log slice, manifest)');

  evidence
    .command('export')
    .description('write a signed evidence pack for a finished coverage report')
    .requiredOption('--report <report.csv>', 'a report written by authdesk coverage (its .checkpoint must be next to it)')
    .requiredOption('--out <folder>', 'the pack folder to create (must not exist)')
    .option('--from <date>', "start of the audit log period (default: the run's date minus its stale threshold)", isoDate('--from'))
    .option('--to <date>', 'end of the audit log period (default: now)', isoDate('--to'))
    .action(async (opts: { report: string; out: string; from?: string; to?: string }, cmd: Command) => {
      await ctx.services().policy.requireAdmin('evidence.export');
      const pack = await ctx.services().evidence.export({ reportPath: resolve(opts.report), outDir: resolve(opts.out), from: opts.from, to: opts.to });
      ctx.printer(cmd).result(pack, () =>
        formatRecord([
          ['pack', pack.path],
          ['files', pack.files.map((f) => f.path).join(', ')],
          ['audit entries', String(pack.auditEntries)],
          ['signing key', pack.keyFingerprint],
        ]) + 'Give the auditor the signing key fingerprint separately, so they can pin it: authdesk evidence verify <pack> --key <fingerprint>\n',
      );
    });

  evidence
    .command('verify')
    .description('check a pack: signature, every file hash, nothing missing or added; exit 1 when it does not verify')
    .argument('<path>', 'the evidence pack folder')
    .option('--key <fingerprint>', 'the SHA-256 fingerprint of the key the pack must be signed with (required unless the managed policy lists trusted keys)')
    .action(async (path: string, opts: { key?: string }, cmd: Command) => {
      // SECURITY: trusted keys come from --key (an empty one is refused, never "no pinning") and the
      // managed policy; this machine's own key is named but not trusted for being local.
      const trusted = [...(opts.key === undefined ? [] : [opts.key]), ...(await ctx.services().policy.trustedEvidenceKeys())];
      const localFingerprint = await ctx.services().evidence.localKeyFingerprint().catch(() => null);
      const result = await verifyEvidencePack(resolve(path), { trustedFingerprints: trusted, localFingerprint, team: () => ctx.services().team.evidenceReader() });
      if (!result.ok) ctx.exitCode = EXIT_NOT_VERIFIED;
      ctx.printer(cmd).result(result, () => {
        if (!result.ok) {
          const team = result.team && !result.team.checked ? `  Team store: ${result.team.message}.\n` : '';
          return `NOT VERIFIED: ${result.path}\n${result.problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n')}\n${team}`;
        }
        const whose = opts.key !== undefined ? 'the pinned key' : 'a key the managed policy trusts';
        const team = result.team ? `  Team store: ${result.team.message}.\n` : '';
        return `VERIFIED: ${result.path}\n  ${result.files} files intact, manifest signed by ${result.keyFingerprint} (${whose}).\n${team}`;
      });
    });
}
