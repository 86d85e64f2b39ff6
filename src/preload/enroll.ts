import { contextBridge, ipcRenderer } from 'electron';

/**
 * The guided-enrollment window's whole bridge: read the session once, then complete or cancel.
 *
 * SECURITY: this window handles a user's short-lived token and a WebAuthn ceremony; it must reach
 * nothing of the console API, so it gets exactly three functions and no channel of the console.
 */
contextBridge.exposeInMainWorld('authdeskEnroll', {
  session: () => ipcRenderer.invoke('enroll-window:session'),
  complete: (result: unknown) => ipcRenderer.invoke('enroll-window:complete', result),
  cancel: (reason?: string) => ipcRenderer.invoke('enroll-window:cancel', reason ?? 'cancelled'),
});
