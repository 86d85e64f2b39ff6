import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/**
 * The extension may use the console only through `@console/public` (issue #16). This lints source
 * text with the import-zone entries of the repository's own eslint.config.js (without the
 * type-aware rules, which take most of a minute to load and say nothing about imports), so the
 * zone is proven to fire, not just configured.
 */
// eslint.config.js is plain JS without types: load it by URL and type what this test reads of it.
const config = ((await import(pathToFileURL(resolve('eslint.config.js')).href)) as { default: Linter.Config[] }).default;

describe('ESLint zone: the extension sees only the console public entry', () => {
  const zones = config.filter((entry) => entry.rules?.['no-restricted-imports']);
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...zones],
  });
  const filePath = 'src/extension/messages.ts';

  async function restrictedImports(text: string): Promise<string[]> {
    const [result] = await eslint.lintText(text, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  }

  it('rejects a deep @console import and a relative climb into the renderer', async () => {
    const messages = await restrictedImports(
      [
        "import { useUserStore } from '@console/stores/user';",
        "import { useSearchStore } from '../renderer/console/stores/search';",
        'export const stores = [useUserStore, useSearchStore];',
        '',
      ].join('\n'),
    );
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('@console/public');
    expect(messages[1]).toContain('@console/public');
  });

  it('accepts the public entry and its stylesheet', async () => {
    const messages = await restrictedImports(
      ["import { useUserStore } from '@console/public';", "import '@console/public.css';", 'export const store = useUserStore;', ''].join('\n'),
    );
    expect(messages).toEqual([]);
  });
});
