import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@shared/domain/audit';
import { lineOf, seal } from '../../../src/main/services/audit/audit-format';
import { HOW_TO_PIN, normaliseFingerprint, verifyEvidencePack, type EvidenceManifest, type EvidenceTrust } from '../../../src/main/services/evidence/evidence.service';

// `evidence verify` on a real pack (written by `authdesk evidence export` after a coverage run over
// the emulator, kept as a fixture), tampered with one way at a time. What a security admin relies
// on: every check names exactly what is wrong, and nothing else. Where a tamper needs a consistent
// manifest (an attacker who re-hashes and re-signs), the pack is re-signed with a key of the test's
// own, which the test then pins, so that only the check under test can object.

const FIXTURE = fileURLToPath(new URL('./fixtures/evidence-pack', import.meta.url));

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function copyFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'authdesk-evidence-verify-'));
  dirs.push(dir);
  const pack = join(dir, 'pack');
  await cp(FIXTURE, pack, { recursive: true });
  return pack;
}

const readManifest = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest;
const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');
const fingerprintOf = (key: KeyObject) => sha256(key.export({ type: 'spki', format: 'der' }));
const fixtureFingerprint = async () => (await readManifest(FIXTURE)).publicKey.fingerprint;
const lines = async (dir: string, name: string) => (await readFile(join(dir, name), 'utf8')).replace(/\n$/, '').split('\n');
const entriesOf = async (dir: string) => (await lines(dir, 'audit.jsonl')).map((l) => JSON.parse(l) as AuditEntry);
/** An audit entry changed and sealed again: whole on its own, as if written by someone else. */
const resealed = (entry: AuditEntry, change: (e: AuditEntry) => void): AuditEntry => {
  const { hash: _hash, ...rest } = structuredClone(entry);
  change(rest as AuditEntry);
  return seal(rest);
};

/**
 * What an attacker with their own key does: edit the manifest, re-hash every file, write the new
 * key's PEM and sign. Returns the new key's fingerprint (to pin).
 */
async function resign(dir: string, edit: (m: EvidenceManifest) => void = () => {}): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const manifest = await readManifest(dir);
  await writeFile(join(dir, 'public-key.pem'), publicKey.export({ type: 'spki', format: 'pem' }).toString());
  for (const file of manifest.files) {
    const bytes = await readFile(join(dir, file.path)).catch(() => null);
    if (bytes) Object.assign(file, { sha256: sha256(bytes), bytes: bytes.length });
  }
  manifest.publicKey.spkiBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  manifest.publicKey.fingerprint = fingerprintOf(publicKey);
  edit(manifest);
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'manifest.json'), bytes);
  await writeFile(join(dir, 'manifest.sig'), `${sign(null, bytes, privateKey).toString('base64')}\n`);
  return fingerprintOf(publicKey);
}

/** Verifies with the pack's own (re-signed) key pinned: only the check under test can object. */
const verifyPinned = async (dir: string, trust: EvidenceTrust = {}) => verifyEvidencePack(dir, { trustedFingerprints: [(await readManifest(dir)).publicKey.fingerprint], ...trust });

describe('a pack as Authdesk wrote it', () => {
  it('verifies with its key pinned, and says whether the key is this Authdesk’s own only when asked', async () => {
    const dir = await copyFixture();
    const fingerprint = await fixtureFingerprint();
    expect(await verifyEvidencePack(dir, { trustedFingerprints: [fingerprint] })).toEqual({ team: null, ok: true, path: dir, keyFingerprint: fingerprint, keyTrusted: true, files: 5, problems: [] });
    expect(await verifyEvidencePack(dir, { trustedFingerprints: [fingerprint], localFingerprint: fingerprint })).toMatchObject({ ok: true, ownKey: true });
    expect(await verifyEvidencePack(dir, { trustedFingerprints: [fingerprint], localFingerprint: 'f'.repeat(64) })).toMatchObject({ ok: true, ownKey: false });
    expect(await verifyEvidencePack(dir, { trustedFingerprints: [fingerprint], localFingerprint: null })).not.toHaveProperty('ownKey');
  });

  it('a re-signed pack with nothing else changed verifies with the new key pinned (the helper changes nothing else)', async () => {
    const dir = await copyFixture();
    const fingerprint = await resign(dir);
    expect(await verifyEvidencePack(dir, { trustedFingerprints: [fingerprint] })).toMatchObject({ ok: true, keyFingerprint: fingerprint, problems: [] });
  });
});

