import { createHash, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** The evidence pack's files, its manifest and what checking one reports (see evidence.service.ts). */

export const EVIDENCE_FORMAT = 'authdesk-evidence';
/** 2: the pack carries the audit entry that recorded the report's SHA-256 when its run completed. */
export const EVIDENCE_VERSION = 2;
/** Keychain account of the signing key (under the service `<keychain service>.evidence`). */
export const SIGNING_KEY_ACCOUNT = 'evidence-signing-key-v1';

export const PACK_FILES = ['report.csv', 'summary.json', 'audit.jsonl', 'run-entry.jsonl', 'public-key.pem'] as const;
/** The one audit entry (a canonical log line) that recorded the run's completion and its report's SHA-256. */
export const RUN_ENTRY = 'run-entry.jsonl';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** manifest.json. */
export const EvidenceManifest = z.object({
  format: z.literal(EVIDENCE_FORMAT),
  version: z.literal(EVIDENCE_VERSION),
  createdAt: z.string(),
  createdBy: z.object({ app: z.literal('authdesk'), version: z.string() }),
  run: z.object({
    runId: z.string(),
    tenant: z.object({ id: z.string().nullable(), name: z.string().nullable(), host: z.string() }),
    asOf: z.string(),
    staleDays: z.number(),
    input: z.object({ name: z.string(), sha256: Sha256, rows: z.number() }),
    /** The report's SHA-256 as the audit log recorded it when the run completed, and that entry. */
    report: z.object({ sha256: Sha256, auditSeq: z.number().int().positive(), auditHash: Sha256 }),
  }),
  auditSlice: z.object({
    from: z.string(),
    to: z.string(),
    entries: z.number().int().nonnegative(),
    firstSeq: z.number().int().nullable(),
    lastSeq: z.number().int().nullable(),
    /** prevHash of the first entry: where the slice hangs in the full log. */
    anchorHash: Sha256.nullable(),
    lastHash: Sha256.nullable(),
    /** False when the period's entries are not one unbroken run of the chain (a clock that went back). */
    contiguous: z.boolean(),
  }),
  /**
   * Team mode only: where the team chain stood when the pack was cut (after shipping what was
   * waiting), and how far this device's entries were in the store, so `evidence verify` can check
   * the slice against the store. Absent in solo use.
   */
  team: z
    .object({
      url: z.string(),
      deviceId: z.string(),
      teamSeq: z.number().int().nonnegative(),
      teamHash: z.string(),
      /** This device's last local seq the store held at the cut. */
      shippedSeq: z.number().int().nonnegative(),
    })
    .optional(),
  files: z.array(z.object({ path: z.enum(PACK_FILES), sha256: Sha256, bytes: z.number().int().nonnegative() })),
  publicKey: z.object({ algorithm: z.literal('Ed25519'), spkiBase64: z.string(), fingerprint: Sha256 }),
});
export type EvidenceManifest = z.infer<typeof EvidenceManifest>;

/** One thing wrong with a pack. */
export interface EvidenceProblem {
  kind: 'signature' | 'manifest' | 'altered' | 'missing' | 'added' | 'key' | 'audit-chain' | 'summary' | 'team';
  /** The file it is about, relative to the pack. */
  path?: string;
  message: string;
}

/** What `evidence verify` found. */
export interface EvidenceVerifyResult {
  ok: boolean;
  path: string;
  /** SHA-256 of the signing key (hex), when the manifest could be read. */
  keyFingerprint: string | null;
  /** Whether the signing key is one the verifier trusts (--key, or the policy's trusted keys). */
  keyTrusted: boolean;
  /** True when the signing key is this Authdesk's own key (said, never trusted for it). */
  ownKey?: boolean;
  files: number;
  problems: EvidenceProblem[];
  /** Team packs only: whether the slice was checked against the team store, in words. */
  team: { checked: boolean; message: string } | null;
}

/** Where the team chain stands at a pack's cut (null: team mode is off). */
export interface EvidenceTeamCut {
  url: string;
  deviceId: string;
  teamSeq: number;
  teamHash: string;
  shippedSeq: number;
}

/** The team store as `evidence verify` reads it. */
export interface EvidenceTeamReader {
  teamHead(): Promise<{ teamSeq: number; hash: string }>;
  deviceEntries(deviceId: string, afterLocalSeq: number, limit: number): Promise<{ localSeq: number; entryText: string }[]>;
}

export { sha256File } from '../platform/file-hash';

export const fingerprintOf = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
