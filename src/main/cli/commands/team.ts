import type { Command } from 'commander';
import type { TeamCompareResult } from '../../services/audit/team/compare';
import { checkRoleName, formatTeamUrl, parseTeamUrl } from '../../services/audit/team/connection';
import type { TeamStatus } from '../../services/audit/team/team.service';
import type { TeamStore } from '../../services/audit/team/team-store';
import type { CliContext } from '../context';
import { formatRecord, formatTable } from '../output';
import { readSecret } from '../secret-input';

/** Exit code when the team chain or the comparison finds something: the finding is the result. */
const EXIT_BROKEN = 1;

function statusText(s: TeamStatus): string {
  if (s.state === 'off') return 'Team mode is off on this computer: the audit log stays local. An agent joins with `authdesk team connect <url>`.\n';
  const state =
    s.state === 'in-sync'
      ? 'in sync'
      : s.state === 'waiting'
        ? `${s.waiting} entries waiting`
        : s.state === 'offline'
          ? `offline since ${s.offlineSince ?? '?'} (${s.waiting} entries waiting)`
          : 'refused by the store';
  const rows: [string, string][] = [
    ['Team log', state],
    ['Store', s.url ?? '-'],
    ['Device', s.deviceId ?? '-'],
    ['Shipped', `up to local seq ${s.shippedSeq} (local log at ${s.localSeq})`],
    ['Last shipped', s.lastShippedAt ?? '-'],
  ];
  if (s.message) rows.push(['Problem', s.message]);
  return formatRecord(rows);
}

/** The human form of `audit verify --team`'s comparison. */
export function compareText(r: TeamCompareResult): string {
  let text = r.ok
    ? `OK: the ${r.stored.count} entries this device shipped are all in the local log, unchanged and in order.\n`
    : `TAMPERED: the local log differs from what this device already shipped (${r.findingsTotal} finding${r.findingsTotal === 1 ? '' : 's'}).\n`;
  for (const f of r.findings) text += `  ${f.kind.toUpperCase()} seq ${f.seq}${f.toSeq && f.toSeq !== f.seq ? `–${f.toSeq}` : ''}: ${f.message}\n`;
  if (r.findingsTotal > r.findings.length) text += `  … and ${r.findingsTotal - r.findings.length} more (--json lists the first ${r.findings.length}).\n`;
  text += r.unshipped
    ? `Not shipped yet: ${r.unshipped.count} entries (seq ${r.unshipped.fromSeq}–${r.unshipped.toSeq}), written while offline or since the last shipment.\n`
    : 'Nothing is waiting to be shipped.\n';
  return `${text}  device ${r.deviceId}\n`;
}

