// Electron lifecycle only: everything else lives in ./electron (the shell) and ./services.
import { app } from 'electron';
import { startDesktopApp } from './electron/app';

startDesktopApp().catch((error: unknown) => {
  console.error('Authdesk could not start:', error instanceof Error ? error.message : error);
  app.exit(1);
});
