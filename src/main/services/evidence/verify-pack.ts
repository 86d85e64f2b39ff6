import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CoverageSummary } from '@shared/domain/coverage';
import { canonicalJson, checkEntryText, checkLine } from '../audit/ports';
import { summariseReport } from '../coverage/ports';
import { EvidenceManifest, fingerprintOf, MANIFEST, PACK_FILES, RUN_ENTRY, sha256File, SIGNATURE, type EvidenceTeamReader, type EvidenceProblem, type EvidenceVerifyResult } from './pack-format';

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

/** Whom the verifier trusts: fingerprints given with --key or listed by the policy. */
export interface EvidenceTrust {
  /** SHA-256 fingerprints of trusted signing keys (hex, `sha256:` prefix and separators allowed). */
  trustedFingerprints?: readonly string[];
  /** This Authdesk's own key fingerprint: only said in the result, never trusted for it. */
  localFingerprint?: string | null;
  /** Team packs: opens the team store to check the slice against (null: no connection here). */
  team?: () => Promise<EvidenceTeamReader | null>;
}

/** A fingerprint as given by a person: lower-case hex only, or '' when nothing is left. */
export function normaliseFingerprint(value: string): string {
  return value.trim().toLowerCase().replace(/^sha256:/, '').replace(/[^0-9a-f]/g, '');
}

/** How to pin, said on every trust failure. */
export const HOW_TO_PIN =
  'Pin the key you trust: authdesk evidence verify <pack> --key <fingerprint> (the 64-hex SHA-256 fingerprint the exporter gave you separately), or have the security admin list it under trustedEvidenceKeys in the managed policy.';

/**
 * Checks a pack: the manifest's signature with the key it names, that key against the trusted
 * ones (none trusted is a failure: a pack signed by just any key proves nothing), every file's size
 * and hash, no file missing or added, the audit slice's hash chain, the run's completion entry, and
 * the summary against the report's rows. Names everything that is wrong.
 */
