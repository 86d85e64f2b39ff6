import { onMounted, ref } from 'vue';
import type { TeamStatus } from '@shared/domain/team';
import type { ErrorInfo } from '@shared/errors';
import { usePlatform } from '../platform/platform';
import { usePolling } from './usePolling';

/**
 * The team log state (team mode) as main's background shipper keeps it, for a component on
 * screen: read when it mounts, then again `intervalMs` after each answer until it unmounts (a slow
 * answer never overlaps the next read). A failed read keeps the last known state; `error` is set
 * only while no state was ever read.
 */
export function useTeamStatus(intervalMs: number) {
  const platform = usePlatform();
  const status = ref<TeamStatus | null>(null);
  const error = ref<ErrorInfo | null>(null);
  const polling = usePolling(refresh, intervalMs);

  async function refresh() {
    const result = await platform.team.status({});
    if (result.ok) {
      status.value = result.value;
      error.value = null;
    } else if (!status.value) {
      error.value = result.error;
    }
    // After unmount this schedules nothing (usePolling stops for good with its scope).
    polling.schedule();
  }

  onMounted(() => void refresh());
  return { status, error, refresh };
}
