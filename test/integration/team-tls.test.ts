import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TeamConnectResult } from '@shared/domain/team';
import { clientConfig, parseTeamUrl } from '../../src/main/services/audit/team/connection';
import { TeamService } from '../../src/main/services/audit/team/team.service';
import { createServices, type Services } from '../../src/main/services/container';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { LinuxPolicyFileReader } from '../../src/main/services/policy/managed-policy';
import { PolicyService } from '../../src/main/services/policy/policy.service';
import { routerOver } from '../support/data-dir';
import { startPostgres, type TestPostgres } from '../support/postgres';

// Team store connections against a real PostgreSQL with TLS on (one server for the file), through
// the real code: the console's team:connect channel (the CLI's `team connect` path) and the
// node-postgres settings it builds. A throwaway CA and server certificate (for 127.0.0.1 and
// localhost only) are made here with the openssl CLI. verify-full connects with that CA and over
// TLS; another CA, the system roots and a host name the certificate does not name are refused; a
// plaintext connection to a host that is not this computer is refused before any network, unless a
// trusted managed policy (root-owned file) says `allowPlaintextTeamStore: true`.
const run = promisify(execFile);
const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-team-tls-${process.pid}`;
const ROLE = 'tls_agent';
const PASSWORD = 'tls-agent-password-1';
let dir: string;
let server: TestPostgres;
let services: Services;
let ca: string;
let otherCa: string;

async function openssl(...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** A CA (EC P-256, one day) in `<name>.crt` / `<name>.key`. */
async function makeCa(name: string): Promise<string> {
  await openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=Authdesk test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return join(dir, `${name}.crt`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authdesk-team-tls-'));
  ca = await makeCa('ca');
  otherCa = await makeCa('other-ca');
  await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  await writeFile(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
  // 127.0.0.2 is this computer too, but not a name on the certificate: the host name check must fail there.
  server = await startPostgres({
    tls: { cert: await readFile(join(dir, 'server.crt'), 'utf8'), key: await readFile(join(dir, 'server.key'), 'utf8') },
    listen: ['127.0.0.1', '127.0.0.2'],
  });
  const dataDir = join(dir, 'data');
  services = createServices({ dataDir, keychainService: service, appVersion: 'test' });
  const installer = services.team.open(server.url('postgres'), server.password, 1);
  await installer.install();
  await installer.addMember(ROLE, PASSWORD);
  await installer.close();
}, 120_000);

afterAll(async () => {
  await services?.close();
  const keychain = createKeychain(`${service}.team`);
  for (const account of await keychain.list().catch(() => [])) await keychain.delete(account);
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const fields = (over: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: server.port, database: server.database, role: ROLE, tls: 'verify-full', password: PASSWORD, ...over });

describe('team store over TLS (verify-full)', { timeout: 60_000 }, () => {
  it('refuses a server whose certificate another CA signed, or the system roots cannot vouch for', async () => {
    const { call } = routerOver(services);
    for (const caFile of [otherCa, undefined]) {
      const result = await call('team:connect', fields(caFile ? { caFile } : {}));
      expect(result, String(caFile)).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/did not pass the TLS check/) as unknown } });
    }
    expect(await services.team.connection('agent')).toBeNull();
  });

  it('refuses a host name the certificate does not name, even with the right CA', async () => {
    const { call } = routerOver(services);
    const result = await call('team:connect', fields({ host: '127.0.0.2', caFile: ca }));
    expect(result).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/did not pass the TLS check \(ERR_TLS_CERT_ALTNAME_INVALID|IP: 127\.0\.0\.2 is not in the cert/) as unknown } });
    expect(await services.team.connection('agent')).toBeNull();
  });

  it('connects with the CA, over TLS, and ships', async () => {
    const { ok } = routerOver(services);
    await services.audit.append({ action: 'user.lookup', subject: { userId: 'tls-user' } });
    const connected = await ok<TeamConnectResult>('team:connect', fields({ caFile: ca }));
    const url = `postgres://${ROLE}@127.0.0.1:${server.port}/${server.database}?sslrootcert=${encodeURIComponent(ca)}`;
    // The lookup, and turning team mode on (recorded, then shipped with it).
    expect(connected).toMatchObject({ role: ROLE, url, status: { state: 'in-sync', shippedSeq: 2 } });
    expect(JSON.stringify(connected)).not.toContain(PASSWORD);
    expect(await services.team.connection('agent')).toEqual({ url, password: PASSWORD });
    // The settings that URL gives node-postgres really are TLS: the server sees an encrypted session.
    const client = new pg.Client(clientConfig(parseTeamUrl(url), PASSWORD));
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean; version: string }>('select ssl, version from pg_stat_ssl where pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) as unknown }]);
    } finally {
      await client.end();
    }
    await services.team.disconnectAgent();
    // Turning team mode off is recorded and shipped before the connection is forgotten: the store
    // itself shows when this computer stopped shipping, and as whom.
    const admin = new pg.Client(clientConfig(parseTeamUrl(server.url('postgres')), server.password));
    await admin.connect();
    try {
      const { rows } = await admin.query<{ action: string; db_role: string }>('select action, db_role from authdesk.entries order by team_seq');
      expect(rows).toEqual([
        { action: 'user.lookup', db_role: ROLE },
        { action: 'team.connect', db_role: ROLE },
        { action: 'team.disconnect', db_role: ROLE },
      ]);
    } finally {
      await admin.end();
    }
  });
});

