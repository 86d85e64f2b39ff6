import { ref, type Ref } from 'vue';
import type { ErrorInfo } from '@shared/errors';
import type { Result } from '@shared/ipc/result';

/** Pending flag and last error of one kind of request, for a store or a form. */
export interface RequestState {
  /** True while a request runs. */
  pending: Ref<boolean>;
  /** The last failure, cleared when the next request starts. */
  error: Ref<ErrorInfo | null>;
  /**
   * Runs one request and records its outcome. Resolves to the Result itself (never rejects), so the
   * caller can read the value or map validation issues to fields.
   */
  run<T>(request: () => Promise<Result<T>>): Promise<Result<T>>;
  /** Forgets the last error (e.g. when the person dismisses it). */
  reset(): void;
}

/** Turns Results into state: the one place a store or form records loading and failure. */
export function useRequest(): RequestState {
  const pending = ref(false);
  const error = ref<ErrorInfo | null>(null);
  async function run<T>(request: () => Promise<Result<T>>): Promise<Result<T>> {
    pending.value = true;
    error.value = null;
    let result: Result<T>;
    try {
      result = await request();
    } catch {
      // A Platform never rejects, but a bug in a caller's closure must still end in a visible state.
      result = { ok: false, error: { code: 'internal', message: 'Something went wrong inside Authdesk. Try again; if it persists, report it.' } };
    } finally {
      pending.value = false;
    }
    if (!result.ok) error.value = result.error;
    return result;
  }
  return { pending, error, run, reset: () => void (error.value = null) };
}
