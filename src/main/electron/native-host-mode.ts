import { join } from 'node:path';
import { app } from 'electron';
import { AUTHDESK_EXTENSION_ID } from '@shared/bridge/extension-id';
import { bridgeSocketPath } from '../services/browser-bridge/paths';
import { extensionOriginFromArgv, runNativeHost } from '../services/browser-bridge/native-relay';
import { resolveDataDir } from '../services/platform/paths';
import { startDesktopApp, type DesktopAppDeps } from './app';

/** Seams the tests replace; production uses process's own. */
export interface NativeHostModeDeps {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
}

/**
 * The Authdesk extension's origin when the browser started this process as its native messaging
 * host (`<app> chrome-extension://<id>/ [--parent-window=N]`), else null. Only the Authdesk
 * extension's id counts: any other argument list starts the desktop app as usual.
 */
export function nativeHostOrigin(argv: readonly string[], allowedIds: readonly string[] = [AUTHDESK_EXTENSION_ID]): string | null {
  // `electron .` (a dev run) puts the app path before the arguments; a packaged app does not.
  return extensionOriginFromArgv(argv, allowedIds, process.defaultApp ? 2 : 1);
}

/**
 * Runs this process as the browser's native host: relays frames between stdin/stdout and the
 * running app's socket until the browser closes the pipe, then exits. It must run before anything
 * else in main: no window, no single-instance lock (the running app holds it; taking it would hand
 * this launch over to that app and quit), no `whenReady`, no protocol or sandbox setup.
 *
 * SECURITY: this mode exposes nothing the dev host (`authdesk native-host`) does not. The relay
 * holds no key, reads no content and only forwards length-checked frames to the owner-only socket
 * (0700 folder / per-user pipe) of the app already running; the end-to-end session with pairing,
 * confirmed in the desktop window, protects everything above it, and the app checks the origin
 * again. No renderer, IPC handler, protocol or service is created. RunAsNode stays off: this is
 * fixed code in the signed app, not an interpreter for arbitrary scripts.
 */
export async function runAsNativeHost(origin: string, deps: Partial<NativeHostModeDeps> = {}): Promise<void> {
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? process.platform;
  const stdout = deps.stdout ?? process.stdout;
  // Nothing is drawn: no GPU process work, and no Dock icon on macOS.
  app.disableHardwareAcceleration();
  app.dock?.hide();
  const dataDir = resolveDataDir(env, platform);
  // Chromium's own files for this short-lived process go apart from the running app's
  // (dataDir/chromium), so the two never write the same caches.
  app.setPath('sessionData', join(dataDir, 'chromium-native-host'));
  // The browser went away (EPIPE): nothing is left to relay.
  stdout.once('error', () => app.exit(0));
  try {
    await runNativeHost(
      { stdin: deps.stdin ?? process.stdin, stdout },
      { socketPath: bridgeSocketPath(dataDir, platform), origin },
    );
    app.exit(0);
  } catch (error) {
    // Only the error's kind: stderr reaches the browser's log.
    console.error(`Authdesk native host stopped: ${error instanceof Error ? error.name : typeof error}`);
    app.exit(1);
  }
}

/**
 * Main's entry: the native host when the browser started us for the Authdesk extension, else the
 * desktop app. Resolves to 'native-host' or to the desktop app (null in a second instance).
 */
export async function launch(
  argv: readonly string[] = process.argv,
  deps: { host?: Partial<NativeHostModeDeps>; desktop?: Partial<DesktopAppDeps> } = {},
): Promise<'native-host' | Awaited<ReturnType<typeof startDesktopApp>>> {
  const origin = nativeHostOrigin(argv);
  if (origin) {
    await runAsNativeHost(origin, deps.host);
    return 'native-host';
  }
  return startDesktopApp(deps.desktop);
}
