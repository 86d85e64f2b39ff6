import { Command, CommanderError } from 'commander';
import { ZodError } from 'zod';
import { isAppError, type ErrorInfo } from '@shared/errors';
import { toIssues } from '../ipc/router';
import { createCliContext, processIo, type CliContext, type CliIo } from './context';
import { EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes';
import { Printer } from './output';
import * as emulator from './commands/emulator';
import * as tenant from './commands/tenant';
import * as coverage from './commands/coverage';
import * as evidence from './commands/evidence';
import * as audit from './commands/audit';
import * as nativeHost from './commands/native-host';
import * as team from './commands/team';
import * as policyCommand from './commands/policy';

/**
 * A CLI command module: `src/main/cli/commands/<name>.ts` exports `register`, which adds its
 * command(s) to the program. Add the module to {@link COMMANDS} below to ship it.
 */
export interface CommandModule {
  register(program: Command, ctx: CliContext): void;
}

/** Every command module, in help order. */
const COMMANDS: readonly CommandModule[] = [tenant, emulator, audit, team, coverage, evidence, policyCommand, nativeHost];

/** Builds the commander program over a context (exported for tests and `--help` snapshots). */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('authdesk')
    .description('Authdesk from the command line: the same tenant vault and services as the desktop app.')
    .version(ctx.version, '-V, --version')
    .option('--json', 'print machine-readable JSON instead of tables')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    })
    .exitOverride();
  for (const module of COMMANDS) module.register(program, ctx);
  // Every subcommand inherits the same output and exit behaviour.
  program.commands.forEach(function inherit(cmd: Command): void {
    cmd.exitOverride().configureOutput(program.configureOutput()).showHelpAfterError('(run with --help for usage)');
    cmd.commands.forEach(inherit);
  });
  return program;
}

/** Turns anything a command threw into a printable ErrorInfo and its exit code. */
function describeFailure(error: unknown): { info: ErrorInfo; exitCode: number } {
  if (isAppError(error)) {
    const info: ErrorInfo = { code: error.code, message: error.message };
    if (error.issues) info.issues = error.issues;
    if (error.retryAfterSeconds !== undefined) info.retryAfterSeconds = error.retryAfterSeconds;
    return { info, exitCode: exitCodeFor(error.code) };
  }
  if (error instanceof ZodError) {
    return {
      info: { code: 'validation', message: 'Some of the details are not valid:', issues: toIssues(error) },
      exitCode: exitCodeFor('validation'),
    };
  }
  // SECURITY: an unexpected error's message could quote anything (even an input), so only its
  // type is shown; set AUTHDESK_DEBUG=1 to see the stack on a developer machine.
  const name = error instanceof Error ? error.name : typeof error;
  return {
    info: { code: 'internal', message: `Something went wrong inside Authdesk (${name}). Run again with AUTHDESK_DEBUG=1 and report it.` },
    exitCode: exitCodeFor('internal'),
  };
}

/**
 * Runs the CLI over `argv` (without node and script) and resolves to the process exit code.
 * Never throws and never calls process.exit, so tests can drive it in-process.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const ctx = createCliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successes; everything else is a usage problem (already printed).
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (io.env.AUTHDESK_DEBUG === '1' && !isAppError(error)) io.stderr.write(`${String((error as Error)?.stack)}\n`);
    const { info, exitCode } = describeFailure(error);
    new Printer(io, argv.includes('--json')).error(info);
    return exitCode;
  } finally {
    await ctx.close();
  }
}
