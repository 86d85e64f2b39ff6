// Child process for team-shipping.test.ts: an Authdesk process that appends to its audit log and
// ships it to the team store, until it is killed (mode "run"), or ships what is there and exits
// once the store holds everything (mode "drain"). The password comes in the environment (a test
// child; the app itself reads it from the keychain).
import { AuditLogService } from '../../src/main/services/audit/audit-log.service';
import { parseTeamUrl } from '../../src/main/services/audit/team/connection';
import { TeamShipper } from '../../src/main/services/audit/team/shipper';
import { TeamStore } from '../../src/main/services/audit/team/team-store';

const [dataDir, url, deviceId, mode] = process.argv.slice(2);
if (!dataDir || !url || !deviceId || !mode) throw new Error('usage: team-ship-child.ts <dataDir> <url> <deviceId> run|drain');
const store = new TeamStore(parseTeamUrl(url), process.env.TEAM_TEST_PASSWORD ?? '');
const log = new AuditLogService({ dataDir, agentName: () => 'kill-test', lockStaleMs: 2000 });
// A kill mid-append leaves a torn line: repair it (recorded as log.recovered) before going on.
await log.repair();
const shipper = new TeamShipper({ file: log.file, deviceId, target: () => Promise.resolve(store), idleMs: 5, batchSize: 7, backoff: { minMs: 20, maxMs: 100 } });

if (mode === 'drain') {
  for (let i = 0; i < 200; i += 1) {
    const s = await shipper.shipNow();
    if (s.state === 'in-sync' && s.waiting === 0) {
      process.stdout.write(`synced ${s.shippedSeq}\n`);
      await store.close();
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`never in sync: ${JSON.stringify(shipper.status())}\n`);
  process.exit(1);
}

shipper.start();
for (let i = 0; ; i += 1) {
  const entry = await log.append({ action: 'user.lookup', subject: { userId: `user-${i}` }, details: { ticket: `HD-${i}`, pad: 'x'.repeat(i % 5 === 0 ? 2000 : 20) } });
  shipper.wake();
  process.stdout.write(`appended ${entry.seq} shipped ${shipper.status().shippedSeq}\n`);
  await new Promise((r) => setTimeout(r, 2));
}
