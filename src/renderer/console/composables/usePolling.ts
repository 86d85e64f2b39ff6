import { getCurrentScope, onScopeDispose } from 'vue';

/** A one-shot timer that calls `check` again after a pause, for state main owns and may change. */
export interface Polling {
  /** (Re)starts the pause: `check` runs once after `intervalMs`, unless stopped first. */
  schedule: () => void;
  /** Cancels a scheduled check. */
  stop: () => void;
}

/**
 * Polls by re-scheduling, never by interval: `check` decides after each answer whether to ask again
 * (so a slow answer never overlaps the next one). Stops for good when the owning store or
 * component scope is disposed: an answer that arrives after that cannot schedule again.
 */
export function usePolling(check: () => Promise<void>, intervalMs: number): Polling {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  function stop(): void {
    clearTimeout(timer);
    timer = undefined;
  }
  function schedule(): void {
    stop();
    if (!disposed) timer = setTimeout(() => void check(), intervalMs);
  }
  if (getCurrentScope()) {
    onScopeDispose(() => {
      disposed = true;
      stop();
    });
  }
  return { schedule, stop };
}
