// Child process for audit-crash.test.ts: appends to the audit log in a loop until it is killed,
// printing each seq only after append() resolved (i.e. after the fsync), so the parent knows
// which entries were reported done when the kill -9 landed.
import { AuditLogService } from '../../src/main/services/audit/audit-log.service';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: audit-append-child.ts <dataDir>');
const log = new AuditLogService({ dataDir, agentName: () => 'crash-test', lockStaleMs: 2000 });
for (let i = 0; ; i++) {
  const entry = await log.append({
    action: 'user.lookup',
    tenant: { id: 'local', name: 'Local tenant' },
    subject: { userId: `user-${i}` },
    // Varying sizes so a kill lands at different points of different-length writes.
    details: { i, reason: 'r'.repeat(i % 7 === 0 ? 3000 : 40 + (i % 50)), ticket: `HD-${i}` },
  });
  process.stdout.write(`done ${entry.seq}\n`);
}
