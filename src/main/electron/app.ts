import { app } from 'electron';

/** Boots the desktop app. TODO(#2): windows, guards, protocol, IPC transport. */
export async function startDesktopApp(): Promise<void> {
  await app.whenReady();
}
