import { ref, type Ref } from 'vue';
import type { Result } from '@shared/ipc/result';
import { usePolling, type Polling } from './usePolling';
import { useRequest, type RequestState } from './useRequest';

/**
 * The state a per-user panel store keeps (enrollment, caller verification): the user on screen,
 * what main offers for them, the latest flow started for them, a link handed out once, and the
 * two request states. `load` and `clear` forget everything when the user changes.
 */
export interface UserSubject<Options, View> {
  userId: Ref<string | null>;
  options: Ref<Options | null>;
  /** The latest flow of this user (main owns its state). */
  current: Ref<View | null>;
  /** A link to hand to the user, while it is open; in memory only (main sends it once). */
  link: Ref<string | null>;
  loading: RequestState;
  acting: RequestState;
  /** Checks the flow again after a pause (the store schedules it while the flow can change). */
  polling: Polling;
  /** Loads what main offers for `id`; resolves to the options only if `id` is still on screen. */
  load: (id: string, fetch: (id: string) => Promise<Result<Options>>) => Promise<Options | null>;
  /** Forgets everything (leaving the user view). */
  clear: () => void;
}

/**
 * State for one per-user panel store; `check` re-reads the flow when `polling` fires, every
 * `pollMs` while scheduled. Forgetting the user stops the polling.
 */
export function useUserSubject<Options, View>(check: () => Promise<void>, pollMs: number): UserSubject<Options, View> {
  const userId = ref<string | null>(null);
  const options = ref(null) as Ref<Options | null>;
  const current = ref(null) as Ref<View | null>;
  const link = ref<string | null>(null);
  const loading = useRequest();
  const acting = useRequest();
  const polling = usePolling(check, pollMs);

  function forget(): void {
    polling.stop();
    options.value = null;
    current.value = null;
    link.value = null;
  }

  async function load(id: string, fetch: (id: string) => Promise<Result<Options>>): Promise<Options | null> {
    if (userId.value !== id) {
      forget();
      acting.reset();
    }
    userId.value = id;
    const result = await loading.run(() => fetch(id));
    if (userId.value !== id || !result.ok) return null;
    options.value = result.value;
    return result.value;
  }

  function clear(): void {
    forget();
    userId.value = null;
  }

  return { userId, options, current, link, loading, acting, polling, load, clear };
}
