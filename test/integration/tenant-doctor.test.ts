import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Authsignal } from '@authsignal/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import { ReadinessReport } from '@shared/domain/readiness';
import { VERIFICATION_ACTION_CODE } from '@shared/domain/verification';
import { createKeychain } from '../../src/main/services/platform/keychain';
import { createServices, type Services } from '../../src/main/services/container';
import { TenantDoctor } from '../../src/main/services/readiness/tenant-doctor';
import { main } from '../../src/main/cli';
import { auditEntries } from '../support/data-dir';

/**
 * Tenant readiness against the local tenant over HTTP: the report read from the tenant itself
 * (credentials, `GET /authenticators`, the actions Authdesk tracks), in process over the real
 * services and through the spawned `authdesk tenant doctor` (human and `--json`).
 */

const SECRET = 'doctor-secret-4c1d';
let emu: RunningEmulator;
let dataDir: string;
let services: Services;
let doctor: TenantDoctor;
let sdk: Authsignal;

beforeAll(async () => {
  emu = await startEmulator({ secret: SECRET, seed: 'demo' });
  dataDir = await mkdtemp(join(tmpdir(), 'authdesk-doctor-'));
  services = createServices({
    dataDir,
    keychainService: `authdesk-test-doctor-${process.pid}`,
    appVersion: 'test',
    localTenant: { apiUrl: emu.apiUrl, tenantId: emu.tenantId, secret: SECRET },
  });
  doctor = new TenantDoctor({ tenants: services.tenants, settings: services.settings, audit: services.audit });
  sdk = new Authsignal({ apiSecretKey: SECRET, apiUrl: emu.apiUrl, retries: 0 });
});
afterAll(async () => {
  await services.close();
  await emu.close();
  await rm(dataDir, { recursive: true, force: true });
});
afterEach(() => {
  emu.store.actionConfigs.delete(VERIFICATION_ACTION_CODE);
});

describe('TenantDoctor on the local tenant', () => {
  it('reports the connection, the configured authenticators with what each enables, and leaves actions alone unless asked', async () => {
    const report = ReadinessReport.parse(await doctor.check());
    expect(report.tenant).toMatchObject({ id: 'local', kind: 'local', tenantId: emu.tenantId, host: new URL(emu.apiUrl).host });
    expect(report.connection.status).toBe('ok');
    expect(report.authenticators.status).toBe('ok');
    const methods = Object.fromEntries(report.authenticators.configured.map((a) => [a.verificationMethod, a.isActive]));
    // Push is configured but switched off: it is listed and enables nothing.
    expect(methods).toMatchObject({ PASSKEY: true, EMAIL_OTP: true, SMS: true, AUTHENTICATOR_APP: true, SECURITY_KEY: true, PUSH: false });
    expect(report.features.every((f) => f.ready)).toBe(true);
    expect(report.features.find((f) => f.feature === 'guided-passkey')?.enabledBy).toEqual(['PASSKEY']);
    expect(report.features.find((f) => f.feature === 'verify-challenge-link')?.enabledBy).not.toContain('PUSH');
    expect(report.actions).toMatchObject({ status: 'skipped', probes: [] });
    expect(report.status).toBe('ok');
    expect(report.advice).toEqual([]);
    // Without a probe nothing was written to the tenant: the probe user does not exist.
    expect((await sdk.getUser({ userId: 'authdesk-readiness-probe' })).isEnrolled).toBe(false);
  });

  it('probes the tracked actions on a named probe user, deletes the user it created, and records the probe', async () => {
    const probeUserId = `probe-${process.pid}`;
    const report = await doctor.check({ probeActions: true, probeUserId });
    expect(report.actions.status).toBe('ok');
    expect(report.actions.probeUserId).toBe(probeUserId);
    expect(report.actions.message).toContain(probeUserId);
    expect(report.actions.probes.map((p) => [p.actionCode, p.observed])).toEqual([
      [VERIFICATION_ACTION_CODE, 'CHALLENGE_REQUIRED'],
      ['authdesk-enroll', 'CHALLENGE_REQUIRED'],
    ]);
    expect(await sdk.getAuthenticators({ userId: probeUserId })).toEqual([]);
    expect((await sdk.getUser({ userId: probeUserId })).isEnrolled).toBe(false);
    const probe = (await auditEntries(dataDir)).filter((e) => e.action === 'tenant.probe').at(-1);
    expect(probe?.details).toMatchObject({ probeUserId, created: true });
  });

  it('fails the probe with the portal fix when the verification action does not challenge, and leaves an enrolled probe user as it was', async () => {
    emu.store.actionConfigs.set(VERIFICATION_ACTION_CODE, { defaultUserActionResult: 'ALLOW' });
    const probeUserId = `probe-enrolled-${process.pid}`;
    await sdk.enrollVerifiedAuthenticator({ userId: probeUserId, attributes: { verificationMethod: 'EMAIL_OTP' as never, email: 'probe@example.com' } });
    const report = await doctor.check({ probeActions: true, probeUserId });
    const verify = report.actions.probes.find((p) => p.actionCode === VERIFICATION_ACTION_CODE);
    expect(verify).toMatchObject({ status: 'fail', observed: 'ALLOW', expected: 'CHALLENGE_REQUIRED' });
    expect(report.actions.status).toBe('fail');
    expect(report.status).toBe('fail');
    expect(report.advice.join('\n')).toMatch(/Actions → "authdesk-verify-caller".*default outcome to Challenge/);
    expect(report.actions.message).toMatch(/left as it was/);
    expect((await sdk.getAuthenticators({ userId: probeUserId })).map((a) => a.email)).toEqual(['probe@example.com']);
  });

  it('says which features a tenant with fewer methods lacks, and what to turn on in the portal', async () => {
    emu.setActiveMethods(['EMAIL_OTP', 'PASSKEY']);
    try {
      const report = await doctor.check();
      expect(report.status).toBe('warn');
      expect(report.authenticators).toMatchObject({ status: 'ok', message: expect.stringMatching(/^2 active of 8 configured/) as unknown });
      const ready = Object.fromEntries(report.features.map((f) => [f.feature, f.ready]));
      expect(ready).toMatchObject({ 'verify-email-code': true, 'verify-sms-code': false, 'guided-passkey': true, 'guided-authenticator-app': false, 'enroll-link': true });
      expect(report.advice).toEqual(
        expect.arrayContaining(['Turn on SMS OTP under Authenticators in the Authsignal portal.', 'Turn on Authenticator app under Authenticators in the Authsignal portal.']),
      );

      emu.setActiveMethods([]);
      const none = await doctor.check({ probeActions: true });
      expect(none.status).toBe('fail');
      expect(none.authenticators.status).toBe('fail');
      expect(none.features.every((f) => !f.ready)).toBe(true);
      // The probe enrolls its user with an email code or SMS; with neither on, it does not run.
      expect(none.actions).toMatchObject({ status: 'skipped', probes: [] });
    } finally {
      emu.setActiveMethods(['PASSKEY', 'SECURITY_KEY', 'AUTHENTICATOR_APP', 'EMAIL_OTP', 'EMAIL_MAGIC_LINK', 'SMS', 'WHATSAPP']);
    }
  });

  it('reports a refused secret as a failed connection with the fix, and checks nothing further', async () => {
    const wrongDir = await mkdtemp(join(tmpdir(), 'authdesk-doctor-wrong-'));
    const wrong = createServices({
      dataDir: wrongDir,
      keychainService: `authdesk-test-doctor-wrong-${process.pid}`,
      appVersion: 'test',
      localTenant: { apiUrl: emu.apiUrl, tenantId: emu.tenantId, secret: 'not-the-secret' },
    });
    try {
      const report = await new TenantDoctor({ tenants: wrong.tenants, settings: wrong.settings }).check({ probeActions: true });
      expect(report.status).toBe('fail');
      expect(report.connection).toMatchObject({ status: 'fail', code: 'unauthorized' });
      expect(report.connection.message).toMatch(/secret and the region/);
      expect(report.authenticators.status).toBe('skipped');
      expect(report.actions.status).toBe('skipped');
      expect(report.features.every((f) => !f.ready)).toBe(true);
      expect(report.advice).toEqual([report.connection.message]);
    } finally {
      await wrong.close();
      await rm(wrongDir, { recursive: true, force: true });
    }
  });
});

