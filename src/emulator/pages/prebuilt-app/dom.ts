import { page } from './state';

/** The page's landmarks, rendered by the server (routes/prebuilt-ui.ts). */
const main = document.getElementById('main')!;
const statusEl = document.getElementById('status')!;

// ---- messages to the opener / parent (popup mode) ------------------------------------------

function target(): Window | null {
  if (!page.popup) return null;
  if (window.parent && window.parent !== window) return window.parent;
  return (window.opener as Window | null) || null;
}

/** Posts a message to the opener or parent, in popup mode only. */
export function post(message: unknown): void {
  const t = target();
  if (!t) return;
  // SECURITY: messages (which may carry the token) go only to origins the tenant trusts, never '*'.
  page.trustedOrigins.forEach((origin) => {
    try {
      t.postMessage(message, origin);
    } catch {
      /* a closed or cross-origin-navigated target */
    }
  });
}

export function resized(): void {
  if (page.popup) post({ height: Math.ceil(document.documentElement.scrollHeight) });
}

// ---- DOM helpers ---------------------------------------------------------------------------

type AttrValue = string | number | boolean | null | undefined | ((event: Event) => unknown);
type Child = Node | string | null | undefined | false;

/**
 * Creates an element: `text` sets its text, `on*` adds a listener, other attributes are set as
 * strings (`true` as empty, `false`/null/undefined skipped). Never parses markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  Object.keys(attrs).forEach((key) => {
    const value = attrs[key];
    if (value === undefined || value === null || value === false) return;
    if (key === 'text') el.textContent = String(value);
    else if (key.indexOf('on') === 0 && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  });
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

/** Replaces the main region with a new screen (focused heading, optional intro) and returns its body. */
export function screen(title: string, intro?: string): HTMLDivElement {
  if (page.pollTimer) {
    clearInterval(page.pollTimer);
    page.pollTimer = null;
  }
  main.textContent = '';
  statusEl.textContent = '';
  const heading = h('h1', { id: 'screen-title', tabindex: '-1', text: title });
  main.appendChild(heading);
  if (intro) main.appendChild(h('p', { text: intro }));
  const region = h('div', { id: 'screen-body' });
  main.appendChild(region);
  setTimeout(() => {
    heading.focus();
    resized();
  }, 0);
  return region;
}

/** A polite status message. */
export function say(text: string): void {
  statusEl.textContent = text;
}

/** An error alert under the heading (one at a time). */
export function showError(text: string): void {
  const old = document.getElementById('error');
  if (old) old.remove();
  main.insertBefore(h('p', { id: 'error', role: 'alert', class: 'error', text }), main.children[1] || null);
  resized();
}

export function busy(button: HTMLButtonElement | null, on: boolean): void {
  if (!button) return;
  button.disabled = on;
  button.setAttribute('aria-busy', on ? 'true' : 'false');
}
