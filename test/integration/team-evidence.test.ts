import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '@shared/domain/audit';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { lineOf, seal } from '../../src/main/services/audit/audit-format';
import { anchorAccount } from '../../src/main/services/audit/log-anchor';
import type { Services } from '../../src/main/services/container';
import type { EvidenceManifest } from '../../src/main/services/evidence/evidence.service';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { clearKeychains, closeTestHome, openTestHome, runCli, testKeychainService } from '../support/cli-home';
import { startPostgres, type TestPostgres } from '../support/postgres';

// Evidence packs in team mode, with a real coverage run (emulator over HTTP), the real keychain and
// a real PostgreSQL: the pack records the team chain head it was cut from, and `evidence verify`
// checks the slice against the store; it says "not checked" when the store cannot be reached.

const service = testKeychainService('team-evidence');
let emu: RunningEmulator;
let server: TestPostgres;
let home: string;
let services: Services;
let report: string;

const cli = (args: string[]) => runCli(args, { home, service });

const manifestOf = async (pack: string) =>
  JSON.parse(await readFile(join(pack, 'manifest.json'), 'utf8')) as EvidenceManifest;

beforeAll(async () => {
  server = await startPostgres();
  emu = await startEmulator({ seed: 41 });
  ({ home, services } = await openTestHome('team-evidence', service));
  const installer = services.team.open(server.url('postgres'), server.password, 1);
  await installer.install();
  await installer.addMember('ev_agent', 'ev_agent-password-x');
  // Issue #12: in team mode the role is the database role; exporting evidence is for security admins,
  // so the team policy names this computer's role as one.
  await installer.setPolicy({ securityAdmins: ['ev_agent'] });
  await installer.close();
  await services.team.saveConnection('agent', server.url('ev_agent'), 'ev_agent-password-x');
  await services.tenants.add({
    name: 'emu',
    apiUrl: emu.apiUrl,
    tenantId: 'emu-tenant',
    secret: emu.secret,
    testFirst: false,
    makeActive: true,
  });
  for (const userId of ['usr_00001', 'usr_00002', 'usr_00003']) {
    await services.audit.append({
      action: 'user.lookup',
      tenant: { id: 'emu', name: 'emu' },
      subject: { userId },
      details: { ticket: `T-${userId}` },
    });
  }
  const input = join(home, 'users.csv');
  await writeFile(input, `userId\n${[...emu.store.userIds()].join('\n')}\n`);
  report = join(home, 'report.csv');
  expect((await services.coverage.run({ inputPath: input, outPath: report })).state).toBe('completed');
}, 180_000);
afterAll(async () => {
  await clearKeychains(service, ['.evidence', '.team']);
  await closeTestHome(home, services);
  await emu?.close();
  await server?.stop();
});

describe('roles in team mode', { timeout: 120_000 }, () => {
  it('come from the database role the store authenticated: an agent unless the team policy names it', async () => {
    expect(await services.policy.effective()).toMatchObject({ managed: true, role: 'admin', account: 'ev_agent' });
    const admin = services.team.open(server.url('postgres'), server.password, 1);
    try {
      await admin.setPolicy({ requireTicketId: true });
      expect(await services.policy.effective()).toMatchObject({ role: 'agent', account: 'ev_agent', settings: { requireTicketId: { value: true, source: 'team', locked: true } } });
      const refused = await cli(['evidence', 'export', '--report', join(home, 'none.csv'), '--out', join(home, 'nopack')]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/Your role \(agent\) may not export evidence packs/);
    } finally {
      await admin.setPolicy({ securityAdmins: ['ev_agent'] });
      await admin.close();
    }
  });
});

