// electron-builder afterPack hook: flips Electron's fuses in the packaged binary, then reads them
// back and fails the build if any is not as set. Runs after the app is copied and before signing
// (fuses change the binary, so they must precede the signature).
import { join } from 'node:path';
import electronFuses from '@electron/fuses';

const { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } = electronFuses;

/** The fuse settings of every Authdesk release. */
export const FUSES = {
  // SECURITY: ELECTRON_RUN_AS_NODE would turn the signed app into a general Node interpreter.
  [FuseV1Options.RunAsNode]: false,
  // SECURITY: cookies (the sandboxed windows' partitions, if ever persisted) encrypted with the OS key.
  [FuseV1Options.EnableCookieEncryption]: true,
  // SECURITY: NODE_OPTIONS (--require, --inspect) must not inject code into main.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // SECURITY: --inspect / --inspect-brk would hand main (and the secret it holds) to a debugger.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // SECURITY: app.asar is checked against the hash embedded at packaging time (macOS, Windows).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // SECURITY: only app.asar is loaded, never a loose app/ folder dropped next to it.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // SECURITY: file:// gets no extra privileges: Authdesk serves its pages over app://.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

const ARM64 = 3; // builder-util's Arch.arm64

/** The Electron binary electron-builder produced, as its own addElectronFuses() locates it. */
export function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    case 'linux':
      return join(appOutDir, packager.executableName);
    default:
      throw new Error(`afterPack: no fuse support for platform ${electronPlatformName}`);
  }
}

/** The hook. */
export async function afterPack(context) {
  const binary = electronBinaryPath(context);
  const darwin = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  await flipFuses(binary, {
    version: FuseVersion.V1,
    // An arm64 macOS binary's ad-hoc signature breaks when its bytes change; re-sign it (real
    // signing happens after this hook).
    resetAdHocDarwinSignature: darwin && context.arch === ARM64,
    ...FUSES,
  });
  const wire = await getCurrentFuseWire(binary);
  const wrong = Object.entries(FUSES).filter(([index, enabled]) => wire[index] !== (enabled ? 49 : 48));
  if (wrong.length > 0) {
    throw new Error(`afterPack: fuses not set as required: ${wrong.map(([i]) => FuseV1Options[i]).join(', ')}`);
  }
  console.log(`afterPack: fuses flipped in ${binary}`);
}

export default afterPack;