/** `authdesk team init|add-agent|connect|disconnect|status|verify`: team mode from a terminal. */
export function register(program: Command, ctx: CliContext): void {
  const team = program.command('team').description('team mode: every agent\'s audit log in one PostgreSQL store that agents cannot change');
  const service = () => ctx.services().team;

  team
    .command('init')
    .argument('<url>', 'postgres://ROLE@HOST:5432/DATABASE of a role that may create schemas and roles (no password: it is asked for)')
    .description('install or upgrade the team store (schema, roles, grants); safe to run again; keeps this admin connection in the OS keychain')
    .action(async (url: string, _opts: unknown, cmd: Command) => {
      const printer = ctx.printer(cmd);
      const options = await service().connectOptions();
      const conn = parseTeamUrl(url, options);
      const password = await readSecret(ctx.io, `Password of database role ${conn.user}`);
      const store = service().open(url, password, 1, options);
      try {
        const report = await store.install();
        await service().saveConnection('admin', url, password);
        printer.result({ url: store.url, ...report }, () => {
          const did = report.applied.length > 0 ? `installed migration ${report.applied.join(', ')}` : 'already up to date: nothing applied';
          return (
            `Team store at ${store.url}: ${did}.\n` +
            '  Schema authdesk: entries, devices, policy, install_log (append-only: UPDATE, DELETE and TRUNCATE refused by triggers).\n' +
            '  Roles authdesk_agent (append and read own entries only) and authdesk_admin (read all, set policy), with their grants.\n' +
            `  Schema history:\n${report.history.map((h) => `    ${h.at}  ${h.by}  ${h.action}`).join('\n')}\n` +
            'The admin connection is kept in the OS keychain. Next: authdesk team add-agent <role>\n'
          );
        });
      } finally {
        await store.close();
      }
    });

  team
    .command('add-agent')
    .argument('<role>', 'the agent\'s database role, e.g. agent_alice (created if missing; its password is asked for)')
    .option('--admin', 'make it a security admin role (reads the whole team log) instead of an agent')
    .description('create an agent (or admin) database role with a password, through the admin connection from team init')
    .action(async (role: string, opts: { admin?: boolean }, cmd: Command) => {
      checkRoleName(role);
      const store = await service().adminStore();
      try {
        const password = await readSecret(ctx.io, `New password for ${role} (at least 12 characters)`);
        const result = await store.addMember(role, password, opts.admin ? 'admin' : 'agent');
        const joinUrl = formatTeamUrl({ ...store.connection, user: role });
        const kind = opts.admin ? 'security admin' : 'agent';
        ctx.printer(cmd).result({ role, kind, ...result, connectUrl: joinUrl }, () =>
          `${result.created ? 'Created' : 'Updated the password of'} ${kind} role ${role}.\nOn the ${kind}'s computer: authdesk team connect ${joinUrl}\n`,
        );
      } finally {
        await store.close();
      }
    });

  team
    .command('connect')
    .argument('<url>', 'postgres://ROLE@HOST:5432/DATABASE as printed by team add-agent (no password: it is asked for)')
    .description('turn team mode on for this computer: test the role, keep the connection in the OS keychain, ship the audit log')
    .action(async (url: string, _opts: unknown, cmd: Command) => {
      const conn = parseTeamUrl(url, await service().connectOptions());
      const password = await readSecret(ctx.io, `Password of database role ${conn.user}`);
      const { status, ...saved } = await service().connectAgent(url, password);
      ctx.printer(cmd).result({ ...saved, status }, () => `Team mode is on: shipping as ${saved.role} to ${saved.url}.\n${statusText(status)}`);
      if (status.state === 'refused') ctx.exitCode = EXIT_BROKEN;
    });

  team
    .command('disconnect')
    .description('turn team mode off for this computer (forgets the connection; the store keeps what was shipped)')
    .action(async (_opts: unknown, cmd: Command) => {
      // SECURITY: turning shipping off is turning a protection off: admin-only when roles apply.
      await ctx.services().policy.requireAdmin('settings.weaken');
      const { removed } = await service().disconnectAgent();
      ctx.printer(cmd).result({ removed }, () => (removed ? 'Team mode is off: the connection was removed from the keychain.\n' : 'Team mode was not on.\n'));
    });

  team
    .command('status')
    .description('this computer\'s team log (in sync, entries waiting, offline since); with an admin connection, the team\'s totals')
    .action(async (_opts: unknown, cmd: Command) => {
      const status = await service().shipNow();
      const adminConn = await service().connection('admin');
      let summary: Awaited<ReturnType<TeamStore['summary']>> | null = null;
      if (adminConn) {
        const store = await service().adminStore();
        try {
          summary = await store.summary();
        } catch (error) {
          ctx.printer(cmd).note(`Team totals unavailable: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          await store.close();
        }
      }
      ctx.printer(cmd).result({ ...status, team: summary }, () => {
        let text = statusText(status);
        if (summary) {
          text += `\nTeam store: ${summary.entries} entries from ${summary.devices} devices.\n`;
          text += formatTable(summary.roles, [
            { header: 'AGENT', value: (r) => r.role },
            { header: 'ENTRIES', value: (r) => String(r.entries) },
            { header: 'LAST', value: (r) => r.last ?? '-' },
          ]);
        }
        return text;
      });
      if (status.state === 'refused') ctx.exitCode = EXIT_BROKEN;
    });

  team
    .command('verify')
    .description('walk the whole team hash chain (admin connection); exits 1 naming the first bad entry')
    .action(async (_opts: unknown, cmd: Command) => {
      const store = await service().adminStore();
      try {
        const result = await store.verifyChain();
        ctx.printer(cmd).result(result, () =>
          result.ok
            ? `OK: ${result.entries} team entries, chain intact up to team entry ${result.head.teamSeq} (hash ${result.head.hash}).\n`
            : `BROKEN at team entry ${result.broken.teamSeq}: ${result.broken.reason}\n  ${result.broken.message}\n  ${result.entries} entries before it verify.\n`,
        );
        if (!result.ok) ctx.exitCode = EXIT_BROKEN;
      } finally {
        await store.close();
      }
    });

}
