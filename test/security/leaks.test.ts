import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index';
import type { TrafficEntry } from '../harness/server';
import { openConsole, type ConsoleSession } from '../support/chromium';
import { startPostgres, type TestPostgres } from '../support/postgres';

// Leak checks (issue #7, item 2): one e2e run in Chromium through the browser harness that does what
// an agent does (add a tenant with its secret, search, open a user, verify the caller with a code and
// with a challenge link, enroll by link) while recording every IPC
// message both ways, every console line of main (this process) and of the page, the data dir, the
// renderer's storage (localStorage, sessionStorage, IndexedDB, cookies) and Chromium's whole profile
// folder on disk. Then it proves the tenant secret, the user tokens and the OTP codes and TOTP
// secrets appear in none of them, with the few places one legitimately goes named explicitly:
//   - the secret goes renderer -> main once, in the tenants:add request (the agent typed it);
//   - the team store role's password goes renderer -> main once, in the team:connect request
//     (Settings → Team audit store, against a real PostgreSQL);
//   - an OTP code goes renderer -> main in verification:submit-code (the caller read it out);
//   - a user token goes main -> renderer inside the `link` of a challenge or enrollment link, which
//     the agent hands to the user (the link is the token's purpose).

const SECRET = `sk_leak_${Date.now().toString(36)}_0123456789abcdef`;
const USER = 'leak-user';
const EMAIL = 'leak.user@example.com';
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g;

const TEAM_ROLE = 'leak_agent';
const TEAM_PASSWORD = `team_pw_${Date.now().toString(36)}_do_not_leak`;

let emulator: RunningEmulator;
let postgres: TestPostgres;
let ui: ConsoleSession;
const mainLog: string[] = [];
const pageLog: string[] = [];
const restore: (() => void)[] = [];

beforeAll(async () => {
  // Main's console (the harness runs main's services in this process), kept and still printed.
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    const spy = vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      mainLog.push(args.map((a) => (a instanceof Error ? `${a.message} ${String(a.stack)}` : typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      original(...args);
    });
    restore.push(() => spy.mockRestore());
  }
  emulator = await startEmulator({ port: 0, host: '127.0.0.1', seed: 4, secret: SECRET });
  postgres = await startPostgres();
  emulator.store.updateUser(USER, { email: EMAIL, emailVerified: true, displayName: 'Leak Check' });
  const day = 86_400_000;
  emulator.store.addAuthenticator({
    userAuthenticatorId: 'leak-email',
    userId: USER,
    verificationMethod: 'EMAIL_OTP',
    email: EMAIL,
    createdAt: new Date(Date.now() - 3 * day).toISOString(),
    verifiedAt: new Date(Date.now() - 3 * day).toISOString(),
  });
  emulator.store.addAuthenticator({
    userAuthenticatorId: 'leak-totp',
    userId: USER,
    verificationMethod: 'AUTHENTICATOR_APP',
    createdAt: new Date(Date.now() - 2 * day).toISOString(),
    verifiedAt: new Date(Date.now() - 2 * day).toISOString(),
    _totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  });
  ui = await openConsole({
    recordTraffic: true,
    keychainService: `${process.env.AUTHDESK_KEYCHAIN_SERVICE ?? 'authdesk-test'}-leaks-${process.pid}`,
    localTenant: { apiUrl: emulator.apiUrl, tenantId: emulator.tenantId, secret: SECRET },
  });
  ui.page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  ui.page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
});

afterAll(async () => {
  await ui?.close();
  await emulator?.close();
  await postgres?.stop();
  for (const r of restore) r();
});

/** All files under a folder, as bytes (Chromium's profile holds binary LevelDB and cache files). */
async function filesUnder(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    const bytes = await readFile(path).catch(() => null);
    if (bytes) out.push({ path, bytes });
  }
  return out;
}

