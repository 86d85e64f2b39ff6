import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { protocol, resetFakeElectron, session } from './fake-electron';
import {
  buildCsp,
  createAppRequestHandler,
  registerAppSchemePrivileges,
  resolveAppPath,
  serveAppProtocol,
} from '../../../../src/main/electron/protocol';
import type { Session } from 'electron';

vi.mock('electron', () => import('./fake-electron'));

let base: string;
let root: string;
const SECRET_OUTSIDE = 'outside-root-must-never-be-served';

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'authdesk-protocol-'));
  root = join(base, 'out', 'renderer');
  mkdirSync(join(root, 'console'), { recursive: true });
  mkdirSync(join(root, 'enroll'), { recursive: true });
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'console', 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(root, 'enroll', 'index.html'), '<!doctype html><title>enroll</title>');
  writeFileSync(join(root, 'assets', 'console-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'a b.css'), 'body{}');
  writeFileSync(join(base, 'secret.txt'), SECRET_OUTSIDE);
  writeFileSync(join(base, 'out', 'main.js'), SECRET_OUTSIDE);
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.js'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));
beforeEach(() => resetFakeElectron());

const consoleHandler = () => createAppRequestHandler({ root, allowedDirs: ['console', 'assets'], csp: buildCsp() });

describe('app:// scheme', () => {
  it('is registered as standard, secure and fetch-capable, and nothing more', () => {
    registerAppSchemePrivileges();
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
  });
});

describe('app:// request handler', () => {
  it('serves the console with the CSP header, its MIME type and nosniff', async () => {
    const res = await consoleHandler()(new Request('app://authdesk/console/index.html'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>console</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toContain("frame-ancestors 'none'");

    const js = await consoleHandler()(new Request('app://authdesk/assets/console-abc.js'));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const spaced = await consoleHandler()(new Request('app://authdesk/assets/a%20b.css'));
    expect(spaced.status).toBe(200);
    const dirIndex = await consoleHandler()(new Request('app://authdesk/console/'));
    expect(await dirIndex.text()).toContain('console');
  });

  it.each([
    'app://authdesk/../../etc/passwd',
    'app://authdesk/console/../../secret.txt',
    'app://authdesk/console/%2e%2e/%2e%2e/secret.txt',
    'app://authdesk/console/..%2f..%2fsecret.txt',
    'app://authdesk/console/..%2F..%2F..%2Fsecret.txt',
    'app://authdesk/assets/..%5c..%5csecret.txt',
    'app://authdesk/%2e%2e/main.js',
    'app://authdesk/console/%252e%252e/%252e%252e/secret.txt',
    'app://authdesk/console/index.html%00.js',
    'app://authdesk/console/%E0%A4%A',
    'app://authdesk/assets/link.js',
    'app://authdesk/enroll/index.html',
    'app://authdesk/',
    'app://evil/console/index.html',
    'app://authdesk.evil/console/index.html',
    'https://authdesk/console/index.html',
  ])('refuses %s', async (url) => {
    const res = await consoleHandler()(new Request(url));
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain(SECRET_OUTSIDE);
    expect(res.headers.get('content-security-policy')).toBe(buildCsp());
  });

  it('resolves nothing outside root for raw (unnormalised) paths either', () => {
    // Electron hands the handler a parsed URL; resolveAppPath must hold even if a raw string slips through.
    for (const raw of ['app://authdesk/console/..\\..\\secret.txt', 'app://authdesk/console/%2e%2e%2f%2e%2e%2fsecret.txt']) {
      expect(resolveAppPath(root, ['console'], raw)).toBeNull();
    }
    // Dot segments are refused even when they would land inside root (no repairing of paths).
    expect(resolveAppPath(root, ['console', 'assets'], 'app://authdesk/console/..%2fassets/console-abc.js')).toBeNull();
    expect(resolveAppPath(root, ['console'], 'app://authdesk/console/index.html')).toBe(join(root, 'console', 'index.html'));
  });

  it('refuses methods other than GET and HEAD', async () => {
    const res = await consoleHandler()(new Request('app://authdesk/console/index.html', { method: 'POST', body: 'x' }));
    expect(res.status).toBe(405);
  });

  it('builds a CSP that lets an enrollment page call only the origins it is given', () => {
    expect(buildCsp(['https://api.authsignal.com'])).toContain("connect-src 'self' https://api.authsignal.com;");
    expect(buildCsp()).toContain("connect-src 'self';");
  });

  it('registers the handler on the session it is given', async () => {
    const ses = session.fromPartition('p1');
    serveAppProtocol(ses as unknown as Session, { root, allowedDirs: ['enroll', 'assets'], csp: buildCsp() });
    const handler = ses.protocol.handlers.get('app')!;
    expect((await handler(new Request('app://authdesk/enroll/index.html'))).status).toBe(200);
    expect((await handler(new Request('app://authdesk/console/index.html'))).status).toBe(404);
    expect(session.defaultSession.protocol.handlers.size).toBe(0);
  });
});
