import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ClientConfig } from 'pg';
import { AppError } from '@shared/errors';

/**
 * Where the team store is: a `postgres://role@host:port/database?sslmode=…` URL without a password.
 * This is what Authdesk keeps (in the OS keychain, beside the password); it is not a secret, but
 * it says where the team's audit trail lives.
 */
export interface TeamConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  /** `verify-full` (default): TLS with the server's certificate and host name checked. */
  sslmode: 'verify-full' | 'disable';
  /** A CA bundle (PEM file) to trust for the server certificate instead of the system roots. */
  sslrootcert?: string;
}

/** Options that only a policy (or a test) may turn on. */
export interface TeamConnectOptions {
  /** Allow `sslmode=disable` to a host that is not loopback. Off by default. */
  allowPlaintextRemote?: boolean;
  connectionTimeoutMs?: number;
}

/** True for 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a database role name Authdesk creates or connects as (lowercase, unquoted-safe). */
export function checkRoleName(role: string): string {
  if (!ROLE_NAME.test(role)) {
    throw new AppError(
      'validation',
      `"${role.slice(0, 80)}" is not a role name Authdesk accepts: use 1 to 63 lowercase letters, digits and _, starting with a letter or _ (e.g. agent_alice).`,
    );
  }
  return role;
}

/**
 * Parses and checks a team store URL. Refuses a password in it (it would end up in shell history
 * and process lists), sslmodes other than verify-full and disable, and plaintext to anything but
 * loopback unless explicitly allowed.
 */
export function parseTeamUrl(text: string, options: TeamConnectOptions = {}): TeamConnection {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new AppError('validation', 'The team store URL is not a URL. Use postgres://ROLE@HOST:5432/DATABASE (add ?sslmode=disable only for a server on this machine).');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new AppError('validation', `The team store URL must start with postgres:// (not ${url.protocol}//).`);
  }
  if (url.password) {
    // SECURITY: a password in an argument is visible to other local users (ps) and kept in shell history.
    throw new AppError('validation', 'Leave the password out of the URL: Authdesk asks for it (or reads it from stdin) and keeps it in the OS keychain.');
  }
  const user = decodeURIComponent(url.username);
  if (!user) throw new AppError('validation', 'Put the database role in the URL: postgres://ROLE@HOST:5432/DATABASE.');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new AppError('validation', 'Put the database name in the URL: postgres://ROLE@HOST:5432/DATABASE.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new AppError('validation', 'Put the server host in the URL: postgres://ROLE@HOST:5432/DATABASE.');
  const port = url.port ? Number(url.port) : 5432;
  for (const key of url.searchParams.keys()) {
    if (key !== 'sslmode' && key !== 'sslrootcert') {
      throw new AppError('validation', `The team store URL has an option Authdesk does not use: ${key}. Only sslmode and sslrootcert are read.`);
    }
  }
  const mode = url.searchParams.get('sslmode') ?? 'verify-full';
  if (mode !== 'verify-full' && mode !== 'disable') {
    // SECURITY: require/prefer/verify-ca do not check who the server is; only verify-full does.
    throw new AppError('validation', `sslmode=${mode} is not accepted: Authdesk uses TLS with full certificate and host checks (verify-full, the default), or sslmode=disable for a server on this machine.`);
  }
  if (mode === 'disable' && !isLoopback(host) && options.allowPlaintextRemote !== true) {
    // SECURITY: the role's password and every audit entry would cross the network in clear.
    throw new AppError('validation', `sslmode=disable is refused for ${host}: without TLS, passwords and audit entries cross the network unencrypted. Use TLS (drop sslmode), or a server on this machine.`);
  }
  const sslrootcert = url.searchParams.get('sslrootcert') ?? undefined;
  return { host, port, database, user, sslmode: mode, ...(sslrootcert ? { sslrootcert } : {}) };
}

/** The URL form of a connection (no password), as printed and stored. */
export function formatTeamUrl(c: TeamConnection): string {
  const host = isIP(c.host) === 6 ? `[${c.host}]` : c.host;
  const params = new URLSearchParams();
  if (c.sslmode !== 'verify-full') params.set('sslmode', c.sslmode);
  if (c.sslrootcert) params.set('sslrootcert', c.sslrootcert);
  const query = params.size > 0 ? `?${params.toString()}` : '';
  return `postgres://${encodeURIComponent(c.user)}@${host}:${c.port}/${encodeURIComponent(c.database)}${query}`;
}

/** The fields the console's Settings → Team audit store form sends. */
export interface TeamConnectionFields {
  host: string;
  port: number;
  database: string;
  role: string;
  tls: 'verify-full' | 'disable';
  caFile?: string;
}

/**
 * The URL for the console's connection fields, to go through {@link parseTeamUrl} like a URL typed
 * on the CLI (one set of checks for both ways in).
 */
export function teamUrlOf(f: TeamConnectionFields): string {
  const ca = f.caFile?.trim();
  return formatTeamUrl({ host: f.host.trim(), port: f.port, database: f.database, user: checkRoleName(f.role), sslmode: f.tls, ...(ca ? { sslrootcert: ca } : {}) });
}

/** node-postgres settings for a connection: TLS verify-full unless plaintext was accepted above. */
export function clientConfig(c: TeamConnection, password: string, options: TeamConnectOptions = {}): ClientConfig {
  let ssl: ClientConfig['ssl'] = false;
  if (c.sslmode === 'verify-full') {
    // SECURITY: verify the chain and the host name (Node's checkServerIdentity), as libpq's verify-full.
    ssl = { rejectUnauthorized: true, servername: isIP(c.host) ? undefined : c.host };
    if (c.sslrootcert) {
      try {
        ssl.ca = readFileSync(c.sslrootcert, 'utf8');
      } catch (error) {
        throw new AppError('validation', `Authdesk could not read the CA file sslrootcert=${c.sslrootcert}. Check the path.`, { cause: error });
      }
    }
  }
  return {
    host: c.host,
    port: c.port,
    database: c.database,
    user: c.user,
    password,
    ssl,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    application_name: 'authdesk',
  };
}
