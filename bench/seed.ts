import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { SnapshotFile } from '../src/emulator/persistence';
import { seedStore } from '../src/emulator/seeds';
import { Store } from '../src/emulator/store';

/**
 * Seeds N synthetic users (default 100,000) into a fresh store and records the time, the process's
 * peak RSS while seeding, a full unfiltered queryUsers scan (what a coverage run does) and a snapshot's size.
 * Limits from issue #3: under 10 s and under 500 MB. Exits 1 when a limit is missed.
 * Run: npm run bench -- seed [N]
 */
const users = Number(process.argv[2] ?? 100_000);
const LIMITS = { seedMs: 10_000, peakRssSeedMb: 500 };
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const baselineRssMb = mb(process.memoryUsage().rss);
const store = new Store();
const started = performance.now();
const cpuStarted = process.cpuUsage();
seedStore(store, users);
const seedMs = Math.round(performance.now() - started);
// CPU time (user + system, all threads incl. GC) says how much work seeding is on a busy machine.
const cpu = process.cpuUsage(cpuStarted);
const seedCpuMs = Math.round((cpu.user + cpu.system) / 1000);
const afterSeed = process.memoryUsage();
// maxRSS is the process's peak resident set (KiB on Linux): here, the peak of seeding itself.
const peakRssSeedMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;

const scanStarted = performance.now();
let pages = 0;
let scanned = 0;
let cursor: string | undefined;
do {
  const page = store.queryUsers({ limit: 1000, lastEvaluatedUserId: cursor });
  scanned += page.users.length;
  cursor = page.lastEvaluatedUserId;
  pages++;
} while (cursor);
const fullScanMs = Math.round(performance.now() - scanStarted);

// A --data snapshot of the seeded tenant, written the way the emulator writes it.
const folder = mkdtempSync(join(os.tmpdir(), 'authdesk-bench-seed-'));
const file = join(folder, 'tenant.json');
const snapshotStarted = performance.now();
const snapshots = new SnapshotFile(file, store);
snapshots.schedule();
await snapshots.flush();
const snapshotMs = Math.round(performance.now() - snapshotStarted);
const snapshotBytes = statSync(file).size;
rmSync(folder, { recursive: true, force: true });

// The peak after the scan and a --data snapshot on top of the seeded store.
const peakRssWithSnapshotMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
const result = {
  name: 'seed',
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  users,
  seedMs,
  seedCpuMs,
  rssAfterSeedMb: mb(afterSeed.rss),
  heapUsedAfterSeedMb: mb(afterSeed.heapUsed),
  baselineRssMb,
  peakRssSeedMb,
  peakRssWithSnapshotMb,
  loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
  fullScan: { pages, users: scanned, ms: fullScanMs },
  snapshot: { mb: mb(snapshotBytes), ms: snapshotMs },
  limits: LIMITS,
  pass: seedMs < LIMITS.seedMs && peakRssSeedMb < LIMITS.peakRssSeedMb && scanned === users,
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/seed.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exitCode = result.pass ? 0 : 1;
