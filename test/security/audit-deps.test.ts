import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// scripts/audit-deps.mjs (issue #7, item 5) decides over npm's audit report. The advisory service
// needs the network, so `npm test` runs the real script over saved reports in npm's v2 format:
// its verdicts (clean, unexplained, explained, could not run) are what this proves.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authdesk-audit-deps-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const advisory = (name: string, severity: string, ghsa: string) => ({
  source: 1000,
  name,
  dependency: name,
  title: `Something bad in ${name}`,
  url: `https://github.com/advisories/${ghsa}`,
  severity,
  range: '<1.2.3',
});

function report(vulnerabilities: Record<string, unknown>): unknown {
  const counts = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0 };
  for (const v of Object.values(vulnerabilities) as { severity: keyof typeof counts }[]) {
    counts[v.severity]++;
    counts.total++;
  }
  return { auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: counts } };
}

async function audit(name: string, body: unknown, explained = ''): Promise<{ status: number | null; out: string }> {
  const reportFile = join(dir, `${name}.json`);
  const explainedFile = join(dir, `${name}.md`);
  await writeFile(reportFile, JSON.stringify(body));
  await writeFile(explainedFile, explained);
  const r = spawnSync(process.execPath, ['scripts/audit-deps.mjs', '--report', reportFile, '--explained', explainedFile], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('audit:deps verdicts', () => {
  it('passes a report with no advisory', async () => {
    const r = await audit('clean', report({}));
    expect(r.status).toBe(0);
    expect(r.out).toContain('production dependencies');
  });

  it('passes moderate and low advisories (they are listed by npm audit, not blocking)', async () => {
    const r = await audit('moderate', report({ foo: { name: 'foo', severity: 'moderate', via: [advisory('foo', 'moderate', 'GHSA-aaaa-bbbb-cccc')] } }));
    expect(r.status).toBe(0);
  });

  it('fails on an unexplained high advisory, naming it, and on a critical one reached through another package', async () => {
    const r = await audit(
      'high',
      report({
        foo: { name: 'foo', severity: 'high', via: [advisory('foo', 'high', 'GHSA-1111-2222-3333')] },
        bar: { name: 'bar', severity: 'critical', via: ['baz'] },
        baz: { name: 'baz', severity: 'critical', via: [advisory('baz', 'critical', 'GHSA-4444-5555-6666')] },
      }),
    );
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/UNEXPLAINED\s+high\s+foo .*GHSA-1111-2222-3333/);
    expect(r.out).toMatch(/UNEXPLAINED\s+critical\s+baz .*GHSA-4444-5555-6666/);
    expect(r.out).toContain('2 high/critical advisories are not explained');
  });

  it('passes when each blocking advisory is explained by id, and only then', async () => {
    const body = report({
      foo: { name: 'foo', severity: 'high', via: [advisory('foo', 'high', 'GHSA-1111-2222-3333')] },
      baz: { name: 'baz', severity: 'critical', via: [advisory('baz', 'critical', 'GHSA-4444-5555-6666')] },
    });
    const both = '## GHSA-1111-2222-3333\nOnly in the build.\n## GHSA-4444-5555-6666\nNot reachable.\n';
    await expect(audit('explained', body, both)).resolves.toMatchObject({ status: 0 });
    const one = await audit('half', body, '## GHSA-1111-2222-3333\nOnly in the build.\n');
    expect(one.status).toBe(1);
    expect(one.out).toMatch(/explained\s+high\s+foo/);
    expect(one.out).toMatch(/UNEXPLAINED\s+critical\s+baz/);
  });

  it('never reports clean when the advisory service could not be asked', async () => {
    const r = await audit('offline', { error: { code: 'ENOAUDIT', summary: 'audit endpoint returned an error' } });
    expect(r.status).toBe(2);
    expect(r.out).toContain('NOTHING was audited');
    // What npm 11 prints when a registry refuses the audit endpoint (as this machine's does).
    const refused = await audit('refused', { message: '405 Method Not Allowed - POST https://registry.example/-/npm/v1/security/advisories/bulk', statusCode: 405, body: '' });
    expect(refused.status).toBe(2);
    expect(refused.out).toContain('405 Method Not Allowed');
  });
});
