import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ErrorInfo } from '@shared/errors';
import type { RecentUser, UserSummary } from '@shared/domain/user';
import type { RecognizedQueryView, UserSearchResult } from '@shared/ipc/channels/users';
import { usePlatform } from '../platform/platform';

/** Quiet time after a keystroke before a search is sent (a burst of typing sends one search). */
export const SEARCH_DEBOUNCE_MS = 150;
/** Shorter queries are only searched on Enter: one or two characters match nothing useful. */
export const MIN_AUTO_QUERY_LENGTH = 3;

/** The region of the console's locale ("en-GB" -> "GB"), for phone numbers typed without +country. */
export function localeCountry(languages: readonly string[] = navigator.languages ?? [navigator.language]): string | undefined {
  for (const tag of languages) {
    try {
      const region = new Intl.Locale(tag).maximize().region;
      if (region && /^[A-Z]{2}$/.test(region)) return region;
    } catch {
      // Not a locale tag: try the next one.
    }
  }
  return undefined;
}

/**
 * The search box's state. Debounced with a leading edge: the first input after a quiet spell
 * (a paste, a single keystroke) is sent at once, inputs in a burst wait until typing pauses. Every
 * search carries an increasing `seq`; main cancels the older work, and an answer that is not the
 * newest is dropped here too, so results never jump back to an older query.
 *
 * SECURITY: queries and results (PII) live in memory only; recent users come from main, which keeps
 * them in memory too, so nothing here touches localStorage.
 */
export const useSearchStore = defineStore('search', () => {
  const platform = usePlatform();

  const query = ref('');
  const results = ref<UserSummary[]>([]);
  const recognized = ref<RecognizedQueryView | null>(null);
  const failedLookups = ref<UserSearchResult['failedLookups']>([]);
  const truncated = ref(false);
  const pending = ref(false);
  const error = ref<ErrorInfo | null>(null);
  /** The text the shown results answer; '' before any search. */
  const answered = ref('');
  const recent = ref<RecentUser[]>([]);
  /** Bumped to ask the search box to take focus (the global hotkey). */
  const focusRequests = ref(0);

  // Time-based start so a reloaded window never reuses a seq main has seen.
  let seq = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastInputAt = -Infinity;

  const hasQuery = computed(() => query.value.trim() !== '');

  function reset(): void {
    seq++;
    clearTimeout(timer);
    results.value = [];
    recognized.value = null;
    failedLookups.value = [];
    truncated.value = false;
    pending.value = false;
    error.value = null;
    answered.value = '';
  }

  /** The box's text changed. */
  function input(text: string): void {
    query.value = text;
    clearTimeout(timer);
    // Whatever is still on its way answers an older text: it must not land.
    seq++;
    const now = performance.now();
    const quiet = now - lastInputAt >= SEARCH_DEBOUNCE_MS;
    lastInputAt = now;
    if (text.trim().length < MIN_AUTO_QUERY_LENGTH) {
      reset();
      return;
    }
    pending.value = true;
    if (quiet) void run(text, false);
    else timer = setTimeout(() => void run(text, false), SEARCH_DEBOUNCE_MS);
  }

  /** Searches now (Enter), whatever the length. */
  function submit(): Promise<void> {
    clearTimeout(timer);
    if (!hasQuery.value) {
      reset();
      return Promise.resolve();
    }
    return run(query.value, true);
  }

  /** `committed`: the agent asked for it (Enter), not a pause while typing (main audits those only when they found someone). */
  async function run(text: string, committed: boolean): Promise<void> {
    clearTimeout(timer);
    const mine = ++seq;
    pending.value = true;
    const result = await platform.users.search({ query: text, seq: mine, country: localeCountry(), committed });
    if (mine !== seq) return; // a newer search owns the state now
    pending.value = false;
    if (!result.ok) {
      error.value = result.error;
      results.value = [];
      failedLookups.value = [];
      answered.value = text;
      return;
    }
    if (result.value.superseded) return;
    error.value = null;
    results.value = result.value.results;
    recognized.value = result.value.query;
    failedLookups.value = result.value.failedLookups;
    truncated.value = result.value.truncated;
    answered.value = text;
  }

  /** Loads the recently opened users of the active tenant. */
  async function loadRecent(): Promise<void> {
    const result = await platform.users.recent();
    if (result.ok) recent.value = result.value.users;
  }

  /** Clears the box. */
  function clear(): void {
    query.value = '';
    reset();
  }

  /** Asks the search box to take focus. */
  function requestFocus(): void {
    focusRequests.value++;
  }

  return {
    query,
    results,
    recognized,
    failedLookups,
    truncated,
    pending,
    error,
    answered,
    recent,
    focusRequests,
    hasQuery,
    input,
    submit,
    loadRecent,
    clear,
    requestFocus,
  };
});
