import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollPageCsp, resolveEnrollPath, startEnrollPageServer, type EnrollPageServer } from '../../../src/main/services/enrollment/enroll-page-server';

// The loopback server of the guided enroll page (issue #5), over real HTTP on 127.0.0.1.

let root: string;
let outside: string;
let server: EnrollPageServer;
let api = 'http://127.0.0.1:4010';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'authdesk-enroll-pages-'));
  outside = mkdtempSync(join(tmpdir(), 'authdesk-outside-'));
  mkdirSync(join(root, 'enroll'));
  mkdirSync(join(root, 'assets'));
  mkdirSync(join(root, 'console'));
  writeFileSync(join(root, 'enroll', 'index.html'), '<!doctype html><title>enroll</title>');
  writeFileSync(join(root, 'assets', 'enroll-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'console', 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(outside, 'secret.txt'), 'outside the build');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'assets', 'link.txt'));
  server = await startEnrollPageServer({ root, connectSrc: () => [api] });
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** A raw GET with a chosen Host header and path (fetch would normalise both). */
function get(path: string, host = new URL(server.origin).host, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const port = Number(new URL(server.origin).port);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('enroll page server', () => {
  it('serves the page on http://localhost:<port>, with a CSP that calls only the tenant API', async () => {
    expect(server.origin).toMatch(/^http:\/\/localhost:\d+$/);
    expect(server.url).toBe(`${server.origin}/enroll/index.html`);
    const page = await get('/enroll/index.html');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>enroll</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(enrollPageCsp([api]));
    expect(page.headers['content-security-policy']).toContain("connect-src 'self' http://127.0.0.1:4010");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await get('/assets/enroll-abc.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    // The tenant it may call is read per request (the local tenant starts after this server).
    api = 'http://127.0.0.1:5020';
    expect((await get('/enroll/index.html')).headers['content-security-policy']).toContain('http://127.0.0.1:5020');
  });

  it('answers only requests addressed to localhost:<port> (DNS rebinding)', async () => {
    const port = new URL(server.origin).port;
    expect((await get('/enroll/index.html', `127.0.0.1:${port}`)).status).toBe(421);
    expect((await get('/enroll/index.html', `evil.example:${port}`)).status).toBe(421);
  });

  it('serves nothing outside the page and its assets', async () => {
    for (const path of ['/console/index.html', '/', '/enroll/../console/index.html', '/enroll/%2e%2e/console/index.html', '/assets/..%2f..%2fetc%2fpasswd', '/assets/link.txt', '/assets/%5c..%5csecret', '/enroll/%00']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('console');
      expect(res.body).not.toContain('outside the build');
    }
    expect((await get('/enroll/index.html', undefined, 'POST')).status).toBe(405);
    expect(resolveEnrollPath(root, '/enroll/')).toBe(join(root, 'enroll', 'index.html'));
    expect(resolveEnrollPath(root, '/%E0%A4%A')).toBeNull();
  });
});
