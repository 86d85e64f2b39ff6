import { startEmulator, type EmulatorOptions, type RunningEmulator } from './index';
import type { EmulatorProfile } from './profile';
import { DASHBOARD_PATH } from './urls';

/** What the running emulator reports on start (the `--json` form of the banner). */
export interface EmulatorBanner {
  apiUrl: string;
  origin: string;
  uiOrigin: string;
  dashboardUrl: string;
  tenantId: string;
  secret: string;
  users: number;
  dataFile?: string;
  /** Which reading of Authsignal's undocumented behaviours this instance takes. */
  profile: EmulatorProfile;
}

/** The facts a person (or a script, with `--json`) needs to point a client at the emulator. */
export function bannerFor(emu: RunningEmulator, options: EmulatorOptions): EmulatorBanner {
  return {
    apiUrl: emu.apiUrl,
    origin: emu.origin,
    uiOrigin: emu.uiOrigin,
    dashboardUrl: `${emu.origin}${DASHBOARD_PATH}`,
    tenantId: emu.tenantId,
    // SECURITY: this is the emulator's own throwaway test secret, printed so a person can paste it
    // into a client; it guards nothing but this local process.
    secret: emu.secret,
    users: emu.store.userCount,
    dataFile: options.dataFile,
    profile: emu.profile,
  };
}

/** The human form of the banner. */
export function formatBanner(b: EmulatorBanner): string {
  return [
    'Authdesk local tenant (Authsignal emulator) is running.',
    `  Server API URL: ${b.apiUrl}`,
    `  Tenant ID:      ${b.tenantId}`,
    `  API secret:     ${b.secret}`,
    `  Pre-built UI:   ${b.uiOrigin}`,
    `  Dashboard:      ${b.dashboardUrl}`,
    `  Users:          ${b.users.toLocaleString('en-US')}${b.dataFile ? ` (saved to ${b.dataFile})` : ' (in memory)'}`,
    `  Profile:        ${b.profile}${b.profile === 'strict' ? ' (takes the least favourable reading of every undocumented behaviour)' : ''}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/** Something that delivers SIGINT/SIGTERM: the process in real use, an EventEmitter in tests. */
export interface SignalSource {
  once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/**
 * Starts the emulator, reports it through `onStarted`, and runs until SIGINT or SIGTERM, then
 * closes it (which writes the last snapshot with `--data`). Resolves once it is fully stopped.
 */
export async function runEmulatorUntilSignal(
  options: EmulatorOptions,
  onStarted: (banner: EmulatorBanner) => void,
  signals: SignalSource = process,
): Promise<void> {
  const emu = await startEmulator(options);
  onStarted(bannerFor(emu, options));
  await new Promise<void>((resolve) => {
    const stop = () => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.once('SIGINT', stop);
    signals.once('SIGTERM', stop);
  });
  await emu.close();
}
