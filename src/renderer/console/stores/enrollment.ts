import { defineStore } from 'pinia';
import type { EnrollmentMode, EnrollmentOptions, EnrollmentView } from '@shared/domain/enrollment';
import { useUserSubject } from '../composables/useUserSubject';
import { usePlatform } from '../platform/platform';
import { useVerificationStore } from './verification';

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

  const subject = useUserSubject<EnrollmentOptions, EnrollmentView>(refresh, ENROLLMENT_POLL_MS);
  const { userId, options, current, link, loading, acting, polling } = subject;

  function show(view: EnrollmentView): void {
    current.value = view;
    if (view.status !== 'open') {
      link.value = null;
      polling.stop();
      return;
    }
    polling.schedule();
  }

  /** Loads which ways to enroll are open now. */
  async function load(id: string): Promise<void> {
    const loaded = await subject.load(id, (userId) => platform.enrollment.options({ userId }));
    if (!loaded?.current) return;
    // A reloaded console re-attaches to the open link: its QR code, timer and state come back.
    if (loaded.current.link) link.value = loaded.current.link;
    show(loaded.current);
  }

  /** Starts an enrollment: a window opens in the desktop app, or a link comes back. */
  async function start(mode: EnrollmentMode) {
    const id = userId.value!;
    const result = await acting.run(() => platform.enrollment.start({ userId: id, mode, ...useVerificationStore().ticketRef() }));
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
    else polling.schedule();
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
    clear: subject.clear,
  };
});
