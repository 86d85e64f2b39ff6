import { defineStore } from 'pinia';
import { ref } from 'vue';

/** One status line for the polite live region ("Tenant added", "Prod is now active"). */
export interface Notice {
  id: number;
  text: string;
}

/**
 * Short confirmations announced to screen readers and shown briefly on screen. One live region in
 * the layout reads them, so views never need their own.
 */
export const useNoticesStore = defineStore('notices', () => {
  const current = ref<Notice | null>(null);
  let next = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Announces `text`; it stays visible for a few seconds. */
  function announce(text: string, visibleMs = 6000): void {
    current.value = { id: next++, text };
    clearTimeout(timer);
    timer = setTimeout(() => (current.value = null), visibleMs);
  }

  /** Hides the current notice. */
  function dismiss(): void {
    clearTimeout(timer);
    current.value = null;
  }

  return { current, announce, dismiss };
});
