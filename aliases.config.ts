import { resolve } from 'node:path';

const root = import.meta.dirname;

/**
 * Import aliases, one table for every tool that resolves imports (electron-vite, the extension
 * build, vitest). tsconfig.base.json's `paths` mirror it for the type checker and tsx.
 * `@shared/*` is the bottom layer (runs anywhere); `@console/*` is the console app, which the
 * extension may reach only through `@console/public` (an ESLint zone says so).
 */
export const aliases = {
  '@shared': resolve(root, 'src/shared'),
  '@console': resolve(root, 'src/renderer/console'),
};
