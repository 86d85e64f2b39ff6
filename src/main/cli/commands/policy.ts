import type { Command } from 'commander';
import type { CliContext } from '../context';
import { formatRecord } from '../output';

/** `authdesk policy show`: the policy in force, where each setting comes from, and this account's role. */
export function register(program: Command, ctx: CliContext): void {
  const policy = program.command('policy').description('the helpdesk policy in force (managed, team, local; strictest wins) and your role');
  policy
    .command('show')
    .description('each setting with its value, where it comes from and whether it is locked; your role')
    .action(async (_opts: unknown, cmd: Command) => {
      const effective = await ctx.services().policy.effective();
      ctx.printer(cmd).result(effective, () => {
        const rows: [string, string][] = [
          ['account', effective.account],
          ['role', effective.role === 'admin' ? (effective.managed ? 'security admin' : 'agent and security admin (no policy installed)') : 'agent'],
        ];
        for (const [key, setting] of Object.entries(effective.settings)) {
          const value = Array.isArray(setting.value) ? setting.value.join(', ') : String(setting.value ?? 'all');
          rows.push([key, `${value} (${setting.source}${setting.locked ? ', locked' : ''})`]);
        }
        rows.push(['trusted evidence keys', effective.trustedEvidenceKeys.join(', ') || 'none']);
        rows.push(['enrollment origins granted', effective.grants.enrollmentOrigins.join(', ') || 'none']);
        rows.push(['plaintext team store', effective.grants.plaintextTeamStore ? 'allowed (managed policy)' : 'refused']);
        return formatRecord(rows) + effective.problems.map((p) => `! ${p}\n`).join('');
      });
    });
}