/** The forms a value could take in a file or message besides itself. */
function encodings(value: string): string[] {
  return [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url'), encodeURIComponent(value), Buffer.from(value, 'utf16le').toString('latin1')];
}

/** Names of the places (of `haystacks`) that contain any encoding of `needle`. */
function placesWith(needle: string, haystacks: { name: string; data: string | Buffer }[]): string[] {
  const forms = encodings(needle);
  return haystacks.filter((h) => forms.some((f) => (typeof h.data === 'string' ? h.data.includes(f) : h.data.includes(Buffer.from(f, 'latin1'))))).map((h) => h.name);
}

/** An OTP code as a whole number in a text (not a run of digits inside a longer one). */
function placesWithCode(code: string, haystacks: { name: string; data: string | Buffer }[]): string[] {
  const re = new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`);
  return haystacks.filter((h) => re.test(typeof h.data === 'string' ? h.data : h.data.toString('latin1'))).map((h) => h.name);
}

describe('an agent session leaves no secret, token or code behind', () => {
  it('runs the journey: tenant add, search, user view, verification, enrollment', async () => {
    const page = ui.page;
    // 1. Add a tenant with the secret through the settings form.
    await ui.goto('/settings/tenants');
    const form = page.locator('form.tenant-add-form');
    await form.getByLabel('Name', { exact: true }).fill('Leak check');
    await form.getByLabel('A custom Server API URL').check();
    await form.getByLabel('Server API URL', { exact: true }).fill(emulator.apiUrl);
    await form.getByLabel('Tenant ID').fill(emulator.tenantId);
    await form.getByLabel('Server API secret key').fill(SECRET);
    await page.getByRole('button', { name: 'Test and add tenant' }).click();
    await page.locator('tbody tr', { hasText: 'Leak check' }).or(page.locator('.error-summary')).first().waitFor();
    expect(await page.locator('.error-summary').allTextContents()).toEqual([]);
    await expect(ui.harness.services.tenants.list()).resolves.toMatchObject({ activeId: 'leak-check' });

    // 2. Search for the user and open them, as an agent does.
    await ui.goto('/search');
    await page.getByLabel('Email, phone number, username or user id').fill(EMAIL);
    const option = page.getByRole('option', { name: /Leak Check/ });
    await option.first().waitFor();
    await page.getByLabel('Email, phone number, username or user id').press('ArrowDown');
    await page.getByLabel('Email, phone number, username or user id').press('Enter');
    await page.waitForURL(/#\/users\/leak-user/);
    await page.locator('main h1', { hasText: 'Leak Check' }).waitFor();
    // The profile shows the address masked; the authenticators are listed.
    await page.locator('main').getByText('l•••••••r@example.com').first().waitFor();

    // 3. Verify the caller with a code to their email (read back from the outbox, typed by the agent)
    //    and 4. create an enrollment link, in the console's own panels. Every step is required: a
    //    skipped step would leave its secrets unchecked while the test still passed.
    const verifyPanel = page.locator('[data-testid="caller-verification"]');
    const before = emulator.store.listOutbox(EMAIL).length;
    await verifyPanel.locator('button[data-target-method="email-otp"]').first().click();
    const box = verifyPanel.getByLabel('Code the caller reads to you');
    await box.waitFor();
    await expect.poll(() => emulator.store.listOutbox(EMAIL).length).toBeGreaterThan(before);
    await box.fill(emulator.store.listOutbox(EMAIL)[0].code ?? '');
    await verifyPanel.getByRole('button', { name: 'Check the code' }).click();
    await page.locator('[data-testid="verification-live"]').waitFor();
    const create = page.locator('[data-testid="enrollment"] button[data-mode="link"]');
    await expect.poll(() => create.isDisabled()).toBe(false);
    await create.click();
    await page.locator('[data-testid="enrollment-open"][data-mode="link"]').waitFor();
    // And a challenge link, through the page's own window.authdesk.
    const link = await page.evaluate((userId) => (window as unknown as AuthdeskWindow).authdesk.verification.start({ userId, method: 'prebuilt-ui' }), USER);
    expect(link).toMatchObject({ ok: true, value: { link: expect.stringContaining('token=') as unknown } });
    // 5. Turn team mode on in Settings → Team audit store with the role's password (the DBA set the store up).
    const installer = ui.harness.services.team.open(postgres.url('postgres'), postgres.password, 1);
    await installer.install();
    await installer.addMember(TEAM_ROLE, TEAM_PASSWORD);
    await installer.close();
    await ui.goto('/settings/general');
    const team = page.locator('[data-testid="team-store-settings"]');
    await team.getByLabel('Server host').fill('127.0.0.1');
    await team.getByLabel('Port').fill(String(postgres.port));
    await team.getByLabel('Database', { exact: true }).fill(postgres.database);
    await team.getByLabel('Database role').fill(TEAM_ROLE);
    await team.getByLabel('No TLS: only for a server on this computer').check();
    await team.getByLabel('Role password').fill(TEAM_PASSWORD);
    await team.getByRole('button', { name: 'Test and turn team mode on' }).click();
    await team.locator('[data-testid="team-store-state"][data-state="in-sync"], [data-testid="team-store-state"][data-state="waiting"]').first().waitFor();
    expect(await ui.harness.services.team.connection('agent')).toEqual({ url: postgres.url(TEAM_ROLE), password: TEAM_PASSWORD });
    // Reload once, so anything the console persists across reloads would now be on disk.
    await ui.goto('/search');
  });

  it('kept the secret, tokens and codes out of IPC, logs, the data dir and the renderer', async () => {
    const page = ui.page;
    const traffic: readonly TrafficEntry[] = ui.harness.traffic();
    expect(traffic.length).toBeGreaterThan(3);
    // What the tenant issued during the run: user tokens (from the links) and OTP codes (outbox).
    const tokens = new Set<string>();
    for (const t of traffic) for (const m of (t.kind === 'call' ? t.response : t.payload).matchAll(JWT)) tokens.add(m[0]);
    const codes = emulator.store.listOutbox().flatMap((m) => (m.code ? [m.code] : []));
    const totpSecrets = [...emulator.store.userIds()].flatMap((id) => emulator.store.listAuthenticators(id, true).flatMap((a) => (a._totpSecret ? [a._totpSecret] : [])));
    expect(totpSecrets.length).toBeGreaterThan(0);
    expect(codes.length).toBeGreaterThan(0);
    // The challenge link carries a user token, so the token checks below check something.
    expect(tokens.size).toBeGreaterThan(0);

    // --- IPC, both ways, with the legitimate crossings taken out explicitly.
    const requests = traffic.flatMap((t) => (t.kind === 'call' ? [{ name: `request ${t.channel}`, data: t.request, channel: t.channel }] : []));
    const answers = traffic.map((t) => ({ name: t.kind === 'call' ? `answer ${t.channel}` : `event ${t.event}`, data: t.kind === 'call' ? t.response : t.payload }));
    expect(placesWith(SECRET, requests)).toEqual(['request tenants:add']);
    expect(placesWith(SECRET, answers)).toEqual([]);
    expect(placesWith(TEAM_PASSWORD, requests)).toEqual(['request team:connect']);
    expect(placesWith(TEAM_PASSWORD, answers)).toEqual([]);
    for (const code of codes) {
      expect(placesWithCode(code, requests).every((n) => n === 'request verification:submit-code')).toBe(true);
      expect(placesWithCode(code, answers)).toEqual([]);
    }
    for (const secret of totpSecrets) expect(placesWith(secret, [...requests, ...answers])).toEqual([]);
    // A token may only ride in the `link` of a link answer: strip those and none is left anywhere.
    const withoutLinks = answers.map((a) => ({ ...a, data: a.data.replace(/"link":"[^"]*"/g, '"link":"…"') }));
    // A fresh non-global RegExp per test: the shared /g one keeps lastIndex between strings and skips matches.
    expect(withoutLinks.filter((a) => new RegExp(JWT.source).test(a.data)).map((a) => a.name)).toEqual([]);
    for (const t of tokens) expect(placesWith(t, requests)).toEqual([]);

    // --- Logs of main and of the page.
    const logs = [...mainLog.map((l, i) => ({ name: `main log ${i}`, data: l })), ...pageLog.map((l, i) => ({ name: `page log ${i}`, data: l }))];
    // --- The data dir (profiles, audit log, settings, checkpoints).
    const dataFiles = (await filesUnder(ui.harness.dataDir)).map((f) => ({ name: f.path, data: f.bytes }));
    expect(dataFiles.length).toBeGreaterThan(0);
    // --- The renderer's storage, as the page sees it, and Chromium's profile folder on disk.
    const storage = await page.evaluate(async () => {
      const dump = (s: Storage) => JSON.stringify(Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i) ?? '')])));
      const dbs = await indexedDB.databases();
      return { local: dump(localStorage), session: dump(sessionStorage), indexedDb: JSON.stringify(dbs), cookie: document.cookie, dom: document.documentElement.outerHTML };
    });
    const cookies = JSON.stringify(await ui.chromium.context.cookies());
    const rendererPlaces = [
      { name: 'localStorage', data: storage.local },
      { name: 'sessionStorage', data: storage.session },
      { name: 'IndexedDB names', data: storage.indexedDb },
      { name: 'document.cookie', data: storage.cookie },
      { name: 'cookies', data: cookies },
      { name: 'DOM', data: storage.dom },
    ];
    const profileFiles = (await filesUnder(ui.chromium.userDataDir)).map((f) => ({ name: `chromium ${f.path}`, data: f.bytes }));
    expect(profileFiles.length).toBeGreaterThan(0);

    const everywhere = [...logs, ...dataFiles, ...rendererPlaces, ...profileFiles];
    expect(placesWith(SECRET, everywhere)).toEqual([]);
    expect(placesWith(TEAM_PASSWORD, everywhere)).toEqual([]);
    for (const t of tokens) expect(placesWith(t, [...logs, ...dataFiles])).toEqual([]);
    // The renderer saw link answers (by design); it must not have kept them anywhere that persists.
    for (const t of tokens) expect(placesWith(t, [...rendererPlaces.filter((p) => p.name !== 'DOM'), ...profileFiles])).toEqual([]);
    for (const code of codes) expect(placesWithCode(code, everywhere)).toEqual([]);
    for (const secret of totpSecrets) expect(placesWith(secret, everywhere)).toEqual([]);
    // No JWT-shaped string at all in logs or the data dir, whoever issued it.
    expect(logs.concat(dataFiles.map((f) => ({ name: f.name, data: f.data.toString('latin1') }))).filter((p) => new RegExp(JWT.source).test(String(p.data))).map((p) => p.name)).toEqual([]);
  });
});

/** The page's bridge, as the console uses it (typed loosely: only the one call above is needed). */
interface AuthdeskWindow {
  authdesk: Record<string, Record<string, (input?: unknown) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>>>;
}