describe('authdesk tenant doctor (spawned)', () => {
  const BIN = join(import.meta.dirname, '..', '..', 'bin', 'authdesk');
  const service = `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-doctor-cli-${process.pid}`;
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'authdesk-doctor-cli-'));
  });
  afterAll(async () => {
    const keychain = createKeychain(service);
    for (const account of await keychain.list()) await keychain.delete(account);
    await rm(home, { recursive: true, force: true });
  });

  function authdesk(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(BIN, args, { env: { ...process.env, AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: service }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it('prints the readiness report of the local tenant, and the same report as JSON', async () => {
    const added = await authdesk(['tenant', 'add', 'Local emulator', '--api-url', emu.apiUrl, '--tenant-id', emu.tenantId], SECRET);
    expect(added.code, added.stderr).toBe(0);

    const human = await authdesk(['tenant', 'doctor']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Readiness of "Local emulator" \(127\.0\.0\.1:\d+, tenant id local-tenant\): OK$/m);
    expect(human.stdout).toMatch(/^\[ok\]\s+Connection: Connected to/m);
    expect(human.stdout).toMatch(/^\[ok\]\s+Authenticators: 7 active of 8 configured/m);
    expect(human.stdout).toMatch(/^\[skipped\]\s+Actions: Not probed/m);
    expect(human.stdout).toMatch(/^ {2}ready\s+Guided page: passkey\s+PASSKEY$/m);
    expect(human.stdout).not.toContain(SECRET);

    const json = await authdesk(['--json', 'tenant', 'doctor', 'Local emulator', '--probe-actions', '--probe-user', 'cli-probe']);
    expect(json.code, json.stderr).toBe(0);
    const report = ReadinessReport.parse(JSON.parse(json.stdout));
    expect(report.status).toBe('ok');
    expect(report.actions.probeUserId).toBe('cli-probe');
    expect(report.actions.probes).toHaveLength(2);
    expect(json.stdout).not.toContain(SECRET);
    // Three spawned CLIs (tsx compiles on start): slow on a loaded machine, so a longer budget.
  }, 120_000);

  it('refuses --probe-user without --probe-actions (exit 2), before touching any tenant', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['tenant', 'doctor', '--probe-user', 'x'], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([]),
      env: { AUTHDESK_HOME: home, AUTHDESK_KEYCHAIN_SERVICE: service },
      platform: process.platform,
    });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--probe-user only makes sense with --probe-actions/);
  });
});
