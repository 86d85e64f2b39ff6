// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'url', 'stream'];

/** What plain-Node code (services, router, CLI, emulator) may not import. */
const servicesForbidden = ['electron', '**/renderer/**', '**/preload/**', '**/main/electron/**', '@console/**'];
const servicesMessage = "Services, the router, the CLI and the emulator run in plain Node: no 'electron' here (it belongs in src/main/electron).";

/** Import rules per layer (see the README's architecture section). */
const zone = (files, patterns, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['types/**', 'out/**', 'dist/**', 'release/**', 'coverage/**', 'bench/results/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.vue'],
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'bin/**'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-console': 'off' },
  },
  {
    // The renderer and the preloads run in a browser context.
    files: ['src/renderer/**', 'src/preload/**', 'src/extension/**', 'src/emulator/pages/prebuilt-app/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'src/main/cli/**', 'src/emulator/cli.ts'],
    rules: { 'no-console': 'off' },
  },
  // Layer zones: shared runs anywhere, so it may import nothing from the platform.
  zone(
    ['src/shared/**'],
    ['electron', 'keytar', 'vue', 'pinia', ...nodeBuiltins, '**/main/**', '**/renderer/**', '**/preload/**', '**/emulator/**', '@console/**'],
    'src/shared runs anywhere: no electron, no node:*, no DOM, no other layer.',
  ),
  zone(['src/main/services/**', 'src/main/ipc/**', 'src/main/cli/**', 'src/emulator/**'], servicesForbidden, servicesMessage),
  // Rooms inside the services layer. A domain folder imports only from platform/, its own folder
  // and another domain's ports.ts (the coverage-* files at the root count as platform until
  // coverage moves into its own folder); platform/ imports no domain at all.
  {
    files: ['src/main/services/*/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: servicesForbidden, message: servicesMessage },
            {
              regex: '^\\.\\./(?!platform/[\\w.-]+$|[\\w-]+/ports$|coverage-[\\w-]+$)',
              message: "A services domain imports only from ../platform, its own folder and another domain's ports.ts (declare what it needs there).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/services/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: servicesForbidden, message: servicesMessage },
            { regex: '^\\.\\./', message: 'services/platform is the floor of the services layer: it imports no domain (pass what it needs in).' },
          ],
        },
      ],
    },
  },
  zone(
    ['src/emulator/pages/prebuilt-app/**'],
    ['electron', 'keytar', 'zod', ...nodeBuiltins, '**/main/**', '**/renderer/**', '**/preload/**', '@console/**', '..', '../**'],
    'The pre-built UI app is a browser page bundled on its own: DOM only, its own folder and type-only imports from @shared.',
  ),
  zone(
    ['src/preload/**'],
    ['keytar', 'zod', ...nodeBuiltins, '**/main/**', '**/renderer/**', '**/emulator/**', '@console/**'],
    'Preloads are sandboxed: they import only electron and ../shared (names, no schemas).',
  ),
  zone(
    ['src/renderer/**'],
    ['electron', 'keytar', '@authsignal/node', ...nodeBuiltins, '**/main/**', '**/preload/**', '**/emulator/**'],
    'The renderer talks to main only through its Platform; it imports ../shared and nothing from main.',
  ),
  {
    // One rule entry for the extension (a second no-restricted-imports entry would replace this one).
    files: ['src/extension/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'keytar', '@authsignal/node', ...nodeBuiltins, '**/main/**', '**/preload/**', '**/emulator/**'],
              message: 'The extension is a browser page: it reaches the desktop only over the bridge, never main code.',
            },
            {
              // The console's internals may move freely; the extension sees only its public entry.
              regex: '^@console/(?!public(\\.css)?$)',
              message: 'The extension imports the console only through @console/public (add the name there first).',
            },
            {
              group: ['**/renderer/**'],
              message: 'The extension imports the console only through @console/public, never by a relative path.',
            },
          ],
        },
      ],
    },
  },
  zone(
    ['src/main/electron/**', 'src/main/index.ts'],
    ['keytar', '**/renderer/**', '@console/**'],
    'keytar belongs in src/main/services only; the Electron shell reaches secrets through services.',
  ),
  prettier,
);
