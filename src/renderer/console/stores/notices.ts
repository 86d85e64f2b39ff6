import { defineStore } from 'pinia';
import { ref } from 'vue';

/** One status line for the polite live region ("Tenant added", "Prod is now active"). */
export interface Notice {
  id: number;
  text: string;
}

/** How long a notice stays on screen when nobody points at it or focuses it. */
export const NOTICE_VISIBLE_MS = 8000;

/**
 * Short confirmations announced to screen readers and shown briefly on screen. One live region in
 * the layout reads them, so views never need their own. A notice times out; hovering or focusing
 * it pauses the clock (WCAG 2.2.1), and a view can withdraw a notice that became stale before it
 * timed out ("Coverage run started" once the run is complete, issue #14 point 7).
 */
export const useNoticesStore = defineStore('notices', () => {
  const current = ref<Notice | null>(null);
  let next = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let remaining = 0;
  let shownAt = 0;
  let paused = false;

  function arm(ms: number): void {
    clearTimeout(timer);
    remaining = ms;
    shownAt = Date.now();
    timer = setTimeout(() => (current.value = null), ms);
  }

  /** Announces `text`; it stays visible for `visibleMs` (paused while hovered or focused). Returns its id. */
  function announce(text: string, visibleMs = NOTICE_VISIBLE_MS): number {
    const id = next++;
    current.value = { id, text };
    paused = false;
    arm(visibleMs);
    return id;
  }

  /** Stops the clock (the pointer is over the notice, or focus is in it). */
  function pause(): void {
    if (!current.value || paused) return;
    paused = true;
    clearTimeout(timer);
    remaining = Math.max(0, remaining - (Date.now() - shownAt));
  }

  /** Restarts the clock with what was left (at least a moment to read it again). */
  function resume(): void {
    if (!current.value || !paused) return;
    paused = false;
    arm(Math.max(remaining, 2000));
  }

  /** Hides the current notice; with an id, only when that notice is still the one shown. */
  function dismiss(id?: number): void {
    if (id !== undefined && current.value?.id !== id) return;
    clearTimeout(timer);
    paused = false;
    current.value = null;
  }

  return { current, announce, pause, resume, dismiss };
});
