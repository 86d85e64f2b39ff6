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
  return {
    'coverage:upload': (input) => services.coverage.upload(input),
    'coverage:start': (input) => services.coverage.start(input),
    'coverage:cancel': ({ runId }) => services.coverage.cancel(runId),
    'coverage:status': ({ runId }) => services.coverage.status(runId),
    'coverage:rows': ({ runId, filter, offset, limit }) => services.coverage.rows(runId, filter, offset, limit),
    'coverage:export': ({ runId, format, offset }) => services.coverage.exportChunk(runId, format, offset),
    'evidence:export': async ({ runId }) => {
      const { reportPath } = await services.coverage.finishedRun(runId);
      // SECURITY: the folder name is built here from a validated uuid and a timestamp, never from renderer text.
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return services.evidence.export({ reportPath, outDir: join(services.options.dataDir, 'evidence', `${runId}-${stamp}`) });
    },
  };
}
