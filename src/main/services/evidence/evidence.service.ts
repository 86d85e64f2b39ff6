import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { z } from 'zod';
import type { AuditEntry, AuditQuery } from '@shared/domain/audit';
import { CoverageSummary } from '@shared/domain/coverage';
import { AppError } from '@shared/errors';
import type { EvidencePackInfo } from '@shared/ipc/channels/coverage';
import { canonicalJson, checkEntryText, checkLine, lineOf } from '../audit/ports';
import { readCheckpoint } from '../coverage-checkpoint';
import { summariseReport } from '../coverage-export';
import { checkpointPathFor } from '../coverage-run';
import type { Keychain } from '../platform/keychain';

/**
 * Evidence packs: a folder an auditor can trust without trusting the person who hands it over.
 *
 *   report.csv     the coverage report, byte for byte
 *   summary.json   the run (id, tenant, input fingerprint, settings) and its summary
 *   audit.jsonl    the console audit log over the period the report judges (its hash chain intact)
 *   public-key.pem the Ed25519 key that signed the manifest
 *   manifest.json  SHA-256 and size of every file above, the run, the audit slice's chain ends, the key
 *   manifest.sig   Ed25519 signature over the exact bytes of manifest.json (base64)
 *
 * The private key is generated once and lives only in the OS keychain (no file, no fallback). Any
 * changed, missing or added file, or a re-signed manifest with another key, is named by
 * {@link verifyEvidencePack}; an auditor records the key fingerprint once and passes it to pin it.
 */

export const EVIDENCE_FORMAT = 'authdesk-evidence';
export const EVIDENCE_VERSION = 1;
/** Keychain account of the signing key (under the service `<keychain service>.evidence`). */
export const SIGNING_KEY_ACCOUNT = 'evidence-signing-key-v1';

const PACK_FILES = ['report.csv', 'summary.json', 'audit.jsonl', 'public-key.pem'] as const;
const MANIFEST = 'manifest.json';
const SIGNATURE = 'manifest.sig';

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
  files: z.array(z.object({ path: z.enum(PACK_FILES), sha256: Sha256, bytes: z.number().int().nonnegative() })),
  publicKey: z.object({ algorithm: z.literal('Ed25519'), spkiBase64: z.string(), fingerprint: Sha256 }),
});
export type EvidenceManifest = z.infer<typeof EvidenceManifest>;

/** One thing wrong with a pack. */
export interface EvidenceProblem {
  kind: 'signature' | 'manifest' | 'altered' | 'missing' | 'added' | 'key' | 'audit-chain' | 'summary';
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
  /** Whether the key is the one pinned with --key, or this Authdesk's own key; null when neither was available. */
  keyTrusted: boolean | null;
  files: number;
  problems: EvidenceProblem[];
}