describe('the folder and the manifest', () => {
  it('refuses a path that is not a folder, and says to pass the pack’s folder', async () => {
    const dir = await copyFixture();
    for (const path of [join(dir, 'report.csv'), join(dir, 'nothing-here')]) {
      expect(await verifyEvidencePack(path, { trustedFingerprints: [await fixtureFingerprint()] })).toEqual({
        team: null,
        ok: false,
        path,
        keyFingerprint: null,
        keyTrusted: false,
        files: 0,
        problems: [{ kind: 'missing', message: `${path} is not a folder. Pass the evidence pack's folder.` }],
      });
    }
  });

  it('without manifest.json, says nothing in the pack can be checked and checks nothing else', async () => {
    const dir = await copyFixture();
    await rm(join(dir, 'manifest.json'));
    expect(await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()], localFingerprint: await fixtureFingerprint() })).toEqual({
      team: null,
      ok: false,
      path: dir,
      keyFingerprint: null,
      keyTrusted: false,
      files: 0,
      problems: [{ kind: 'missing', path: 'manifest.json', message: 'manifest.json is missing: nothing in the pack can be checked.' }],
    });
  });

  it('a manifest that is not JSON, or not an evidence manifest, is named and nothing else is checked', async () => {
    const dir = await copyFixture();
    const manifest = await readManifest(dir);
    for (const text of ['not json', JSON.stringify({ ...manifest, format: 'something-else' }), JSON.stringify({ ...manifest, version: 1 })]) {
      await writeFile(join(dir, 'manifest.json'), text);
      const result = await verifyEvidencePack(dir, { trustedFingerprints: [manifest.publicKey.fingerprint] });
      expect(result).toMatchObject({ ok: false, keyFingerprint: null, keyTrusted: false, files: 0 });
      expect(result.problems).toEqual([{ kind: 'manifest', path: 'manifest.json', message: 'manifest.json is not an Authdesk evidence manifest (it was altered or is from something else).' }]);
    }
  });

  it('a manifest off the evidence format in any field is refused as a whole', async () => {
    const dir = await copyFixture();
    const hex = 'ab'.repeat(32);
    const edits: [string, (m: EvidenceManifest) => void][] = [
      ['another app', (m) => (m.createdBy.app = 'other' as 'authdesk')],
      ['a tenant without host', (m) => delete (m.run.tenant as Partial<EvidenceManifest['run']['tenant']>).host],
      ['an input without rows', (m) => delete (m.run.input as Partial<EvidenceManifest['run']['input']>).rows],
      ['a report entry at seq 0', (m) => (m.run.report.auditSeq = 0)],
      ['a negative entry count', (m) => (m.auditSlice.entries = -1)],
      ['a team cut without device', (m) => (m.team = { url: 'u', teamSeq: 1, teamHash: 'h', shippedSeq: 1 } as EvidenceManifest['team'])],
      ['a file that is not a pack file', (m) => (m.files[0].path = 'notes.txt' as 'report.csv')],
      ['another algorithm', (m) => (m.publicKey.algorithm = 'RSA' as 'Ed25519')],
      ['an upper-case hash', (m) => (m.files[0].sha256 = hex.toUpperCase())],
      ['a hash with a character before', (m) => (m.files[0].sha256 = `x${hex}`)],
      ['a hash with a character after', (m) => (m.files[0].sha256 = `${hex}x`)],
      ['a short hash', (m) => (m.files[0].sha256 = hex.slice(1))],
      ['a long hash', (m) => (m.files[0].sha256 = `${hex}a`)],
      ['a non-hex hash', (m) => (m.files[0].sha256 = 'g'.repeat(64))],
    ];
    for (const [what, edit] of edits) {
      const fingerprint = await resign(dir, edit);
      expect((await verifyEvidencePack(dir, { trustedFingerprints: [fingerprint] })).problems, what).toEqual([
        { kind: 'manifest', path: 'manifest.json', message: 'manifest.json is not an Authdesk evidence manifest (it was altered or is from something else).' },
      ]);
      await rm(dir, { recursive: true });
      await cp(FIXTURE, dir, { recursive: true });
    }
  });

  it('a manifest naming a key that is not Ed25519 is named; the stated fingerprint is reported and no signature is checked', async () => {
    const dir = await copyFixture();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    for (const spki of [ec, Buffer.from('not a key').toString('base64')]) {
      const stated = 'e'.repeat(64);
      await resign(dir, (m) => {
        m.publicKey.spkiBase64 = spki;
        m.publicKey.fingerprint = stated;
      });
      const pin = await fixtureFingerprint();
      const result = await verifyEvidencePack(dir, { trustedFingerprints: [pin] });
      expect(result).toMatchObject({ ok: false, keyFingerprint: stated, keyTrusted: false });
      expect(result.problems).toEqual([
        { kind: 'manifest', path: 'manifest.json', message: 'The manifest names a public key that is not an Ed25519 key.' },
        { kind: 'key', message: `The pack was signed with key ${stated}, not the pinned key ${pin}. ${HOW_TO_PIN}` },
      ]);
    }
  });

  it('a manifest stating a fingerprint that is not its key’s is named, and the key’s real fingerprint is what counts', async () => {
    const dir = await copyFixture();
    let real = '';
    await resign(dir, (m) => {
      real = m.publicKey.fingerprint;
      m.publicKey.fingerprint = 'a'.repeat(64);
    });
    const result = await verifyEvidencePack(dir, { trustedFingerprints: ['a'.repeat(64)] });
    expect(result.keyFingerprint).toBe(real);
    expect(result.problems).toEqual([
      { kind: 'manifest', path: 'manifest.json', message: 'The manifest states a key fingerprint that is not its key’s.' },
      { kind: 'key', message: `The pack was signed with key ${real}, not the pinned key ${'a'.repeat(64)}. ${HOW_TO_PIN}` },
    ]);
  });
});

