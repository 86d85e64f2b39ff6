import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Handlers } from '../../../../src/main/ipc/router';
import { auditHandlers } from '../../../../src/main/ipc/handlers/audit';
import { settingsHandlers } from '../../../../src/main/ipc/handlers/settings';
import { AuditLogService } from '../../../../src/main/services/audit-log.service';
import { SettingsService } from '../../../../src/main/services/settings.service';
import type { Services } from '../../../../src/main/services/container';

type AuditSettingsChannel = Extract<keyof Handlers, `audit:${string}` | `settings:${string}`>;

/** The real audit log and settings services over a data dir, wired as the container wires them. */
export function createAuditServices(dataDir: string, tenantName: (id: string) => string | undefined = () => undefined) {
  const settings: SettingsService = new SettingsService({
    dataDir,
    audit: () => audit,
    tenantName: (id) => Promise.resolve(tenantName(id)),
  });
  const audit = new AuditLogService({ dataDir, agentName: () => settings.agentName(), lockStaleMs: 2000 });
  return { audit, settings };
}

/**
 * `audit:*` and `settings:*` handlers for an in-memory test platform, served by the REAL services
 * (they run anywhere Node does) over a throwaway data dir made on first use, under
 * AUTHDESK_TEST_TMP when `npm test` set it (removed at the end of the run).
 */
export function lazyAuditSettingsHandlers(tenantName?: (id: string) => string | undefined): Pick<Handlers, AuditSettingsChannel> {
  let services: Pick<Services, 'audit' | 'settings'> | undefined;
  const get = () => (services ??= createAuditServices(mkdtempSync(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'memory-audit-')), tenantName));
  const lazy = new Proxy({} as Services, { get: (_t, key: 'audit' | 'settings') => get()[key] });
  return { ...auditHandlers(lazy), ...settingsHandlers(lazy) };
}
