import type { Command } from 'commander';
import { createServices, type Services } from '../services/container';
import { resolveDataDir, resolveKeychainService } from '../services/platform/paths';
import type { ManagedPolicyReader } from '../services/policy/managed-policy';
import { Printer, type CliStreams } from './output';
import packageJson from '../../../package.json';

/** What the CLI reads from and writes to: the real process in use, buffers and fakes in unit tests. */
export interface CliIo extends CliStreams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** Tests only: the managed policy over a fixture, and the OS account (never from the environment). */
  managedPolicy?: ManagedPolicyReader;
  osAccount?: string;
}

/** The real process as a {@link CliIo}. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, platform: process.platform };
}

/**
 * Shared by every command: the streams, the lazily built service container (the same services the
 * desktop app uses, over the same data dir and keychain), and the output printer.
 */
export interface CliContext {
  readonly io: CliIo;
  readonly version: string;
  /** Builds the service container on first use; `main` closes it before exiting. */
  services(): Services;
  /** The printer for a command, honouring the global `--json` option. */
  printer(command: Command): Printer;
  /**
   * Exit code to return when the command finishes without throwing; a command sets it when it
   * reports a failure as data (e.g. a connection test that did not pass).
   */
  exitCode: number;
  /** Stops whatever the services started. */
  close(): Promise<void>;
}

/** Builds the context for one CLI run. */
export function createCliContext(io: CliIo): CliContext {
  let services: Services | undefined;
  const version = packageJson.version;
  return {
    io,
    version,
    exitCode: 0,
    services() {
      services ??= createServices({
        dataDir: resolveDataDir(io.env, io.platform),
        keychainService: resolveKeychainService(io.env),
        appVersion: version,
        ...(io.managedPolicy ? { managedPolicy: io.managedPolicy } : {}),
        ...(io.osAccount ? { osAccount: io.osAccount } : {}),
      });
      return services;
    },
    printer(command) {
      return new Printer(io, command.optsWithGlobals<{ json?: boolean }>().json === true);
    },
    async close() {
      await services?.close();
    },
  };
}