export async function verifyEvidencePack(dir: string, trust: EvidenceTrust = {}): Promise<EvidenceVerifyResult> {
  const problems: EvidenceProblem[] = [];
  let team: EvidenceVerifyResult['team'] = null;
  const result = (keyFingerprint: string | null, keyTrusted: boolean, files: number): EvidenceVerifyResult => ({
    team,
    ok: problems.length === 0,
    path: dir,
    keyFingerprint,
    keyTrusted,
    ...(keyFingerprint && trust.localFingerprint ? { ownKey: trust.localFingerprint === keyFingerprint } : {}),
    files,
    problems,
  });
  // Stryker disable next-line ArrowFunction: undefined is as falsy as false
  const isDir = await lstat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) {
    problems.push({ kind: 'missing', message: `${dir} is not a folder. Pass the evidence pack's folder.` });
    return result(null, false, 0);
  }
  let manifestBytes: Buffer;
  let signature: Buffer;
  try {
    manifestBytes = await readFile(join(dir, MANIFEST));
  } catch {
    problems.push({ kind: 'missing', path: MANIFEST, message: `${MANIFEST} is missing: nothing in the pack can be checked.` });
    return result(null, false, 0);
  }
  try {
    const text = await readFile(join(dir, SIGNATURE), 'utf8');
    // Stryker disable next-line MethodExpression: base64 decoding skips whitespace anyway; the exact-text check below refuses it
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
    return result(null, false, 0);
  }
  let publicKey: KeyObject | null = null;
  try {
    const key = createPublicKey({ key: Buffer.from(manifest.publicKey.spkiBase64, 'base64'), format: 'der', type: 'spki' });
    // SECURITY: only an Ed25519 key is used at all: any other is neither fingerprinted nor used to check the signature.
    // Stryker disable next-line StringLiteral: the catch below replaces this error with its own message
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    publicKey = key;
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
  // SECURITY: trust comes only from the verifier (--key or the managed policy), never from the pack
  // or from this machine's own key: whoever can sign here could sign a forged pack too. An empty
  // pin is refused rather than read as "no pinning".
  const given = trust.trustedFingerprints ?? [];
  const pins = given.map(normaliseFingerprint);
  let keyTrusted = false;
  if (given.length === 0) {
    problems.push({ kind: 'key', message: `No trusted key was given, so the signer (${fingerprint}) cannot be trusted. ${HOW_TO_PIN}` });
  } else if (pins.some((p) => p.length !== 64)) {
    problems.push({ kind: 'key', message: `A pinned key fingerprint is empty or not 64 hex digits. ${HOW_TO_PIN}` });
  } else {
    keyTrusted = pins.includes(fingerprint);
    if (!keyTrusted) problems.push({ kind: 'key', message: `The pack was signed with key ${fingerprint}, not the pinned key ${pins.join(' or ')}. ${HOW_TO_PIN}` });
  }

  // Files: every listed one present and unchanged; nothing else in the folder.
  const present = new Set(await listPack(dir));
  const expectedNames = new Set<string>([MANIFEST, SIGNATURE, ...manifest.files.map((f) => f.path)]);
  for (const file of manifest.files) {
    const full = join(dir, file.path);
    // Stryker disable next-line ArrowFunction: undefined is as falsy as null
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
  await checkRunEntry(dir, manifest, problems);
  await checkSummary(dir, manifest, problems);
  if (manifest.team) team = await checkTeamSlice(join(dir, 'audit.jsonl'), manifest.team, trust.team, problems);
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

/**
 * The run's completion entry: a whole audit entry (its own hash checks), about this run, that
 * recorded the SHA-256 the report in the pack has.
 */
async function checkRunEntry(dir: string, manifest: EvidenceManifest, problems: EvidenceProblem[]): Promise<void> {
  const text = await readFile(join(dir, RUN_ENTRY), 'utf8').catch(() => null);
  if (text === null) return;
  // Stryker disable next-line Regex: the file is one line; any other newline makes it non-canonical either way, with the same message
  const check = checkEntryText(text.replace(/\n$/, ''), 1);
  if (!check.ok) {
    problems.push({ kind: 'audit-chain', path: RUN_ENTRY, message: `${RUN_ENTRY}: ${check.broken.message}` });
    return;
  }
  const { entry } = check;
  const recorded = (entry.details as { runId?: unknown; report?: { sha256?: unknown } }).report?.sha256;
  if (entry.action !== 'coverage.run' || (entry.details as { runId?: unknown }).runId !== manifest.run.runId) {
    problems.push({ kind: 'audit-chain', path: RUN_ENTRY, message: `${RUN_ENTRY} is not the completion entry of run ${manifest.run.runId}.` });
  } else if (entry.seq !== manifest.run.report.auditSeq || entry.hash !== manifest.run.report.auditHash || recorded !== manifest.run.report.sha256) {
    problems.push({ kind: 'audit-chain', path: RUN_ENTRY, message: `${RUN_ENTRY} is not the entry the manifest names.` });
  }
  const report = await sha256File(join(dir, 'report.csv')).catch(() => null);
  if (report && report.sha256 !== recorded) {
    problems.push({ kind: 'altered', path: 'report.csv', message: 'report.csv is not the report the audit log recorded when its run completed.' });
  }
}

/**
 * Team packs: the slice against the team store. Every entry of the slice the store already held at
 * the cut must be there, byte for byte, and the team chain must not have become shorter than the
 * head the pack records. A store that cannot be reached is reported as not checked, never as OK.
 */
async function checkTeamSlice(
  path: string,
  cut: NonNullable<EvidenceManifest['team']>,
  open: (() => Promise<EvidenceTeamReader | null>) | undefined,
  problems: EvidenceProblem[],
): Promise<{ checked: boolean; message: string }> {
  const text = await readFile(path, 'utf8').catch(() => null);
  // Stryker disable next-line MethodExpression: an empty line fails JSON.parse below and is skipped the same way
  const lines = (text ?? '').split('\n').filter(Boolean);
  const shipped = new Map<number, string>();
  for (const line of lines) {
    try {
      const seq = (JSON.parse(line) as { seq?: unknown }).seq;
      if (typeof seq === 'number' && seq <= cut.shippedSeq) shipped.set(seq, line);
    } catch {
      // The chain check above names unreadable lines.
    }
  }
  let store: EvidenceTeamReader | null;
  try {
    store = open ? await open() : null;
    // Stryker disable next-line BlockStatement: without it store stays undefined, read as "no store" the same way
  } catch {
    store = null;
  }
  if (!store)
    return {
      checked: false,
      message: `not checked: no team store connection on this computer (cut at team seq ${cut.teamSeq})`,
    };
  try {
    const head = await store.teamHead();
    if (head.teamSeq < cut.teamSeq) {
      problems.push({
        kind: 'team',
        message: `The team store's chain ends at team seq ${head.teamSeq}, before the head this pack was cut from (${cut.teamSeq}).`,
      });
    }
    const seqs = [...shipped.keys()].sort((a, b) => a - b);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with no seqs the loop below asks nothing (NaN < undefined) and checks nothing
    if (seqs.length > 0) {
      const found = new Map<number, string>();
      let after = seqs[0] - 1;
      const last = seqs[seqs.length - 1];
      while (after < last) {
        const page = await store.deviceEntries(cut.deviceId, after, 1000);
        if (page.length === 0) break;
        for (const e of page) found.set(e.localSeq, e.entryText);
        after = page[page.length - 1].localSeq;
      }
      for (const seq of seqs) {
        const stored = found.get(seq);
        if (stored === undefined)
          problems.push({
            kind: 'team',
            path: 'audit.jsonl',
            message: `Entry ${seq} of audit.jsonl is not in the team store, which held it when the pack was cut.`,
          });
        // Stryker disable next-line Regex: lines were split on newlines, so none ends with one
        else if (stored !== shipped.get(seq)!.replace(/\n$/, '')) {
          problems.push({
            kind: 'team',
            path: 'audit.jsonl',
            message: `Entry ${seq} of audit.jsonl differs from the team store's copy.`,
          });
        }
      }
    }
    return {
      checked: true,
      message: `checked against the team store: ${seqs.length} shipped entries (cut at team seq ${cut.teamSeq})`,
    };
  } catch {
    return { checked: false, message: 'not checked: store unreachable' };
  }
}
