import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { VerificationOptions, VerificationView } from '@shared/domain/verification';
import type { Result } from '@shared/ipc/result';
import { useUserSubject } from '../composables/useUserSubject';
import { usePlatform } from '../platform/platform';

/** How often a pending challenge link is checked (main throttles what it asks the tenant). */
export const VERIFICATION_POLL_MS = 2000;

/**
 * Caller verification for the user on screen. Main holds the verification (and decides what it
 * covers); this store shows it: the ways the caller can be checked, the check in progress, and the
 * live verification's expiry. A challenge link is polled while it waits for the user.
 */
export const useVerificationStore = defineStore('verification', () => {
  const platform = usePlatform();

  const subject = useUserSubject<VerificationOptions, VerificationView>(refresh, VERIFICATION_POLL_MS);
  const { userId, options, current, link, loading, acting, polling } = subject;
  /** The ticket of this call: typed once, sent with the verification and the enrollment. */
  const ticket = ref('');
  const ticketRef = () => (ticket.value.trim() ? { ticket: ticket.value.trim() } : {});

  function show(view: VerificationView): void {
    current.value = view;
    if (view.status !== 'pending') link.value = null;
    schedulePoll();
  }

  /** Only a pending challenge link changes without the agent: nothing else is polled. */
  function schedulePoll(): void {
    const view = current.value;
    if (!view || view.status !== 'pending' || view.method !== 'prebuilt-ui') polling.stop();
    else polling.schedule();
  }

  /** Loads what main offers for this user (and their latest verification). */
  async function load(id: string): Promise<void> {
    const loaded = await subject.load(id, (userId) => platform.verification.options({ userId }));
    if (loaded?.current) show(loaded.current);
  }

  async function act(request: () => Promise<Result<VerificationView>>): Promise<Result<VerificationView>> {
    const id = userId.value;
    const result = await acting.run(request);
    if (result.ok && userId.value === id) {
      if (result.value.link) link.value = result.value.link;
      show(result.value);
    }
    return result;
  }

  /** Sends a code to one of the user's verified contacts (by its ref). */
  function sendCode(method: 'email-otp' | 'sms-otp', targetRef: string) {
    return act(() => platform.verification.start({ userId: userId.value!, method, targetRef, ...ticketRef() }));
  }

  /** Creates a pre-built UI challenge link for the user's own device. */
  function createLink() {
    return act(() => platform.verification.start({ userId: userId.value!, method: 'prebuilt-ui', ...ticketRef() }));
  }

  /** Checks the code the caller read back. */
  function submitCode(code: string) {
    return act(() => platform.verification.submitCode({ verificationId: current.value!.id, code }));
  }

  /** Records how the agent checked a caller who has nothing enrolled. */
  function recordOffline(note: string) {
    return act(() => platform.verification.recordOffline({ userId: userId.value!, note, ...ticketRef() }));
  }

  /** Stops a pending check, or ends a live verification. */
  function cancel() {
    return act(() => platform.verification.cancel({ verificationId: current.value!.id }));
  }

  /** Asks main where the verification stands (a link's action state; an expiry). */
  async function refresh(): Promise<void> {
    const view = current.value;
    if (!view) return;
    const result = await platform.verification.check({ verificationId: view.id });
    if (result.ok && current.value?.id === view.id) show(result.value);
    else if (!result.ok && current.value?.id === view.id) schedulePoll();
  }

  return {
    userId,
    options,
    current,
    link,
    ticket,
    ticketRef,
    loading: loading.pending,
    loadError: loading.error,
    acting: acting.pending,
    actionError: acting.error,
    load,
    sendCode,
    createLink,
    submitCode,
    recordOffline,
    cancel,
    refresh,
    clear: () => {
      ticket.value = '';
      subject.clear();
    },
  };
});
