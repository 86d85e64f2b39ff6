// Electron lifecycle only: everything else lives in ./electron (the shell) and ./services.
import { startDesktopApp } from './electron/app';

void startDesktopApp();