describe('the signature', () => {
  it('a manifest changed after signing fails the signature, named as the pair', async () => {
    const dir = await copyFixture();
    const text = await readFile(join(dir, 'manifest.json'), 'utf8');
    await writeFile(join(dir, 'manifest.json'), text.replace('"createdAt": "2', '"createdAt": "1'));
    expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems).toEqual([
      { kind: 'signature', path: 'manifest.sig', message: 'manifest.sig does not sign manifest.json: one of the two was altered.' },
    ]);
  });

  it('a missing manifest.sig is named as missing (not as a bad signature)', async () => {
    const dir = await copyFixture();
    await rm(join(dir, 'manifest.sig'));
    expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems).toEqual([
      { kind: 'missing', path: 'manifest.sig', message: 'manifest.sig is missing: the manifest cannot be authenticated.' },
    ]);
  });

  it('a signature file not exactly as Authdesk writes it is altered, even when it decodes to the same signature', async () => {
    const dir = await copyFixture();
    const text = await readFile(join(dir, 'manifest.sig'), 'utf8');
    const altered = { kind: 'altered', path: 'manifest.sig', message: 'manifest.sig was altered (it is not the one Ed25519 signature Authdesk writes).' };
    // Same 64 bytes, other text: no newline, an extra one, a leading space.
    for (const variant of [text.trim(), `${text}\n`, ` ${text}`]) {
      await writeFile(join(dir, 'manifest.sig'), variant);
      expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems, JSON.stringify(variant)).toEqual([altered]);
    }
    // Written as Authdesk writes, but not 64 bytes: altered, and it does not sign the manifest.
    await writeFile(join(dir, 'manifest.sig'), `${Buffer.from(text, 'base64').subarray(0, 63).toString('base64')}\n`);
    expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems).toEqual([
      altered,
      { kind: 'signature', path: 'manifest.sig', message: 'manifest.sig does not sign manifest.json: one of the two was altered.' },
    ]);
  });
});

