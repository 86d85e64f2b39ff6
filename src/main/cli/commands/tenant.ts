import { Option, type Command } from 'commander';
import { REGIONS, type ConnectionTest, type TenantSummary } from '@shared/domain/tenant';
import { AppError } from '@shared/errors';
import { TenantAddInput, type TenantList } from '@shared/ipc/channels/tenants';
import { apiUrlOf } from '../../services/tenants/profiles';
import type { CliContext } from '../context';
import { exitCodeFor } from '../exit-codes';
import { formatRecord, formatTable, type Column } from '../output';
import { readSecret } from '../secret-input';
import { formatReadiness } from '../readiness-format';
import { TenantDoctor } from '../../services/readiness/tenant-doctor';
import type { TenantService } from '../../services/tenants/tenants.service';
import { DEFAULT_PROBE_USER_ID } from '@shared/domain/readiness';

const SECRET_PROMPT = 'Server API secret';

/** Where a tenant lives, as a person reads it. */
function where(t: TenantSummary): string {
  return t.region ? `region ${t.region}` : t.apiUrl;
}

function secretState(t: TenantSummary): string {
  return t.hasSecret ? `set (${t.secretFingerprint ?? '?'})` : 'MISSING';
}

const LIST_COLUMNS: readonly Column<TenantSummary>[] = [
  { header: ' ', value: (t) => (t.active ? '*' : ' ') },
  { header: 'ID', value: (t) => t.id },
  { header: 'NAME', value: (t) => t.name },
  { header: 'WHERE', value: where },
  { header: 'TENANT ID', value: (t) => t.tenantId },
  { header: 'SECRET', value: secretState },
];

function describe(t: TenantSummary): string {
  return formatRecord([
    ['id', t.id],
    ['name', t.name],
    ['where', where(t)],
    ['api url', t.apiUrl],
    ['tenant id', t.tenantId],
    ['secret', secretState(t)],
    ['active', t.active ? 'yes' : 'no'],
    ['updated', t.updatedAt],
  ]);
}

function listText(list: TenantList): string {
  if (list.tenants.length === 0) return 'No tenants yet. Add one with: authdesk tenant add <name> --region us --tenant-id <id>\n';
  return formatTable(list.tenants, LIST_COLUMNS);
}

/**
 * `authdesk tenant add|list|use|test|doctor|rotate|rename|remove`: the tenant vault from a terminal, over
 * the same TenantService (same data dir, same keychain entries) as the desktop app.
 */