describe('evidence packs in team mode', { timeout: 120_000 }, () => {
  let pack: string;

  it('records the team chain head it was cut from, and verify checks the slice against the store', async () => {
    pack = join(home, 'pack');
    const exported = await cli(['evidence', 'export', '--report', report, '--out', pack, '--json']);
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const manifest = await manifestOf(pack);
    const slice = manifest.auditSlice;
    expect(slice.entries).toBeGreaterThan(3);
    expect(manifest.team).toBeDefined();
    const team = manifest.team!;
    // Everything in the slice was shipped before the cut, and the head is the store's at that moment.
    expect(team.shippedSeq).toBeGreaterThanOrEqual(slice.lastSeq!);
    expect(team.teamSeq).toBeGreaterThanOrEqual(slice.entries);
    expect(team.url).not.toContain('ev_agent-password-x');
    const status = await services.team.status();
    expect(team.deviceId).toBe(status.deviceId);

    // Verification trusts only a pinned key (issue #12): the auditor pins the fingerprint they were given.
    const verified = await cli(['evidence', 'verify', pack, '--key', manifest.publicKey.fingerprint]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('VERIFIED');
    expect(verified.stdout).toContain(
      `Team store: checked against the team store: ${slice.entries} shipped entries (cut at team seq ${team.teamSeq})`,
    );
    const json = JSON.parse((await cli(['evidence', 'verify', pack, '--json', '--key', manifest.publicKey.fingerprint])).stdout) as {
      team: { checked: boolean };
    };
    expect(json.team.checked).toBe(true);
  });

  it('catches a pack cut from a rewritten, re-sealed local log that verifies on its own', async () => {
    // The agent holds the signing key and the log file: they rewrite a shipped entry, re-seal the
    // chain so the local check passes, and cut a fresh, validly signed pack. Only the store knows.
    const file = services.audit.file;
    const entries = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEntry);
    const target = entries.findIndex((e) => e.subject.userId === 'usr_00002');
    expect(target).toBeGreaterThan(0);
    const forged: AuditEntry[] = [];
    for (const [i, e] of entries.entries()) {
      const { hash: _hash, ...rest } = e;
      const changed = i === target ? { ...rest, details: { ticket: 'T-NOTHING-TO-SEE' } } : rest;
      forged.push(seal({ ...changed, prevHash: i === 0 ? e.prevHash : forged[i - 1].hash }));
    }
    await writeFile(file, forged.map(lineOf).join(''));
    // The same OS account can rewrite the solo anchor in its own keychain too (the README says so):
    // after that the local log verifies on its own, and only the team store can tell.
    const last = forged[forged.length - 1];
    await createKeychain(`${service}.audit-anchor`).set(anchorAccount(file), JSON.stringify({ v: 1, seq: last.seq, hash: last.hash }));
    expect(await services.audit.verify()).toMatchObject({ ok: true });

    const forgedPack = join(home, 'forged-pack');
    expect((await cli(['evidence', 'export', '--report', report, '--out', forgedPack, '--json'])).code).toBe(
      0,
    );
    const forgedKey = (await manifestOf(forgedPack)).publicKey.fingerprint;
    const verified = await cli(['evidence', 'verify', forgedPack, '--key', forgedKey]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toContain('NOT VERIFIED');
    expect(verified.stdout).toContain(
      `audit.jsonl: Entry ${entries[target].seq} of audit.jsonl differs from the team store's copy.`,
    );
    // Nothing else is wrong with the pack (signature, files and chain hold); re-sealing rewrote every
    // later hash too, so each shipped entry from the rewritten one on is named.
    const json = JSON.parse((await cli(['evidence', 'verify', forgedPack, '--json', '--key', forgedKey])).stdout) as {
      problems: { kind: string; message: string }[];
    };
    const manifest = await manifestOf(forgedPack);
    const shippedFromTarget = forged
      .filter(
        (e) =>
          e.seq >= entries[target].seq &&
          e.seq >= manifest.auditSlice.firstSeq! &&
          e.seq <= manifest.team!.shippedSeq,
      )
      .map((e) => e.seq);
    expect(shippedFromTarget.length).toBeGreaterThan(0);
    expect(json.problems).toEqual(
      shippedFromTarget.map((seq) => ({
        kind: 'team',
        path: 'audit.jsonl',
        message: `Entry ${seq} of audit.jsonl differs from the team store's copy.`,
      })),
    );
  });

  it('says "not checked: store unreachable" when the store is down, and still checks the rest', async () => {
    const key = (await manifestOf(pack)).publicKey.fingerprint;
    await server.halt();
    try {
      const verified = await cli(['evidence', 'verify', pack, '--key', key]);
      expect(verified.code).toBe(0);
      expect(verified.stdout).toContain('Team store: not checked: store unreachable.');
    } finally {
      await server.resume();
    }
  });
});
