import { join } from 'node:path';
import { BrowserWindow } from 'electron';
import { setNavigationPolicy } from './guards';
import { APP_ORIGIN, isLoopbackHttp, originOf } from './origin';
import { secureWebPreferences } from './web-preferences';

/** Where the console comes from. */
export interface ConsoleSource {
  /** The URL the window loads. */
  url: string;
  /** The origins its top frame may show (and call IPC from). */
  origins: ReadonlySet<string>;
}

/**
 * The console's URL: `app://authdesk/console/index.html`, or electron-vite's dev server when
 * `npm run dev` runs an unpackaged build.
 * SECURITY: the dev server is accepted only unpackaged and only on loopback http; a packaged app
 * ignores ELECTRON_RENDERER_URL, so no environment variable can point it at remote content.
 */
export function consoleSource(isPackaged: boolean, devServerUrl: string | undefined): ConsoleSource {
  if (!isPackaged && devServerUrl && isLoopbackHttp(devServerUrl)) {
    const origin = originOf(devServerUrl);
    if (origin) return { url: new URL('console/index.html', `${origin}/`).href, origins: new Set([origin]) };
  }
  return { url: `${APP_ORIGIN}/console/index.html`, origins: new Set([APP_ORIGIN]) };
}

/** Creates the console window: the console preload, our origin only, shown when painted. */
export function createConsoleWindow(options: { preloadDir: string; source: ConsoleSource; devTools: boolean }): BrowserWindow {
  // electronegativity-ignore: CONTEXT_ISOLATION_JS_CHECK, SANDBOX_JS_CHECK, AUXCLICK_JS_CHECK -- the tool cannot follow secureWebPreferences(), which sets sandbox, contextIsolation and disables Auxclick; windows.test.ts pins the whole object
  const win = new BrowserWindow({
    title: 'Authdesk',
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: secureWebPreferences({
      preload: join(options.preloadDir, 'console.cjs'),
      devTools: options.devTools,
    }),
  });
  // SECURITY: the console never leaves its own origin; no remote page ever gets its preload.
  // Its "email the link" buttons may open the OS mail client (mailto: only; see NavigationPolicy).
  setNavigationPolicy(win.webContents, { allowedOrigins: options.source.origins, mailto: true });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.source.url);
  return win;
}
