import { Menu, type MenuItemConstructorOptions } from 'electron';
import { openExternalSafe } from './guards';

/**
 * The application menu: standard roles only, so shortcuts (copy, paste, zoom, quit) work as on
 * every app of the platform.
 * SECURITY: reload and DevTools are offered in development builds only: in production the view
 * menu is built by hand because the `viewMenu` role would add "Toggle Developer Tools".
 */
export function buildMenuTemplate(options: { isMac: boolean; devTools: boolean }): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    ...(options.devTools
      ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as const)
      : []),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    ...(options.isMac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Authsignal documentation', click: () => void openExternalSafe('https://docs.authsignal.com/') },
        { label: 'Authsignal portal', click: () => void openExternalSafe('https://portal.authsignal.com/') },
      ],
    },
  ];
}

/** Installs the application menu. */
export function installAppMenu(options: { isMac: boolean; devTools: boolean }): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(options)));
}
