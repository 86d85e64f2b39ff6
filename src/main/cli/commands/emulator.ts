import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatBanner, runEmulatorUntilSignal } from '../../../emulator/cli';
import type { EmulatorOptions } from '../../../emulator/index';
import { EMULATOR_PROFILES, EMULATOR_PROFILE_ENV, type EmulatorProfile } from '../../../emulator/profile';
import type { CliContext } from '../context';
import { VERIFICATION_METHODS, type VerificationMethod } from '@shared/domain/authsignal';

/** Parses a whole number within bounds, for commander. */
function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Parses a number within bounds (fractions allowed), for commander. */
function number(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}.`);
    return n;
  };
}

/** `demo` or a whole number of synthetic users. */
function seedOption(value: string): 'demo' | number {
  if (value === 'demo') return 'demo';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new InvalidArgumentError('--seed must be "demo" or a number of users from 0 to 1000000.');
  return n;
}

/** A comma-separated list of verification methods (what the tenant has switched on). */
function methodsOption(value: string): VerificationMethod[] {
  const methods = value.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean);
  const unknown = methods.filter((m) => !(VERIFICATION_METHODS as readonly string[]).includes(m));
  if (unknown.length > 0) throw new InvalidArgumentError(`--methods: unknown method ${unknown.join(', ')}. Use some of ${VERIFICATION_METHODS.join(', ')}.`);
  return methods as VerificationMethod[];
}

interface EmulatorCommandOptions {
  port: number;
  host: string;
  tenantId: string;
  secret?: string;
  seed?: 'demo' | number;
  data?: string;
  latencyMs?: number;
  jitterMs?: number;
  rateLimit?: number;
  errorRate?: number;
  resetRate?: number;
  tokenTtl?: number;
  rpId?: string;
  profile?: EmulatorProfile;
  methods?: VerificationMethod[];
}

/**
 * `authdesk emulator`: runs the local tenant (an Authsignal-compatible Server API, Client API and
 * pre-built UI) in the foreground until Ctrl+C, printing the API URL, tenant id and secret.
 */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('emulator')
    .description('run the local Authsignal-compatible tenant (for trying Authdesk and for tests)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', wholeNumber('--port', 0, 65535), 4010)
    .option('--host <host>', 'address to bind; keep 127.0.0.1 unless others must reach it', '127.0.0.1')
    .option('--tenant-id <id>', 'tenant id the Client API and browser SDK use', 'local-tenant')
    // SECURITY: unlike `tenant add`, a secret on the command line is fine here: it is the
    // emulator's own test secret (printed on start anyway), not a real tenant's.
    .option('--secret <secret>', 'Server API secret to accept (default: a new random one each start)')
    .option('--seed <demo|N>', 'seed the demo users, or N synthetic users', seedOption)
    .option('--data <file>', 'keep the state in this JSON file across restarts (loaded at start, saved atomically)')
    .option('--latency-ms <ms>', 'added latency per API request', number('--latency-ms', 0, 60_000))
    .option('--jitter-ms <ms>', 'random extra latency, 0..ms', number('--jitter-ms', 0, 60_000))
    .option('--rate-limit <rps>', 'requests per second before 429 with Retry-After (0 = none)', number('--rate-limit', 0, 1_000_000))
    .option('--error-rate <0..1>', 'share of API requests answered with a 5xx', number('--error-rate', 0, 1))
    .option('--reset-rate <0..1>', 'share of API requests whose connection is reset', number('--reset-rate', 0, 1))
    .option('--token-ttl <seconds>', 'user token lifetime (default 600)', wholeNumber('--token-ttl', 1, 86_400))
    .option('--methods <list>', 'verification methods the tenant has switched on (GET /v1/authenticators), comma-separated, e.g. EMAIL_OTP,AUTHENTICATOR_APP (default: every method Authdesk uses)', methodsOption)
    .option('--rp-id <hostname>', 'WebAuthn relying party id the pre-built UI is served on (default localhost)')
    .addOption(
      new Option('--profile <name>', `how to read Authsignal's undocumented behaviours: default, or strict (least favourable to a client; see README "Emulator profiles"); default: $${EMULATOR_PROFILE_ENV} or default`).choices(
        EMULATOR_PROFILES,
      ),
    )
    .addHelpText(
      'after',
      '\nExample: authdesk emulator --port 4010 --secret s --tenant-id t --seed demo\n' +
        'Then point @authsignal/node at the printed Server API URL with that secret.',
    )
    .action(async (opts: EmulatorCommandOptions, command: Command) => {
      const printer = ctx.printer(command);
      const options: EmulatorOptions = {
        port: opts.port,
        host: opts.host,
        tenantId: opts.tenantId,
        secret: opts.secret,
        seed: opts.seed,
        dataFile: opts.data,
        tokenTtlSeconds: opts.tokenTtl,
        rpId: opts.rpId,
        profile: opts.profile,
        activeMethods: opts.methods,
        faults: {
          latencyMs: opts.latencyMs,
          jitterMs: opts.jitterMs,
          rateLimit: opts.rateLimit,
          errorRate: opts.errorRate,
          resetRate: opts.resetRate,
        },
      };
      await runEmulatorUntilSignal(options, (banner) => printer.result(banner, () => formatBanner(banner)));
      printer.note('Local tenant stopped.');
    });
}