describe('trust', () => {
  it('no pin: fails and names the signer and how to pin', async () => {
    const dir = await copyFixture();
    const fingerprint = await fixtureFingerprint();
    for (const trust of [{}, { trustedFingerprints: [] }, { localFingerprint: fingerprint }]) {
      const result = await verifyEvidencePack(dir, trust);
      expect(result).toMatchObject({ ok: false, keyFingerprint: fingerprint, keyTrusted: false });
      expect(result.problems).toEqual([{ kind: 'key', message: `No trusted key was given, so the signer (${fingerprint}) cannot be trusted. ${HOW_TO_PIN}` }]);
    }
    expect(HOW_TO_PIN).toMatch(/--key <fingerprint>.*64-hex SHA-256.*trustedEvidenceKeys/);
  });

  it('any pin that is empty or not 64 hex digits is refused, even beside the right one', async () => {
    const dir = await copyFixture();
    const fingerprint = await fixtureFingerprint();
    for (const pins of [[''], [fingerprint, ''], [fingerprint.slice(1)], [`${fingerprint}0`], ['sha256:']]) {
      const result = await verifyEvidencePack(dir, { trustedFingerprints: pins });
      expect(result.keyTrusted, pins.join()).toBe(false);
      expect(result.problems).toEqual([{ kind: 'key', message: `A pinned key fingerprint is empty or not 64 hex digits. ${HOW_TO_PIN}` }]);
    }
  });

  it('trusts the signer when it is any one of the pins, written the way people copy it; names all pins when none is', async () => {
    const dir = await copyFixture();
    const fingerprint = await fixtureFingerprint();
    const other = sha256('another key');
    const third = sha256('a third key');
    const copied = ` SHA256:${fingerprint.toUpperCase().replace(/(..)/g, '$1:').slice(0, -1)}\n`;
    expect(await verifyEvidencePack(dir, { trustedFingerprints: [other, copied] })).toMatchObject({ ok: true, keyTrusted: true, problems: [] });
    const result = await verifyEvidencePack(dir, { trustedFingerprints: [other, third] });
    expect(result).toMatchObject({ ok: false, keyTrusted: false });
    expect(result.problems).toEqual([{ kind: 'key', message: `The pack was signed with key ${fingerprint}, not the pinned key ${other} or ${third}. ${HOW_TO_PIN}` }]);
  });

  it('normalises a fingerprint: trims, lower-cases, drops a leading sha256: and anything not hex', () => {
    expect(normaliseFingerprint('  SHA256:AB:cd-EF \n')).toBe('abcdef');
    expect(normaliseFingerprint(' sha256:0a')).toBe('0a');
    expect(normaliseFingerprint('Sha256:0A')).toBe('0a');
    // Only a leading prefix is a prefix: elsewhere its letters are just characters (a, 2, 5, 6 are hex).
    expect(normaliseFingerprint('0a sha256:0b')).toBe('0aa2560b');
    expect(normaliseFingerprint('x-y-z')).toBe('');
  });
});

