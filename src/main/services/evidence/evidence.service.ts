import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { copyFile, lstat, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type z } from 'zod';
import type { AuditEntry, AuditQuery } from '@shared/domain/audit';
import { CoverageSummary } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';
import type { EvidencePackInfo } from '@shared/ipc/channels/coverage';
import { canonicalJson, lineOf } from '../audit/ports';
import { checkpointPathFor, readCheckpoint, refuseUnmaskedReport, summariseReport } from '../coverage/ports';
import { syncDir } from '../platform/atomic-file';
import type { Keychain } from '../platform/keychain';
import { EVIDENCE_FORMAT, EVIDENCE_VERSION, fingerprintOf, MANIFEST, PACK_FILES, RUN_ENTRY, sha256File, SIGNATURE, SIGNING_KEY_ACCOUNT, type EvidenceManifest, type EvidenceTeamCut } from './pack-format';

export { EVIDENCE_FORMAT, EVIDENCE_VERSION, EvidenceManifest, SIGNING_KEY_ACCOUNT, sha256File, type EvidenceProblem, type EvidenceTeamCut, type EvidenceTeamReader, type EvidenceVerifyResult } from './pack-format';
export { HOW_TO_PIN, normaliseFingerprint, verifyEvidencePack, type EvidenceTrust } from './verify-pack';

/**
 * Evidence packs: a folder an auditor can trust without trusting the person who hands it over.
 *
 *   report.csv     the coverage report, byte for byte
 *   summary.json   the run (id, tenant, input fingerprint, settings) and its summary
 *   audit.jsonl    the console audit log over the period the report judges (its hash chain intact)
 *   run-entry.jsonl the audit entry that recorded the run's completion and the report's SHA-256
 *   public-key.pem the Ed25519 key that signed the manifest
 *   manifest.json  SHA-256 and size of every file above, the run, the audit slice's chain ends, the key
 *   manifest.sig   Ed25519 signature over the exact bytes of manifest.json (base64)
 *
 * The private key is generated once and lives only in the OS keychain (no file, no fallback). Any
 * changed, missing or added file, or a re-signed manifest with another key, is named by
 * {@link verifyEvidencePack}; an auditor records the key fingerprint once and passes it to pin it.
 */

/** The audit log as far as evidence needs it (structural; the container passes the real service). */
export interface EvidenceAuditLog {
  query(q: z.output<typeof AuditQuery>): Promise<{ entries: AuditEntry[]; nextCursor: string | null }>;
  append(input: { action: 'evidence.export'; tenant?: { id: string; name: string } | null; details?: Record<string, unknown>; error?: unknown }): Promise<unknown>;
}

/** How the service is built. */
export interface EvidenceServiceOptions {
  /** The keychain for the signing key (its own service name, apart from tenant secrets). */
  keychain: Keychain;
  audit: EvidenceAuditLog;
  appVersion: string;
  now?: () => Date;
  /** Team mode: ships what is waiting and says where the team chain stands (null when off). */
  teamCut?: () => Promise<EvidenceTeamCut | null>;
  /** Whether the policy masks contact details now (the container asks the contact rule; absent: never). */
  masksContacts?: () => Promise<boolean>;
}

/** What to export. */
export interface EvidenceExportRequest {
  /** A finished coverage report (its checkpoint must be next to it). */
  reportPath: string;
  /** The pack's folder; must not exist yet. */
  outDir: string;
  /** Start of the audit period (default: the run's asOf minus its stale threshold). */
  from?: string;
  /** End of the audit period (default: now). */
  to?: string;
}

/** Writes and checks evidence packs. */
export class EvidenceService {
  private readonly now: () => Date;

