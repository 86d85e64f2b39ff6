import { join } from 'node:path';
import { z } from 'zod';
import { ExtensionId, PublicKeyB64 } from '@shared/bridge/protocol';
import { AppError } from '@shared/errors';
import { readJsonFile, writeJsonAtomic } from '../platform/atomic-file';
import { bridgeDir } from './paths';

/** A browser extension the agent paired with this desktop (its long-term public key). */
export const PairedExtension = z.object({
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  publicKey: PublicKeyB64,
  extensionId: ExtensionId,
  /** The fingerprint phrase both sides showed when the agent confirmed it. */
  phrase: z.string().max(200),
  pairedAt: z.iso.datetime({ offset: true }),
  lastSeenAt: z.iso.datetime({ offset: true }).optional(),
});
export type PairedExtension = z.infer<typeof PairedExtension>;

const BridgeStateFile = z.object({
  version: z.literal(1),
  /** Browser integration switched on in settings (host manifests written, socket listening). */
  enabled: z.boolean(),
  paired: z.array(PairedExtension),
  /** Key ids revoked in settings: refused outright, even for a new pairing request. */
  revoked: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(10_000),
});
type BridgeStateFile = z.infer<typeof BridgeStateFile>;

const EMPTY: BridgeStateFile = { version: 1, enabled: false, paired: [], revoked: [] };

/**
 * The bridge's persistent state in `<dataDir>/browser-bridge/bridge.json` (0600, atomic writes):
 * whether integration is on, the paired extensions' public keys and the revoked key ids. Pending
 * pairings are never written: they live in memory until the agent confirms them.
 */
export class PairingStore {
  readonly file: string;
  private state: BridgeStateFile | undefined;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = join(bridgeDir(dataDir), 'bridge.json');
  }

  /** The current state (read once, then kept in step with our own writes). */
  async read(): Promise<BridgeStateFile> {
    if (this.state) return this.state;
    let raw: unknown;
    try {
      raw = await readJsonFile(this.file);
    } catch (error) {
      throw new AppError('internal', `The browser pairing file ${this.file} is damaged. Remove it and pair the browser again.`, { cause: error });
    }
    if (raw === undefined) return (this.state = structuredClone(EMPTY));
    const parsed = BridgeStateFile.safeParse(raw);
    // SECURITY: a file we cannot read trusts nobody: fail closed rather than guess.
    if (!parsed.success) {
      throw new AppError('internal', `The browser pairing file ${this.file} is damaged. Remove it and pair the browser again.`);
    }
    return (this.state = parsed.data);
  }

  /** Applies a change and writes the file before resolving; changes are serialised. */
  update(change: (state: BridgeStateFile) => void): Promise<BridgeStateFile> {
    const run = this.writing.then(async () => {
      const next = structuredClone(await this.read());
      change(next);
      await writeJsonAtomic(this.file, next);
      this.state = next;
      return next;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** The paired extension with this key id, if any. */
  async findPaired(keyId: string): Promise<PairedExtension | undefined> {
    return (await this.read()).paired.find((p) => p.keyId === keyId);
  }

  /** True when this key id was revoked. */
  async isRevoked(keyId: string): Promise<boolean> {
    return (await this.read()).revoked.includes(keyId);
  }
}