describe('the files', () => {
  it('names a missing file, and only that', async () => {
    const dir = await copyFixture();
    await rm(join(dir, 'public-key.pem'));
    expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems).toEqual([{ kind: 'missing', path: 'public-key.pem', message: 'public-key.pem is missing.' }]);
  });

  it('a link or folder put in a file’s place is named as not a plain file', async () => {
    const dir = await copyFixture();
    await rm(join(dir, 'summary.json'));
    await symlink(join(FIXTURE, 'summary.json'), join(dir, 'summary.json'));
    const linked = await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] });
    expect(linked.problems).toContainEqual({ kind: 'altered', path: 'summary.json', message: 'summary.json is not a plain file (a link or folder was put in its place).' });
    expect(linked.problems.filter((p) => p.path === 'summary.json')).toHaveLength(1);
    await rm(join(dir, 'summary.json'));
    await mkdir(join(dir, 'summary.json'));
    const folder = await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] });
    expect(folder.problems).toEqual([
      { kind: 'altered', path: 'summary.json', message: 'summary.json is not a plain file (a link or folder was put in its place).' },
      { kind: 'added', path: 'summary.json/', message: 'summary.json/ is not part of the pack (it was added).' },
      { kind: 'summary', path: 'summary.json', message: 'summary.json is not a coverage summary.' },
    ]);
  });

  it('regression #17: a file changed in place (same size, other SHA-256) is named', async () => {
    for (const { path } of (await readManifest(FIXTURE)).files) {
      const dir = await copyFixture();
      const bytes = await readFile(join(dir, path));
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = bytes[middle] === 0x41 ? 0x42 : 0x41;
      await writeFile(join(dir, path), bytes);
      expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems, path).toContainEqual({
        kind: 'altered',
        path,
        message: `${path} was altered (its SHA-256 or size differs from the manifest).`,
      });
    }
  });

  it('a size that differs from the manifest is named even when the hash matches', async () => {
    const dir = await copyFixture();
    await resign(dir, (m) => {
      m.files[0].bytes += 1;
    });
    expect((await verifyPinned(dir)).problems).toEqual([{ kind: 'altered', path: 'report.csv', message: 'report.csv was altered (its SHA-256 or size differs from the manifest).' }]);
  });

  it('names every added file and folder, sorted, with folders ending in /', async () => {
    const dir = await copyFixture();
    await mkdir(join(dir, 'notes', 'deep'), { recursive: true });
    for (const name of ['zz.txt', 'notes/deep/b.txt', 'notes/a.txt', 'aa.txt', 'm.txt']) await writeFile(join(dir, name), 'added');
    const result = await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] });
    expect(result.problems.map((p) => [p.kind, p.path])).toEqual(['aa.txt', 'm.txt', 'notes/', 'notes/a.txt', 'notes/deep/', 'notes/deep/b.txt', 'zz.txt'].map((p) => ['added', p]));
    expect(result.problems[0].message).toBe('aa.txt is not part of the pack (it was added).');
  });

  it('a manifest that does not list one of the pack’s files is named', async () => {
    const dir = await copyFixture();
    await resign(dir, (m) => {
      m.files = m.files.filter((f) => f.path !== 'summary.json');
    });
    const result = await verifyPinned(dir);
    expect(result.files).toBe(4);
    expect(result.problems).toEqual([
      { kind: 'added', path: 'summary.json', message: 'summary.json is not part of the pack (it was added).' },
      { kind: 'manifest', path: 'summary.json', message: 'The manifest does not list summary.json.' },
    ]);
  });

  it('public-key.pem that is not the manifest’s key is named; a missing one only as missing', async () => {
    const dir = await copyFixture();
    // Signed consistently (every hash right), but the PEM is another key than the manifest's.
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const manifest = await readManifest(dir);
    await writeFile(join(dir, 'public-key.pem'), other);
    const pem = manifest.files.find((f) => f.path === 'public-key.pem')!;
    Object.assign(pem, { sha256: sha256(other), bytes: Buffer.byteLength(other) });
    manifest.publicKey = { algorithm: 'Ed25519', spkiBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), fingerprint: fingerprintOf(publicKey) };
    const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
    await writeFile(join(dir, 'manifest.json'), bytes);
    await writeFile(join(dir, 'manifest.sig'), `${sign(null, bytes, privateKey).toString('base64')}\n`);
    expect((await verifyPinned(dir)).problems).toEqual([{ kind: 'altered', path: 'public-key.pem', message: 'public-key.pem is not the key the manifest names.' }]);
    await rm(join(dir, 'public-key.pem'));
    expect((await verifyPinned(dir)).problems).toEqual([{ kind: 'missing', path: 'public-key.pem', message: 'public-key.pem is missing.' }]);
  });
});

