import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { EnrollmentMode, EnrollmentOptions, EnrollmentView } from '@shared/domain/enrollment';
import { useRequest } from '../composables/useRequest';
import { usePlatform } from '../platform/platform';

/** How often an open enrollment is checked (a window's outcome, a link's progress). */
export const ENROLLMENT_POLL_MS = 1500;

/**
 * Enrollment for the user on screen: which ways are open (main decides, from the policy, the
 * caller verification and the user's authenticators), the enrollment in progress and what it
 * added. An open enrollment is polled until it ends; main reports the outcome of a window or a
 * link, the console never decides it.
 */
export const useEnrollmentStore = defineStore('enrollment', () => {
  const platform = usePlatform();

  const userId = ref<string | null>(null);
  const options = ref<EnrollmentOptions | null>(null);
  /** The latest enrollment of this user started here. */
  const current = ref<EnrollmentView | null>(null);
  /** A link to hand to the user, while it is open; in memory only (main sends it once). */
  const link = ref<string | null>(null);
  const loading = useRequest();
  const acting = useRequest();
  let pollTimer: ReturnType<typeof setTimeout> | undefined;

  function stopPolling(): void {
    clearTimeout(pollTimer);
    pollTimer = undefined;
  }

  function show(view: EnrollmentView): void {
    current.value = view;
    if (view.status !== 'open') {
      link.value = null;
      stopPolling();
      return;
    }
    stopPolling();
    pollTimer = setTimeout(() => void refresh(), ENROLLMENT_POLL_MS);
  }

  /** Loads which ways to enroll are open now. */
  async function load(id: string): Promise<void> {
    if (userId.value !== id) {
      stopPolling();
      options.value = null;
      current.value = null;
      link.value = null;
      acting.reset();
    }
    userId.value = id;
    const result = await loading.run(() => platform.enrollment.options({ userId: id }));
    if (userId.value !== id || !result.ok) return;
    options.value = result.value;
    if (result.value.current) show(result.value.current);
  }

  /** Starts an enrollment: a window opens in the desktop app, or a link comes back. */
  async function start(mode: EnrollmentMode) {
    const id = userId.value!;
    const result = await acting.run(() => platform.enrollment.start({ userId: id, mode }));
    if (result.ok && userId.value === id) {
      link.value = result.value.link ?? null;
      show(result.value);
    }
    return result;
  }

  /** Closes the window, or stops watching the link. */
  async function cancel() {
    const view = current.value;
    if (!view) return;
    const result = await acting.run(() => platform.enrollment.cancel({ enrollmentId: view.id }));
    if (result.ok && current.value?.id === view.id) show(result.value);
  }

  /** Asks main where the enrollment stands. */
  async function refresh(): Promise<void> {
    const view = current.value;
    if (!view) return;
    const result = await platform.enrollment.check({ enrollmentId: view.id });
    if (current.value?.id !== view.id) return;
    if (result.ok) show(result.value);
    else pollTimer = setTimeout(() => void refresh(), ENROLLMENT_POLL_MS);
  }

  /** Forgets everything (leaving the user view). */
  function clear(): void {
    stopPolling();
    userId.value = null;
    options.value = null;
    current.value = null;
    link.value = null;
  }

  return {
    userId,
    options,
    current,
    link,
    loading: loading.pending,
    loadError: loading.error,
    acting: acting.pending,
    actionError: acting.error,
    load,
    start,
    cancel,
    refresh,
    clear,
  };
});
