import { onScopeDispose } from 'vue';

/** A key binding: `mod+k` (Ctrl on Windows/Linux, Cmd on macOS), `/`, `escape`… */
export type HotkeyMap = Record<string, (event: KeyboardEvent) => void>;

/** True when the key press is typing into something (a field, an editable region, a select). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(type);
}

/** The binding name of a key press, e.g. `mod+k`, `/`, `shift+?`. */
export function keyName(event: KeyboardEvent, mac = /Mac|iPhone|iPad/.test(navigator.platform)): string {
  const mod = mac ? event.metaKey : event.ctrlKey;
  const key = event.key.toLowerCase();
  return `${mod ? 'mod+' : ''}${event.altKey ? 'alt+' : ''}${key}`;
}

/**
 * Global keyboard shortcuts for the lifetime of the calling component. A binding fires anywhere,
 * except that bare keys (no modifier, like `/`) never fire while the person is typing in a field,
 * so "/" still types a slash in a reason box.
 */
export function useHotkeys(bindings: HotkeyMap, target: Window = window): void {
  const onKeydown = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.isComposing) return;
    const name = keyName(event);
    const handler = bindings[name];
    if (!handler) return;
    if (!name.includes('+') && isTypingTarget(event.target)) return;
    event.preventDefault();
    handler(event);
  };
  target.addEventListener('keydown', onKeydown);
  onScopeDispose(() => target.removeEventListener('keydown', onKeydown));
}
