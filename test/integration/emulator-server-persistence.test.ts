import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authsignal } from '@authsignal/node';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';

/** `--data`: the tenant survives a restart, written atomically, without OTP codes on disk. */

const dir = () => mkdtempSync(join(process.env.AUTHDESK_TEST_TMP ?? tmpdir(), 'emu-data-'));
let running: RunningEmulator | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(dataFile: string): Promise<{ emu: RunningEmulator; sdk: Authsignal }> {
  const emu = await startEmulator({ secret: 'persist-secret', seed: 'demo', dataFile });
  running = emu;
  return { emu, sdk: new Authsignal({ apiSecretKey: emu.secret, apiUrl: emu.apiUrl, retries: 0 }) };
}

describe('persistence across a restart', () => {
  it('keeps users, authenticators, actions and the outbox (without codes), and does not seed twice', async () => {
    const folder = dir();
    const file = join(folder, 'tenant.json');
    const first = await start(file);
    await first.sdk.enrollVerifiedAuthenticator({ userId: 'auth0|new+user@x', attributes: { verificationMethod: 'SMS' as never, phoneNumber: '+14155550100' } });
    await first.sdk.updateUser({ userId: 'usr_alan', attributes: { displayName: 'Alan M. Turing' } });
    const tracked = await first.sdk.track({ userId: 'usr_ada', action: 'signIn' });
    await first.sdk.challenge({ verificationMethod: 'EMAIL_OTP', email: 'persist@example.com' });
    await first.sdk.deleteUser({ userId: 'usr_nobody' });
    const count = first.emu.store.userCount;
    await first.emu.close();
    running = undefined;

    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/"code":"\d{6}"/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(folder)).toEqual(['tenant.json']);

    const second = await start(file);
    expect(second.emu.store.userCount).toBe(count);
    expect((await second.sdk.getUser({ userId: 'auth0|new+user@x' })).isEnrolled).toBe(true);
    expect((await second.sdk.getAuthenticators({ userId: 'auth0|new+user@x' }))[0]).toMatchObject({ verificationMethod: 'SMS', phoneNumber: '+14155550100' });
    expect((await second.sdk.getUser({ userId: 'usr_alan' })).displayName).toBe('Alan M. Turing');
    expect((await second.sdk.getUser({ userId: 'usr_nobody' })).isEnrolled).toBe(false);
    expect(await second.sdk.getAction({ userId: 'usr_ada', action: 'signIn', idempotencyKey: tracked.idempotencyKey })).toMatchObject({ state: 'CHALLENGE_REQUIRED' });
    const res = await fetch(`${second.emu.origin}/__emulator/outbox?to=persist@example.com`, {
      headers: { authorization: `Basic ${Buffer.from('persist-secret:').toString('base64')}` },
    });
    const { messages } = (await res.json()) as { messages: { code?: string; channel: string }[] };
    expect(messages).toHaveLength(1);
    expect(messages[0].code).toBeUndefined();
  });

  it('writes a snapshot shortly after a change, before close', async () => {
    const file = join(dir(), 'live.json');
    const { sdk } = await start(file);
    await sdk.updateUser({ userId: 'usr_live', attributes: { displayName: 'Written soon' } });
    const deadline = Date.now() + 5_000;
    let found = false;
    while (!found && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        found = readFileSync(file, 'utf8').includes('Written soon');
      } catch {
        // not written yet
      }
    }
    expect(found).toBe(true);
  });

  it('refuses a data file that is not a snapshot, and leaves it untouched', async () => {
    const file = join(dir(), 'broken.json');
    writeFileSync(file, '{"not":"a snapshot"}');
    await expect(startEmulator({ dataFile: file })).rejects.toThrow(/not an emulator snapshot/);
    expect(readFileSync(file, 'utf8')).toBe('{"not":"a snapshot"}');
  });
});