describe('plaintext to a host that is not this computer', { timeout: 60_000 }, () => {
  it('is refused before any connection is tried, by the console and the CLI path alike', async () => {
    const { call } = routerOver(services);
    const result = await call('team:connect', fields({ host: '192.0.2.10', tls: 'disable' }));
    expect(result).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringMatching(/sslmode=disable is refused for 192\.0\.2\.10/) as unknown } });
    await expect(services.team.connectAgent(`postgres://${ROLE}@192.0.2.10:${server.port}/${server.database}?sslmode=disable`, PASSWORD)).rejects.toMatchObject({ code: 'validation' });
    // Plaintext to this computer stays allowed (the server accepts both).
    const { ok } = routerOver(services);
    expect(await ok<TeamConnectResult>('team:connect', fields({ tls: 'disable' }))).toMatchObject({ role: ROLE, status: { state: 'in-sync' } });
    await services.team.disconnectAgent();
  });

  it('is tried on the network only when a trusted managed policy allows it (and fails there: nothing listens)', async () => {
    const policyFile = join(dir, 'policy.json');
    const team = new TeamService({
      dataDir: join(dir, 'allowed'),
      auditFile: join(dir, 'allowed', 'audit.jsonl'),
      keychain: createKeychain(`${service}.team`),
      connect: { connectionTimeoutMs: 1_000 },
      plaintextAllowed: () => new PolicyService({ managed: new LinuxPolicyFileReader(policyFile) }).allowsPlaintextTeamStore(),
    });
    const remote = `postgres://${ROLE}@192.0.2.10:${server.port}/${server.database}?sslmode=disable`;
    const refused = { code: 'validation', message: expect.stringMatching(/sslmode=disable is refused/) as unknown };
    try {
      // No policy, or one that does not say so: refused.
      await expect(team.connectAgent(remote, PASSWORD)).rejects.toMatchObject(refused);
      await writeFile(policyFile, JSON.stringify({ allowPlaintextTeamStore: false }), { mode: 0o644 });
      await expect(team.connectAgent(remote, PASSWORD)).rejects.toMatchObject(refused);
      // Allowed by a policy file anyone could have written (the agent, say): still refused.
      await writeFile(policyFile, JSON.stringify({ allowPlaintextTeamStore: true }));
      await chmod(policyFile, 0o666);
      await expect(team.connectAgent(remote, PASSWORD)).rejects.toMatchObject(refused);
      // Allowed by a root-owned policy file (as an OS administrator installs it): past the check, the
      // connection is attempted, and it is the network that fails, not the refusal.
      if (process.getuid?.() === 0) {
        await chmod(policyFile, 0o644);
        await expect(team.connectAgent(remote, PASSWORD)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/cannot be reached/) as unknown });
      }
    } finally {
      await team.close();
    }
  });
});