export function register(program: Command, ctx: CliContext): void {
  const tenant = program
    .command('tenant')
    .description('manage Authsignal tenant profiles (secrets live in the OS keychain)')
    .addHelpText(
      'after',
      '\nSecrets are read from stdin when piped, else from a hidden prompt; never from arguments.\n' +
        'Example: printf %s "$SECRET" | authdesk tenant add prod --region eu --tenant-id t-123',
    );

  tenant
    .command('add')
    .description('add a tenant profile, then test the connection (--strict: test first, save only if it works)')
    .argument('<name>', 'a name for the profile, e.g. "Prod EU"')
    .addOption(new Option('--region <region>', 'hosted region of the tenant').choices(REGIONS))
    .option('--api-url <url>', 'custom Server API URL ending in /v1 (instead of --region)')
    .requiredOption('--tenant-id <id>', 'tenant id from the Authsignal portal (for the client SDK)')
    .option('--strict', 'test the connection first and save nothing if it fails')
    .option('--no-test', 'save without testing the connection at all')
    .option('--no-activate', 'do not make it the active tenant')
    .action(
      async (
        name: string,
        opts: { region?: string; apiUrl?: string; tenantId: string; test: boolean; strict?: boolean; activate: boolean },
        cmd: Command,
      ) => {
        const out = ctx.printer(cmd);
        // Scripts provision profiles before the tenant is reachable (or with the secret to fix later),
        // so the default saves and then reports the test; --strict is for callers that want all or nothing.
        const strict = opts.strict === true && opts.test;
        const input = { name, region: opts.region, apiUrl: opts.apiUrl, tenantId: opts.tenantId, testFirst: strict, makeActive: opts.activate };
        // Check everything else before asking for the secret, so nobody pastes it in vain.
        const checked = TenantAddInput.parse({ ...input, secret: 'placeholder' });
        const secret = await readSecret(ctx.io, SECRET_PROMPT);
        const host = new URL(apiUrlOf(checked)).host;
        if (strict) out.note(`Testing the connection to ${host}…`);
        const tenants = ctx.services().tenants;
        const added = await tenants.add({ ...checked, secret });
        const connection = opts.test && !strict ? await tenants.test({ id: added.id }) : undefined;
        const tested = strict ? ', connection tested' : connection?.ok ? ', connection tested' : opts.test ? '' : ', not tested';
        out.result(connection ? { ...added, connection } : added, () => `Saved tenant "${added.name}" (id ${added.id})${tested}.\n${describe(added)}`);
        if (connection && !connection.ok) {
          const fix =
            connection.code === 'unauthorized' || connection.code === 'forbidden'
              ? `Put the right secret in with \`authdesk tenant rotate ${added.id}\` (or remove the profile and add it with the right region or URL)`
              : 'Once the tenant is reachable';
          out.note(
            `Warning: saved, but the connection test failed: ${connection.message}\n` +
              `${fix}, then check it with \`authdesk tenant test ${added.id}\`.`,
          );
        }
      },
    );

  tenant
    .command('list')
    .description('list tenant profiles (* = active)')
    .action(async (_opts: unknown, cmd: Command) => {
      const list = await ctx.services().tenants.list();
      ctx.printer(cmd).result(list, () => listText(list));
    });

  /** A subcommand that changes one named profile and answers the new list, saying what it did. */
  const listChange = (
    name: string,
    description: string,
    change: (tenants: TenantService, id: string) => Promise<TenantList>,
    done: (target: TenantSummary) => string,
  ) =>
    tenant
      .command(name)
      .description(description)
      .argument('<id-or-name>', 'profile id or name')
      .action(async (ref: string, _opts: unknown, cmd: Command) => {
        const { tenants } = ctx.services();
        const target = await tenants.resolve(ref);
        const list = await change(tenants, target.id);
        ctx.printer(cmd).result(list, () => done(target));
      });

  listChange(
    'use',
    'make a tenant the active one',
    (tenants, id) => tenants.setActive(id),
    (target) => `Now using "${target.name}" (${target.id}).\n`,
  );

  tenant
    .command('test')
    .description('make a cheap authenticated Server API call (default: the active tenant)')
    .argument('[id-or-name]', 'profile id or name')
    .action(async (ref: string | undefined, _opts: unknown, cmd: Command) => {
      const { tenants } = ctx.services();
      const id = ref === undefined ? (await tenants.activeTenant())?.id : (await tenants.resolve(ref)).id;
      if (id === undefined) throw new AppError('not-found', 'No tenant is active. Name one (authdesk tenant test <id>) or pick one with authdesk tenant use <id>.');
      const result: ConnectionTest = await tenants.test({ id });
      if (!result.ok) ctx.exitCode = exitCodeFor(result.code ?? 'unavailable');
      ctx.printer(cmd).result({ id, ...result }, () => `${result.ok ? 'OK' : 'FAILED'}: ${result.message}\n`);
    });

  tenant
    .command('doctor')
    .description('check a tenant is ready for Authdesk: credentials, configured authenticators, the actions it tracks (default: the active tenant)')
    .argument('[id-or-name]', 'profile id or name')
    .option('--probe-actions', `also track the actions Authdesk uses on a probe user (writes to the tenant; the user is "${DEFAULT_PROBE_USER_ID}" unless --probe-user)`)
    .option('--probe-user <user-id>', 'user id for --probe-actions (enrolled and deleted again if it has nothing)')
    .action(async (ref: string | undefined, opts: { probeActions?: boolean; probeUser?: string }, cmd: Command) => {
      if (opts.probeUser !== undefined && !opts.probeActions) throw new AppError('validation', '--probe-user only makes sense with --probe-actions.');
      const services = ctx.services();
      const id = ref === undefined ? undefined : (await services.tenants.resolve(ref)).id;
      const doctor = new TenantDoctor({ tenants: services.tenants, settings: services.settings, audit: services.audit });
      const report = await doctor.check({ id, probeActions: opts.probeActions === true, probeUserId: opts.probeUser });
      if (report.status === 'fail') ctx.exitCode = report.connection.code ? exitCodeFor(report.connection.code) : 1;
      ctx.printer(cmd).result(report, () => formatReadiness(report));
    });

  tenant
    .command('rotate')
    .description("replace a tenant's secret; tests the new one first unless --no-test")
    .argument('<id-or-name>', 'profile id or name')
    .option('--no-test', 'save without testing the new secret first')
    .action(async (ref: string, opts: { test: boolean }, cmd: Command) => {
      const { tenants } = ctx.services();
      const target = await tenants.resolve(ref);
      const secret = await readSecret(ctx.io, `New ${SECRET_PROMPT} for "${target.name}"`);
      const updated = await tenants.rotateSecret(target.id, secret, opts.test);
      ctx.printer(cmd).result(updated, () => `Secret of "${updated.name}" replaced; fingerprint now ${updated.secretFingerprint ?? '?'}.\n`);
    });

  tenant
    .command('rename')
    .description('rename a tenant profile (its id stays)')
    .argument('<id-or-name>', 'profile id or name')
    .argument('<new-name>', 'the new name')
    .action(async (ref: string, newName: string, _opts: unknown, cmd: Command) => {
      const { tenants } = ctx.services();
      const updated = await tenants.rename((await tenants.resolve(ref)).id, newName);
      ctx.printer(cmd).result(updated, () => `Renamed to "${updated.name}" (id ${updated.id}).\n`);
    });

  listChange(
    'remove',
    'remove a tenant profile and its keychain entry',
    (tenants, id) => tenants.remove(id),
    (target) => `Removed "${target.name}" and its secret from the keychain.\n`,
  );
}
