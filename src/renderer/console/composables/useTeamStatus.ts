import { onBeforeUnmount, onMounted, ref } from 'vue';
import type { TeamStatus } from '@shared/domain/team';
import type { ErrorInfo } from '@shared/errors';
import { usePlatform } from '../platform/platform';

/**
 * The team log state (team mode) as main's background shipper keeps it, for a component on
 * screen: read when it mounts, then every `intervalMs` until it unmounts. A failed read keeps the
 * last known state; `error` is set only while no state was ever read.
 */
export function useTeamStatus(intervalMs: number) {
  const platform = usePlatform();
  const status = ref<TeamStatus | null>(null);
  const error = ref<ErrorInfo | null>(null);
  let timer: ReturnType<typeof setInterval> | undefined;

  async function refresh() {
    const result = await platform.team.status({});
    if (result.ok) {
      status.value = result.value;
      error.value = null;
    } else if (!status.value) {
      error.value = result.error;
    }
  }

  onMounted(() => {
    void refresh();
    timer = setInterval(() => void refresh(), intervalMs);
  });
  onBeforeUnmount(() => clearInterval(timer));
  return { status, error, refresh };
}