  constructor(private readonly options: EvidenceServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The signing key, created on first use. Its private half never leaves the keychain and this process. */
  private async signingKey(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
    const stored = await this.options.keychain.get(SIGNING_KEY_ACCOUNT);
    if (stored) {
      // SECURITY: the PEM is parsed in memory only; an error here never quotes it.
      try {
        const privateKey = createPrivateKey(stored);
        // Stryker disable next-line StringLiteral: the catch below replaces this error with its own message
        if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
        return { privateKey, publicKey: createPublicKey(privateKey) };
      } catch {
        throw new AppError(
          'conflict',
          `The evidence signing key in the keychain (${this.options.keychain.service} / ${SIGNING_KEY_ACCOUNT}) is not an Ed25519 key. Remove that entry to create a new key (packs signed with the old one keep verifying with their own public key).`,
        );
      }
    }
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    // SECURITY: the private key goes to the OS keychain only: never to a file, a log or the pack.
    await this.options.keychain.set(SIGNING_KEY_ACCOUNT, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    return { privateKey, publicKey };
  }

  /** This Authdesk's signing key fingerprint, or null when none was created yet (does not create one). */
  async localKeyFingerprint(): Promise<string | null> {
    const stored = await this.options.keychain.get(SIGNING_KEY_ACCOUNT);
    // Stryker disable next-line ConditionalExpression: without the early return createPrivateKey(null) throws and the catch returns null the same
    if (!stored) return null;
    try {
      return fingerprintOf(createPublicKey(createPrivateKey(stored)));
    } catch {
      return null;
    }
  }

  /** Writes a pack for a finished report and records the export in the audit log. */
  async export(request: EvidenceExportRequest): Promise<EvidencePackInfo> {
    const checkpoint = await readCheckpoint(checkpointPathFor(request.reportPath));
    if (!checkpoint) {
      throw new AppError('not-found', `No run checkpoint next to ${request.reportPath}. Evidence is built from a report written by authdesk coverage, with its .checkpoint file beside it.`);
    }
    if (!checkpoint.ended) throw new AppError('conflict', 'That coverage run is not complete. Resume it to the end (authdesk coverage … --resume), then export evidence.');
    const { start, last } = checkpoint;
    // SECURITY: under a masking policy only a report written masked is packed (the pack signs it byte for byte).
    refuseUnmaskedReport(start, (await this.options.masksContacts?.()) === true, 'packed as evidence');
    // The report must still be what the run wrote: its rows must add up to the run's own counters,
    // and (SECURITY) its bytes must hash to what the audit log recorded when the run completed, so
    // a report edited by hand, however consistently, cannot be signed.
    const recomputed = await summariseReport(request.reportPath, last.summary.asOf, last.summary.staleDays);
    if (canonicalJson(recomputed) !== canonicalJson(last.summary)) {
      throw new AppError('conflict', `${request.reportPath} no longer matches the run that wrote it (its rows do not add up to the run's summary). Export evidence from an unmodified report.`);
    }
    const runEntry = await this.completionEntry(start.runId);
    const recorded = (runEntry.details as { report?: { sha256?: string } }).report?.sha256;
    const actual = await sha256File(request.reportPath);
    if (actual.sha256 !== recorded) {
      throw new AppError(
        'conflict',
        `${request.reportPath} is not the report run ${start.runId} wrote: its SHA-256 differs from the one the audit log recorded when the run completed (seq ${runEntry.seq}). Export evidence from the unmodified report, or run coverage again.`,
      );
    }
    if (await lstat(request.outDir).then(() => true, () => false)) {
      throw new AppError('conflict', `${request.outDir} already exists. Choose a new folder for the evidence pack.`);
    }
    const to = request.to ?? this.now().toISOString();
    const from = request.from ?? new Date(Date.parse(last.summary.asOf) - last.summary.staleDays * 86_400_000).toISOString();
    if (Date.parse(from) > Date.parse(to)) throw new AppError('validation', 'The audit period starts after it ends. Check --from and --to.');
    const { privateKey, publicKey } = await this.signingKey();

    // Build in a sibling temp folder and rename at the end: a half-written pack never has the final name.
    const temp = join(dirname(request.outDir), `.${basename(request.outDir)}.${process.pid}.tmp`);
    await rm(temp, { recursive: true, force: true });
    // SECURITY: the pack lists the tenant's users and the helpdesk's actions: owner-only until handed over.
    await mkdir(temp, { recursive: true, mode: 0o700 });
    try {
      await copyFile(request.reportPath, join(temp, 'report.csv'));
      const summaryDoc = {
        runId: start.runId,
        tenant: start.tenant,
        input: { name: basename(start.input.path), sha256: start.input.sha256, bytes: start.input.bytes, rows: start.input.rows },
        settings: start.settings,
        startedAt: start.startedAt,
        finishedAt: last.at,
        summary: CoverageSummary.parse(last.summary),
      };
      await writeFile(join(temp, 'summary.json'), `${JSON.stringify(summaryDoc, null, 2)}\n`, { mode: 0o600 });
      const slice = await this.writeAuditSlice(join(temp, 'audit.jsonl'), from, to);
      await writeFile(join(temp, RUN_ENTRY), lineOf(runEntry), { mode: 0o600 });
      // After the slice: its entries were appended before this cut, so the store holds them (if shipped).
      const team = await this.teamCut();
      const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await writeFile(join(temp, 'public-key.pem'), publicPem, { mode: 0o600 });

      const files = [];
      for (const path of PACK_FILES) files.push({ path, ...(await sha256File(join(temp, path))) });
      const fingerprint = fingerprintOf(publicKey);
      const manifest: EvidenceManifest = {
        format: EVIDENCE_FORMAT,
        version: EVIDENCE_VERSION,
        createdAt: this.now().toISOString(),
        createdBy: { app: 'authdesk', version: this.options.appVersion },
        run: {
          runId: start.runId,
          tenant: start.tenant,
          asOf: last.summary.asOf,
          staleDays: last.summary.staleDays,
          input: { name: basename(start.input.path), sha256: start.input.sha256, rows: start.input.rows },
          report: { sha256: actual.sha256, auditSeq: runEntry.seq, auditHash: runEntry.hash },
        },
        auditSlice: { from, to, ...slice },
        ...(team ? { team } : {}),
        files,
        publicKey: { algorithm: 'Ed25519', spkiBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), fingerprint },
      };
      const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      await writeFile(join(temp, MANIFEST), manifestBytes, { mode: 0o600 });
      await writeFile(join(temp, SIGNATURE), `${sign(null, manifestBytes, privateKey).toString('base64')}\n`, { mode: 0o600 });
      await syncFolder(temp);
      await rename(temp, request.outDir);
      const info: EvidencePackInfo = { path: request.outDir, files, keyFingerprint: fingerprint, auditEntries: slice.entries };
      await this.options.audit.append({
        action: 'evidence.export',
        tenant: start.tenant.id ? { id: start.tenant.id, name: start.tenant.name ?? start.tenant.id } : null,
        details: { runId: start.runId, keyFingerprint: fingerprint, auditEntries: slice.entries, from, to, teamSeq: team?.teamSeq ?? null, files: files.map((f) => ({ path: f.path, sha256: f.sha256 })) },
      });
      return info;
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
  }

  /** The audit entry that recorded a run's completion with its report's SHA-256 (newest first). */
  private async completionEntry(runId: string): Promise<AuditEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.options.audit.query({ action: ['coverage.run'], text: runId, limit: 100, ...(cursor ? { cursor } : {}) });
      const found = page.entries.find((e) => e.outcome === 'ok' && (e.details as { runId?: unknown }).runId === runId && (e.details as { state?: unknown }).state === 'completed');
      if (found) {
        if (!(found.details as { report?: { sha256?: unknown } }).report?.sha256) break;
        return found;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    throw new AppError(
      'conflict',
      `The audit log holds no record of run ${runId} completing with its report's SHA-256 (runs before this version did not record it, or the log is another one). Run coverage again with this Authdesk, then export evidence.`,
    );
  }

  /**
   * The team chain head to record. A store that cannot be reached does not block the export (no
   * action waits on the store); the pack then records no head (the audit entry's teamSeq is null).
   */
  private async teamCut(): Promise<EvidenceTeamCut | null> {
    if (!this.options.teamCut) return null;
    try {
      return await this.options.teamCut();
    } catch {
      return null;
    }
  }

  /**
   * Writes the audit entries of a period, oldest first, exactly as the log stores them (canonical
   * JSON lines, so each one's hash and the links between them can be checked in the pack). The log
   * is read newest first a page at a time; pages go to numbered temp files and are joined in
   * reverse, so a long period costs one page of memory.
   */
  private async writeAuditSlice(path: string, from: string, to: string): Promise<Omit<EvidenceManifest['auditSlice'], 'from' | 'to'>> {
    const pages: string[] = [];
    let cursor: string | undefined;
    let entries = 0;
    let newest: AuditEntry | undefined;
    let oldest: AuditEntry | undefined;
    let contiguous = true;
    let previous: AuditEntry | undefined; // the entry after (newer than) the current one
    do {
      const page = await this.options.audit.query({ from, to, limit: 500, ...(cursor ? { cursor } : {}) });
      const lines: string[] = [];
      for (const entry of page.entries) {
        newest ??= entry;
        if (previous && (previous.seq !== entry.seq + 1 || previous.prevHash !== entry.hash)) contiguous = false;
        previous = entry;
        oldest = entry;
        lines.push(lineOf(entry));
        entries++;
      }
      const pagePath = `${path}.page${pages.length}`;
      await writeFile(pagePath, lines.reverse().join(''), { mode: 0o600 });
      pages.push(pagePath);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const out = await open(path, 'w', 0o600);
    try {
      for (const pagePath of pages.reverse()) {
        await out.write(await readFile(pagePath));
        await rm(pagePath, { force: true });
      }
      await out.sync();
    } finally {
      await out.close();
    }
    return {
      entries,
      firstSeq: oldest?.seq ?? null,
      lastSeq: newest?.seq ?? null,
      anchorHash: oldest?.prevHash ?? null,
      lastHash: newest?.hash ?? null,
      contiguous,
    };
  }
}

/** fsyncs every file in a folder and the folder itself. */
// Stryker disable BlockStatement: fsync and closing a read handle change nothing a test can see short of pulling the power
async function syncFolder(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const handle = await open(join(dir, name), 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await syncDir(dir);
}
// Stryker restore BlockStatement
