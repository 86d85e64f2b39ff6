import { contextBridge, ipcRenderer } from 'electron';
import { ENROLL_WINDOW_CHANNEL } from '@shared/ipc/channel-names';

/**
 * The guided-enrollment window's whole bridge: read the session once, then complete or cancel.
 *
 * SECURITY: this window handles a user's short-lived token and a WebAuthn ceremony; it must reach
 * nothing of the console API, so it gets exactly three functions and no channel of the console.
 */
contextBridge.exposeInMainWorld('authdeskEnroll', {
  session: () => ipcRenderer.invoke(ENROLL_WINDOW_CHANNEL.session),
  complete: (result: unknown) => ipcRenderer.invoke(ENROLL_WINDOW_CHANNEL.complete, result),
  cancel: (reason?: string) => ipcRenderer.invoke(ENROLL_WINDOW_CHANNEL.cancel, reason ?? 'cancelled'),
});
