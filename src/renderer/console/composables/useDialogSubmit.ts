import { nextTick, ref, type Ref } from 'vue';
import type { ErrorInfo } from '@shared/errors';
import type { Result } from '@shared/ipc/result';
import type { FocusHandle } from '../lib/dom';
import { useNoticesStore } from '../stores/notices';

/**
 * The submit of a dialog whose form closes once its request succeeds. `pending` is true while the
 * request runs; then it either announces what was done and closes, or shows the error on the form
 * and moves focus to the error summary once it is on screen.
 */
export function useDialogSubmit(form: {
  errors: { show(error: ErrorInfo): void };
  summary: Ref<FocusHandle | null>;
  close: () => void;
}) {
  const notices = useNoticesStore();
  const pending = ref(false);

  async function run<T>(request: () => Promise<Result<T>>, done: (value: T) => string): Promise<void> {
    pending.value = true;
    const result = await request();
    pending.value = false;
    if (result.ok) {
      notices.announce(done(result.value));
      form.close();
      return;
    }
    form.errors.show(result.error);
    await nextTick();
    form.summary.value?.focus();
  }

  return { pending, run };
}