describe('the audit slice', () => {
  const chain = (message: string) => ({ kind: 'audit-chain', path: 'audit.jsonl', message });

  it('a slice with another number of entries than the manifest says is named with both counts', async () => {
    const dir = await copyFixture();
    await resign(dir, (m) => {
      m.auditSlice.entries = 4;
    });
    expect((await verifyPinned(dir)).problems).toEqual([chain('audit.jsonl holds 3 entries where the manifest says 4.')]);
  });

  it('an empty slice (no entries in the period) verifies', async () => {
    const dir = await copyFixture();
    await writeFile(join(dir, 'audit.jsonl'), '');
    await resign(dir, (m) => {
      Object.assign(m.auditSlice, { entries: 0, firstSeq: null, lastSeq: null, anchorHash: null, lastHash: null });
    });
    expect((await verifyPinned(dir)).problems).toEqual([]);
  });

  it('an entry edited and sealed again is named by where the chain breaks; only the first break is named', async () => {
    const dir = await copyFixture();
    const entries = await entriesOf(dir);
    const forged = [entries[0], resealed(entries[1], (e) => (e.details = { reason: 'nobody asked' })), resealed(entries[2], (e) => (e.details = {}))];
    await writeFile(join(dir, 'audit.jsonl'), forged.map(lineOf).join(''));
    await resign(dir);
    expect((await verifyPinned(dir)).problems).toEqual([chain('audit.jsonl: Line 3 (seq 3) does not chain to the entry before it: an entry was replaced.')]);
  });

  it('a line edited in place is named by its own hash', async () => {
    const dir = await copyFixture();
    const text = await readFile(join(dir, 'audit.jsonl'), 'utf8');
    await writeFile(join(dir, 'audit.jsonl'), text.replace('caller asked', 'caller asket'));
    await resign(dir);
    expect((await verifyPinned(dir)).problems).toEqual([chain('audit.jsonl: Line 2 (seq 2) does not match its hash: its content was changed.')]);
  });

  it('the first entry must hang from the anchor the manifest names, at the seq after it', async () => {
    const dir = await copyFixture();
    await resign(dir, (m) => {
      m.auditSlice.anchorHash = 'b'.repeat(64);
    });
    expect((await verifyPinned(dir)).problems).toEqual([chain('audit.jsonl: Line 1 (seq 1) does not chain to the entry before it: an entry was replaced.')]);
    await resign(dir, (m) => {
      m.auditSlice.anchorHash = '0'.repeat(64);
      m.auditSlice.firstSeq = 2;
    });
    expect((await verifyPinned(dir)).problems).toEqual([chain('audit.jsonl: Line 1 has seq 1 but seq 2 was expected: entries were repeated or reordered.')]);
  });

  it('a slice that is not one unbroken run of the chain is checked entry by entry, not against the anchor', async () => {
    const dir = await copyFixture();
    const entries = await entriesOf(dir);
    // A clock that went back: the period holds entries 1 and 3 only.
    await writeFile(join(dir, 'audit.jsonl'), [entries[0], entries[2]].map(lineOf).join(''));
    await resign(dir, (m) => {
      Object.assign(m.auditSlice, { entries: 2, anchorHash: 'b'.repeat(64), contiguous: false });
    });
    expect((await verifyPinned(dir)).problems).toEqual([]);
  });

  it('without an anchor or a first seq, the first entry is checked on its own and the rest against it', async () => {
    for (const missing of [{ anchorHash: null }, { firstSeq: null }]) {
      const dir = await copyFixture();
      await resign(dir, (m) => Object.assign(m.auditSlice, missing));
      expect((await verifyPinned(dir)).problems, JSON.stringify(missing)).toEqual([]);
    }
  });

  it('a slice that does not end with the entry the manifest names is named', async () => {
    const dir = await copyFixture();
    await resign(dir, (m) => {
      m.auditSlice.lastHash = 'c'.repeat(64);
    });
    expect((await verifyPinned(dir)).problems).toEqual([chain('audit.jsonl does not end with the entry the manifest names.')]);
  });
});

