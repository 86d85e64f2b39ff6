import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = join(import.meta.dirname, '../../scripts/audit-electron.mjs');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A throwaway project tree for the gate to scan. */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'authdesk-audit-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

interface Report {
  ok: boolean;
  findings: { check: string; file: string; line: number; explainedBy: string | null }[];
  problems: { kind: string; file: string; line: number; check?: string }[];
}

async function audit(root: string, extra: string[] = []): Promise<{ code: number; report: Report }> {
  try {
    const { stdout } = await run(process.execPath, [script, '--root', root, '--json', ...extra]);
    return { code: 0, report: JSON.parse(stdout) as Report };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, report: JSON.parse(e.stdout) as Report };
  }
}

// Guards the tool expects somewhere in a real app; with them, a clean fixture has no global finding.
const GUARDS = `import { app, session } from 'electron';
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});
session.defaultSession.setPermissionRequestHandler((_c, _p, cb) => cb(false));
`;
const HTML = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'unsafe-inline'"></head><body></body></html>\n`;

describe('npm run audit:electron', () => {
  it('fails on unexplained findings, bad justifications and eng-disable; passes what is explained', async () => {
    const root = fixture({
      'src/main/guards.ts': GUARDS,
      'src/renderer/index.html': `<!-- electronegativity-ignore: CSP_GLOBAL_CHECK -- fixture: inline script needed by this page -->\n${HTML}`,
      'src/main/unsafe-window.ts': `import { BrowserWindow } from 'electron';
export const w = () => new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });
`,
      'src/main/justified.ts': `import { shell } from 'electron';
export async function open(url: string) {
  // SECURITY: checked against an allowlist by the caller.
  // electronegativity-ignore: OPEN_EXTERNAL_JS_CHECK -- fixture: allowlisted https only
  await shell.openExternal(url);
}
`,
      'src/main/stale.ts': `// electronegativity-ignore: SANDBOX_JS_CHECK -- nothing here needs this any more\nexport const c = 1;\n`,
      'src/main/hidden.ts': `import { shell } from 'electron';\nexport const d = (url: string) => shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK\n`,
      'src/main/no-reason.ts': `import { shell } from 'electron';\n// electronegativity-ignore: OPEN_EXTERNAL_JS_CHECK\nexport const e = (url: string) => shell.openExternal(url);\n`,
      // The bundle: one openExternal that the sources explain, and one they do not.
      'out/main/index.js': `import { shell } from 'electron';
export async function open(url) { await shell.openExternal(url); }
export async function extra(url) { await shell.openExternal(url + '/x'); }
`,
      // A sandboxed preload bundle is .cjs, which electronegativity skips unless renamed: it must be scanned.
      'out/preload/console.cjs': `const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n`,
    });
    const { code, report } = await audit(root);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);

    const unexplained = report.problems.filter((p) => p.kind === 'unexplained').map((p) => `${p.file}:${p.check}`);
    expect(unexplained).toEqual(expect.arrayContaining(['src/main/unsafe-window.ts:CONTEXT_ISOLATION_JS_CHECK', 'src/main/unsafe-window.ts:SANDBOX_JS_CHECK', 'src/main/no-reason.ts:OPEN_EXTERNAL_JS_CHECK']));
    expect(unexplained.filter((u) => u.startsWith('out/main/index.js:OPEN_EXTERNAL'))).toHaveLength(1);
    expect(unexplained.some((u) => u.startsWith('out/preload/console.cjs:'))).toBe(true);
    expect(unexplained.some((u) => u.startsWith('src/main/justified.ts') || u.startsWith('src/renderer/'))).toBe(false);

    const kinds = report.problems.filter((p) => p.kind !== 'unexplained').map((p) => `${p.kind}:${p.file}`);
    expect(kinds.sort()).toEqual(['eng-disable:src/main/hidden.ts', 'no-reason:src/main/no-reason.ts', 'stale:src/main/stale.ts']);

    const justified = report.findings.find((f) => f.file === 'src/main/justified.ts');
    expect(justified?.explainedBy).toBe('src/main/justified.ts:4');
  });

  it('exits 0 with one quiet line when everything is explained, including through the allowlist', async () => {
    const root = fixture({
      'src/main/guards.ts': GUARDS,
      'src/renderer/index.html': HTML,
      'out/renderer/index.html': HTML,
      'allow.json': JSON.stringify([
        { check: 'CSP_GLOBAL_CHECK', file: 'src/renderer/*.html', contains: "'unsafe-inline'", reason: 'fixture: the owner cannot carry a comment' },
      ]),
    });
    const { stdout, stderr } = await run(process.execPath, [script, '--root', root, '--allowlist', join(root, 'allow.json')]);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(/^audit:electron ok: \d+ checks, 2 findings, all explained/);
    expect(stderr).toBe('');
  });
});
