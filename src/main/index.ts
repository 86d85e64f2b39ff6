// Electron lifecycle only: everything else lives in ./electron (the shell) and ./services.
import { app } from 'electron';
import { launch } from './electron/native-host-mode';

// launch() decides first, before any window, lock or `whenReady`: started by the browser for the
// Authdesk extension, this process is only its native host (see native-host-mode.ts).
launch(process.argv).catch((error: unknown) => {
  console.error('Authdesk could not start:', error instanceof Error ? error.message : error);
  app.exit(1);
});
