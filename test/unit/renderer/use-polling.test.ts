import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { usePolling } from '../../../src/renderer/console/composables/usePolling';

// The console's one poller: re-schedules after each answer, and ends with the store or component
// that owns it, including for an answer that arrives after the owner is gone.

describe('usePolling', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('checks once per schedule, after the pause, and not when stopped first', async () => {
    const check = vi.fn(() => Promise.resolve());
    const polling = usePolling(check, 1000);
    polling.schedule();
    polling.schedule();
    await vi.advanceTimersByTimeAsync(999);
    expect(check).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(check).toHaveBeenCalledOnce();
    polling.schedule();
    polling.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(check).toHaveBeenCalledOnce();
  });

  it('stops with its scope, and an answer arriving after that schedules nothing', async () => {
    const check = vi.fn(() => Promise.resolve());
    const scope = effectScope();
    const polling = scope.run(() => usePolling(check, 1000))!;
    polling.schedule();
    scope.stop();
    await vi.advanceTimersByTimeAsync(5000);
    // The late answer of a read started before the unmount.
    polling.schedule();
    await vi.advanceTimersByTimeAsync(5000);
    expect(check).not.toHaveBeenCalled();
  });
});
