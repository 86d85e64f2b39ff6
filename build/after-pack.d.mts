/** Types of after-pack.mjs: electron-builder loads the .mjs itself; the packaging test imports it typed. */
export interface AfterPackContextLike {
  appOutDir: string;
  /** `linux`, `win32`, `darwin` or `mas`. */
  electronPlatformName: string;
  /** builder-util's Arch (3 = arm64). */
  arch: number;
  packager: { appInfo: { productFilename: string }; executableName: string };
}

/** Fuse index (FuseV1Options) -> enabled, for every release. */
export declare const FUSES: Readonly<Record<number, boolean>>;
/** Where electron-builder put the Electron binary whose fuses are flipped. */
export declare function electronBinaryPath(context: AfterPackContextLike): string;
/** The afterPack hook: flips the fuses, reads them back, throws if any is wrong. */
export declare function afterPack(context: AfterPackContextLike): Promise<void>;
export default afterPack;