describe('the run’s completion entry', () => {
  const runEntry = (message: string) => ({ kind: 'audit-chain', path: 'run-entry.jsonl', message });
  const writeRunEntry = async (dir: string, change: (e: AuditEntry) => void) => {
    const [line] = await lines(dir, 'run-entry.jsonl');
    await writeFile(join(dir, 'run-entry.jsonl'), lineOf(resealed(JSON.parse(line) as AuditEntry, change)));
  };

  it('an entry that is not whole is named by what broke', async () => {
    const dir = await copyFixture();
    const text = await readFile(join(dir, 'run-entry.jsonl'), 'utf8');
    await writeFile(join(dir, 'run-entry.jsonl'), text.replace('"rows":6', '"rows":7'));
    await resign(dir);
    expect((await verifyPinned(dir)).problems).toEqual([runEntry('run-entry.jsonl: Line 1 (seq 3) does not match its hash: its content was changed.')]);
  });

  it('an entry of another action or another run is not this run’s completion entry', async () => {
    const { run } = await readManifest(FIXTURE);
    for (const change of [(e: AuditEntry) => (e.action = 'coverage.export'), (e: AuditEntry) => (e.details = { ...e.details, runId: 'another-run' })]) {
      const dir = await copyFixture();
      await writeRunEntry(dir, change);
      await resign(dir);
      expect((await verifyPinned(dir)).problems).toEqual([runEntry(`run-entry.jsonl is not the completion entry of run ${run.runId}.`)]);
    }
  });

  it('a completion entry that recorded no report SHA-256 is not the one the manifest names, and the report is not the recorded one', async () => {
    const dir = await copyFixture();
    await writeRunEntry(dir, (e) => (e.details = { runId: e.details.runId, state: 'completed' }));
    await resign(dir);
    expect((await verifyPinned(dir)).problems).toEqual([
      runEntry('run-entry.jsonl is not the entry the manifest names.'),
      { kind: 'altered', path: 'report.csv', message: 'report.csv is not the report the audit log recorded when its run completed.' },
    ]);
  });

  it('an entry other than the one the manifest names (seq, hash or recorded SHA-256) is named', async () => {
    const edits: ((m: EvidenceManifest) => void)[] = [(m) => (m.run.report.auditSeq += 1), (m) => (m.run.report.auditHash = 'd'.repeat(64)), (m) => (m.run.report.sha256 = 'd'.repeat(64))];
    for (const edit of edits) {
      const dir = await copyFixture();
      await resign(dir, edit);
      expect((await verifyPinned(dir)).problems, edit.toString()).toEqual([runEntry('run-entry.jsonl is not the entry the manifest names.')]);
    }
  });

  it('a report whose SHA-256 is not the one the audit log recorded is named, even with its rows intact', async () => {
    const dir = await copyFixture();
    await writeFile(join(dir, 'report.csv'), (await readFile(join(dir, 'report.csv'), 'utf8')).replace(/\n$/, '\r\n'));
    await resign(dir);
    expect((await verifyPinned(dir)).problems).toEqual([{ kind: 'altered', path: 'report.csv', message: 'report.csv is not the report the audit log recorded when its run completed.' }]);
  });

  it('missing entry or report: named only as missing', async () => {
    for (const name of ['run-entry.jsonl', 'audit.jsonl']) {
      const dir = await copyFixture();
      await rm(join(dir, name));
      expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems).toEqual([{ kind: 'missing', path: name, message: `${name} is missing.` }]);
    }
    const dir = await copyFixture();
    await rm(join(dir, 'report.csv'));
    expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems).toEqual([
      { kind: 'missing', path: 'report.csv', message: 'report.csv is missing.' },
      { kind: 'summary', path: 'report.csv', message: 'report.csv is not a readable coverage report.' },
    ]);
  });
});

describe('the summary', () => {
  it('a summary that does not add up to the report’s rows is named', async () => {
    const dir = await copyFixture();
    const doc = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { summary: { users: number } };
    doc.summary.users -= 1;
    await writeFile(join(dir, 'summary.json'), JSON.stringify(doc));
    await resign(dir);
    expect((await verifyPinned(dir)).problems).toEqual([{ kind: 'summary', path: 'summary.json', message: 'summary.json does not match the rows of report.csv.' }]);
  });

  it('a summary.json that is not a coverage summary is named; a missing one only as missing', async () => {
    for (const text of ['{}', '[', '{"summary":{"rows":"six"}}']) {
      const dir = await copyFixture();
      await writeFile(join(dir, 'summary.json'), text);
      await resign(dir);
      expect((await verifyPinned(dir)).problems, text).toEqual([{ kind: 'summary', path: 'summary.json', message: 'summary.json is not a coverage summary.' }]);
    }
    const dir = await copyFixture();
    await rm(join(dir, 'summary.json'));
    expect((await verifyEvidencePack(dir, { trustedFingerprints: [await fixtureFingerprint()] })).problems).toEqual([{ kind: 'missing', path: 'summary.json', message: 'summary.json is missing.' }]);
  });
});

describe('team packs without the team store', () => {
  // What a team pack says when this computer cannot reach the team store. The checks against the
  // store itself run against a real PostgreSQL store in test/integration/team-evidence.test.ts.
  const cut = { url: 'postgres://team.example/authdesk', deviceId: 'device-1', teamSeq: 40, teamHash: 'f'.repeat(64), shippedSeq: 2 };

  async function teamPack(team: typeof cut = cut): Promise<{ dir: string }> {
    const dir = await copyFixture();
    await resign(dir, (m) => (m.team = team));
    return { dir };
  }

  it('without a store connection, says not checked and where the pack was cut, never OK', async () => {
    const { dir } = await teamPack();
    const notChecked = { checked: false, message: 'not checked: no team store connection on this computer (cut at team seq 40)' };
    for (const team of [undefined, () => Promise.resolve(null), () => Promise.reject(new Error('no route to host'))]) {
      expect(await verifyPinned(dir, { team })).toMatchObject({ ok: true, team: notChecked });
    }
  });
});
