import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Settings } from '@shared/domain/settings';
import type { Keychain } from '../platform/keychain';

/**
 * The settings as Authdesk last wrote them, kept outside the file (in the OS keychain): a
 * settings.json edited outside the app is told apart from one the app wrote, and the last
 * confirmed settings stay known, so a hand edit never weakens protection until an admin confirms
 * it in the app. SECURITY (limits, in the README): the same OS account can rewrite the keychain
 * entry too; a managed or team policy is what an agent cannot get around.
 */
export const Sealed = z.object({
  v: z.literal(1),
  /** SHA-256 of the file bytes the app wrote (or an admin confirmed). */
  sha256: z.string(),
  settings: Settings,
  /** The external edit already recorded in the audit log (recorded once, not at every read). */
  reportedSha256: z.string().optional(),
});
export type Sealed = z.infer<typeof Sealed>;

export interface SettingsSeal {
  read(): Promise<Sealed | null>;
  write(sealed: Sealed): Promise<void>;
}

export const sha256Of = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A seal in the OS keychain, one account per settings file. */
export function keychainSeal(keychain: Keychain, file: string): SettingsSeal {
  const account = `settings-seal-v1:${sha256Of(file).slice(0, 24)}`;
  return {
    async read() {
      const text = await keychain.get(account).catch(() => null);
      if (!text) return null;
      try {
        return Sealed.parse(JSON.parse(text));
      } catch {
        return null;
      }
    },
    async write(sealed) {
      await keychain.set(account, JSON.stringify(sealed)).catch(() => undefined);
    },
  };
}
