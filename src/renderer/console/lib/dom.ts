/** Something a parent can move focus to (a component's exposed handle). */
export interface FocusHandle {
  focus(): void;
}

/** The exposed handle of BaseSecretInput.vue: read-once, then empty. */
export interface SecretFieldHandle extends FocusHandle {
  /** Returns what was typed and empties the field. */
  take(): string;
  /** Empties the field without reading it. */
  clear(): void;
}

/** Focuses the element with this id, if it exists. */
export function focusById(id: string): void {
  document.getElementById(id)?.focus();
}

/** The element that has focus now, when it is an HTMLElement (to give focus back later). */
export function activeElement(): HTMLElement | null {
  return document.activeElement instanceof HTMLElement ? document.activeElement : null;
}
