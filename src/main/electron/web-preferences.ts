import type { WebPreferences } from 'electron';

/** What differs between our windows; everything else is fixed below. */
export interface SecureWebPreferencesOptions {
  /** Absolute path of a sandboxed preload bundle, or undefined for none. */
  preload?: string;
  /** In-memory partition name (never `persist:`), for the sandboxed windows. */
  partition?: string;
  /** DevTools only in development builds. */
  devTools: boolean;
}

/**
 * The webPreferences every Authdesk window gets. Every security-relevant key is written out, even
 * where it equals Electron's current default, so a default that changes in a future Electron
 * cannot silently weaken a window, and so the unit tests can snapshot the whole object.
 */
export function secureWebPreferences(options: SecureWebPreferencesOptions): WebPreferences {
  const prefs: WebPreferences = {
    // SECURITY: the renderer runs in Chromium's OS sandbox; even a renderer exploit gets no Node.
    sandbox: true,
    // SECURITY: the preload's world is separate from the page's; the page sees only contextBridge values.
    contextIsolation: true,
    // SECURITY: no require/process in pages or their workers.
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    // SECURITY: <webview> would be a second, unguarded browser inside the window.
    webviewTag: false,
    // SECURITY: same-origin policy and mixed-content blocking stay on.
    webSecurity: true,
    allowRunningInsecureContent: false,
    // SECURITY: no experimental Blink features: their security model is not final.
    experimentalFeatures: false,
    // SECURITY: the spellchecker would send typed text (names, emails, notes) to a dictionary service.
    spellcheck: false,
    // SECURITY: dropping a file or link on the window must not navigate it away from our origin.
    navigateOnDragDrop: false,
    // SECURITY: middle-click (auxclick) is another way to open a window; the window-open handler
    // denies it too, this just stops it earlier.
    disableBlinkFeatures: 'Auxclick',
    // SECURITY: a page cannot flood the agent with alert() loops to push a decision.
    safeDialogs: true,
    // SECURITY: DevTools would let anyone at the keyboard run code in a privileged renderer.
    devTools: options.devTools,
  };
  if (options.preload !== undefined) prefs.preload = options.preload;
  if (options.partition !== undefined) {
    // SECURITY: an in-memory partition: cookies and storage of one enrollment never reach another or disk.
    if (options.partition.startsWith('persist:')) throw new Error('Sandboxed windows must use an in-memory partition');
    prefs.partition = options.partition;
  }
  return prefs;
}
