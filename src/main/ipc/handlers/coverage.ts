import { join } from 'node:path';
import type { Services } from '../../services/container';
import type { Handlers } from '../router';

/** The `coverage:*` and `evidence:*` channel names. */
type CoverageChannel = Extract<keyof Handlers, `coverage:${string}` | `evidence:${string}`>;

/**
 * Handlers for coverage runs and evidence packs. The console never names a path: its input arrives
 * as uploaded chunks, runs live in the data dir, and packs are written there under `evidence/`.
 */
export function coverageHandlers(services: Services): Pick<Handlers, CoverageChannel> {
  // Resolved per call, not captured: lets a container build its services lazily.
  // SECURITY: coverage shows every user's contact details and evidence is signed: security admins
  // only when a policy assigns roles; an agent gets `forbidden`, recorded in the audit log.
  const admin = () => services.policy.requireAdmin('coverage.run');
  return {
    'coverage:upload': async (input) => (await admin(), services.coverage.upload(input)),
    'coverage:start': async (input) => (await admin(), services.coverage.start(input)),
    'coverage:cancel': async ({ runId }) => (await admin(), services.coverage.cancel(runId)),
    'coverage:status': async ({ runId }) => (await admin(), services.coverage.status(runId)),
    'coverage:rows': async ({ runId, filter, offset, limit }) => (await admin(), services.coverage.rows(runId, filter, offset, limit)),
    'coverage:export': async ({ runId, format, offset }) => {
      await services.policy.requireAdmin('coverage.export');
      return services.coverage.exportChunk(runId, format, offset);
    },
    'evidence:export': async ({ runId }) => {
      await services.policy.requireAdmin('evidence.export');
      const { reportPath } = await services.coverage.finishedRun(runId);
      // SECURITY: the folder name is built here from a validated uuid and a timestamp, never from renderer text.
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return services.evidence.export({ reportPath, outDir: join(services.options.dataDir, 'evidence', `${runId}-${stamp}`) });
    },
  };
}