/** Streams a file through SHA-256. */
export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const fingerprintOf = (key: KeyObject) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');

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
    // The report must still be what the run wrote: its rows must add up to the run's own counters.
    const recomputed = await summariseReport(request.reportPath, last.summary.asOf, last.summary.staleDays);
    if (canonicalJson(recomputed) !== canonicalJson(last.summary)) {
      throw new AppError('conflict', `${request.reportPath} no longer matches the run that wrote it (its rows do not add up to the run's summary). Export evidence from an unmodified report.`);
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
        },
        auditSlice: { from, to, ...slice },
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
        details: { runId: start.runId, keyFingerprint: fingerprint, auditEntries: slice.entries, from, to, files: files.map((f) => ({ path: f.path, sha256: f.sha256 })) },
      });
      return info;
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
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
async function syncFolder(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const handle = await open(join(dir, name), 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every file (and anything else) under a folder, as pack-relative paths with `/`. */
async function listPack(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      out.push(relative(dir, full).split(sep).join('/') + (entry.isDirectory() ? '/' : ''));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Checks a pack: the manifest's signature with the key it names (and that key against the one
 * pinned, or this Authdesk's own), every file's size and hash, no file missing or added, the audit
 * slice's hash chain, and the summary against the report's rows. Names everything that is wrong.
 */
export async function verifyEvidencePack(dir: string, trust: { pinnedFingerprint?: string; localFingerprint?: string | null } = {}): Promise<EvidenceVerifyResult> {
  const problems: EvidenceProblem[] = [];
  const result = (keyFingerprint: string | null, keyTrusted: boolean | null, files: number): EvidenceVerifyResult => ({
    ok: problems.length === 0,
    path: dir,
    keyFingerprint,
    keyTrusted,
    files,
    problems,
  });
  const isDir = await lstat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) {
    problems.push({ kind: 'missing', message: `${dir} is not a folder. Pass the evidence pack's folder.` });
    return result(null, null, 0);
  }
  let manifestBytes: Buffer;
  let signature: Buffer;
  try {
    manifestBytes = await readFile(join(dir, MANIFEST));
  } catch {
    problems.push({ kind: 'missing', path: MANIFEST, message: `${MANIFEST} is missing: nothing in the pack can be checked.` });
    return result(null, null, 0);
  }
  try {
    const text = await readFile(join(dir, SIGNATURE), 'utf8');
    signature = Buffer.from(text.trim(), 'base64');
    // base64 decoding forgives: spare bits of the last character, padding and whitespace can change
    // without changing the bytes. The file must be exactly what Authdesk writes, so no byte of it
    // can change unnoticed.
    if (signature.length !== 64 || text !== `${signature.toString('base64')}\n`) {
      problems.push({ kind: 'altered', path: SIGNATURE, message: `${SIGNATURE} was altered (it is not the one Ed25519 signature Authdesk writes).` });
    }
  } catch {
    problems.push({ kind: 'missing', path: SIGNATURE, message: `${SIGNATURE} is missing: the manifest cannot be authenticated.` });
    signature = Buffer.alloc(0);
  }
  let manifest: EvidenceManifest;
  try {
    manifest = EvidenceManifest.parse(JSON.parse(manifestBytes.toString('utf8')));
  } catch {
    problems.push({ kind: 'manifest', path: MANIFEST, message: `${MANIFEST} is not an Authdesk evidence manifest (it was altered or is from something else).` });
    return result(null, null, 0);
  }
  let publicKey: KeyObject | null = null;
  try {
    publicKey = createPublicKey({ key: Buffer.from(manifest.publicKey.spkiBase64, 'base64'), format: 'der', type: 'spki' });
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
  } catch {
    problems.push({ kind: 'manifest', path: MANIFEST, message: 'The manifest names a public key that is not an Ed25519 key.' });
  }
  const fingerprint = publicKey ? fingerprintOf(publicKey) : manifest.publicKey.fingerprint;
  if (publicKey && fingerprint !== manifest.publicKey.fingerprint) {
    problems.push({ kind: 'manifest', path: MANIFEST, message: 'The manifest states a key fingerprint that is not its key’s.' });
  }
  if (publicKey && signature.length > 0 && !verify(null, manifestBytes, publicKey, signature)) {
    problems.push({ kind: 'signature', path: SIGNATURE, message: 'manifest.sig does not sign manifest.json: one of the two was altered.' });
  }
  let keyTrusted: boolean | null = null;
  const expected = trust.pinnedFingerprint?.toLowerCase().replace(/^sha256:/, '').replace(/[^0-9a-f]/g, '');
  if (expected) {
    keyTrusted = expected === fingerprint;
    if (!keyTrusted) problems.push({ kind: 'key', message: `The pack was signed with key ${fingerprint}, not the pinned key ${expected}.` });
  } else if (trust.localFingerprint) {
    keyTrusted = trust.localFingerprint === fingerprint;
  }

  // Files: every listed one present and unchanged; nothing else in the folder.
  const present = new Set(await listPack(dir));
  const expectedNames = new Set<string>([MANIFEST, SIGNATURE, ...manifest.files.map((f) => f.path)]);
  for (const file of manifest.files) {
    const full = join(dir, file.path);
    const stats = await lstat(full).catch(() => null);
    if (!stats) {
      problems.push({ kind: 'missing', path: file.path, message: `${file.path} is missing.` });
      continue;
    }
    if (!stats.isFile()) {
      problems.push({ kind: 'altered', path: file.path, message: `${file.path} is not a plain file (a link or folder was put in its place).` });
      continue;
    }
    const actual = await sha256File(full);
    if (actual.sha256 !== file.sha256 || actual.bytes !== file.bytes) {
      problems.push({ kind: 'altered', path: file.path, message: `${file.path} was altered (its SHA-256 or size differs from the manifest).` });
    }
  }
  for (const name of present) {
    if (!expectedNames.has(name)) problems.push({ kind: 'added', path: name, message: `${name} is not part of the pack (it was added).` });
  }
  for (const name of PACK_FILES) {
    if (!manifest.files.some((f) => f.path === name)) problems.push({ kind: 'manifest', path: name, message: `The manifest does not list ${name}.` });
  }
  if (publicKey) {
    const pem = await readFile(join(dir, 'public-key.pem'), 'utf8').catch(() => null);
    if (pem !== null && pem !== publicKey.export({ type: 'spki', format: 'pem' }).toString()) {
      problems.push({ kind: 'altered', path: 'public-key.pem', message: 'public-key.pem is not the key the manifest names.' });
    }
  }

  // Content checks (only meaningful on unaltered files, but run anyway to name what broke).
  await checkAuditSlice(join(dir, 'audit.jsonl'), manifest, problems);
  await checkSummary(dir, manifest, problems);
  return result(fingerprint, keyTrusted, manifest.files.length);
}

async function checkAuditSlice(path: string, manifest: EvidenceManifest, problems: EvidenceProblem[]): Promise<void> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const slice = manifest.auditSlice;
  if (lines.length !== slice.entries) {
    problems.push({ kind: 'audit-chain', path: 'audit.jsonl', message: `audit.jsonl holds ${lines.length} entries where the manifest says ${slice.entries}.` });
    return;
  }
  let head = slice.anchorHash !== null && slice.firstSeq !== null ? { seq: slice.firstSeq - 1, hash: slice.anchorHash } : null;
  for (const [i, line] of lines.entries()) {
    const check = head && slice.contiguous ? checkLine(line, i + 1, head) : checkEntryText(line, i + 1);
    if (!check.ok) {
      problems.push({ kind: 'audit-chain', path: 'audit.jsonl', message: `audit.jsonl: ${check.broken.message}` });
      return;
    }
    head = { seq: check.entry.seq, hash: check.entry.hash };
  }
  if (lines.length > 0 && head?.hash !== slice.lastHash) {
    problems.push({ kind: 'audit-chain', path: 'audit.jsonl', message: 'audit.jsonl does not end with the entry the manifest names.' });
  }
}

async function checkSummary(dir: string, manifest: EvidenceManifest, problems: EvidenceProblem[]): Promise<void> {
  let stated: CoverageSummary;
  try {
    const doc = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { summary?: unknown };
    stated = CoverageSummary.parse(doc.summary);
  } catch {
    if (await lstat(join(dir, 'summary.json')).then(() => true, () => false)) {
      problems.push({ kind: 'summary', path: 'summary.json', message: 'summary.json is not a coverage summary.' });
    }
    return;
  }
  try {
    const recomputed = await summariseReport(join(dir, 'report.csv'), manifest.run.asOf, manifest.run.staleDays);
    if (canonicalJson(recomputed) !== canonicalJson(stated)) {
      problems.push({ kind: 'summary', path: 'summary.json', message: 'summary.json does not match the rows of report.csv.' });
    }
  } catch {
    problems.push({ kind: 'summary', path: 'report.csv', message: 'report.csv is not a readable coverage report.' });
  }
}
