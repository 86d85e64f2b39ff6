import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/** The app name Electron uses for its userData folder; the CLI must land in the same place. */
export const APP_NAME = 'authdesk';

/** Default keychain service name (keytar "service"); tests override it. */
export const DEFAULT_KEYCHAIN_SERVICE = 'authdesk';

/** The environment variables the data dir and keychain service depend on. */
export type PathEnv = Readonly<Record<string, string | undefined>>;

/**
 * The data dir shared by the desktop app and the CLI: `AUTHDESK_HOME` when set, else the folder
 * Electron's `app.getPath('userData')` gives an app named `authdesk` (`$XDG_CONFIG_HOME/authdesk`
 * or `~/.config/authdesk` on Linux, `~/Library/Application Support/authdesk` on macOS,
 * `%APPDATA%\authdesk` on Windows). Computed here, without Electron, so the CLI agrees with the app.
 */
export function resolveDataDir(
  env: PathEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const override = env.AUTHDESK_HOME?.trim();
  if (override) return override;
  if (platform === 'win32') {
    const appData = env.APPDATA?.trim() || win32.join(home, 'AppData', 'Roaming');
    return win32.join(appData, APP_NAME);
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', APP_NAME);
  // Same rule as Chromium's base::nix::GetXDGDirectory, which Electron uses for userData.
  const xdg = env.XDG_CONFIG_HOME;
  return posix.join(xdg ? xdg : posix.join(home, '.config'), APP_NAME);
}

/** The keychain service name: `AUTHDESK_KEYCHAIN_SERVICE` when set (tests), else `authdesk`. */
export function resolveKeychainService(env: PathEnv = process.env): string {
  return env.AUTHDESK_KEYCHAIN_SERVICE?.trim() || DEFAULT_KEYCHAIN_SERVICE;
}
