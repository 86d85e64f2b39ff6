import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { prebuiltScript } from '../../../src/emulator/pages/prebuilt-bundle';

// The pre-built UI app is typed TypeScript (src/emulator/pages/prebuilt-app, type-checked by
// tsconfig.prebuilt.json) bundled for the page; these check the bundle the page gets, and the e2e
// suite runs it in Chromium.
describe('pre-built UI script', () => {
  it('bundles into one classic script with no imports left', async () => {
    const script = await prebuiltScript();
    // Compiles without running it: a classic script cannot contain import/export statements.
    expect(() => new Script(script, { filename: 'app.js' })).not.toThrow();
    expect(script).not.toMatch(/^\s*(import|export)\s/m);
    // The whole app is in it, down to the last screen.
    expect(script).toContain('AUTHSIGNAL_READY');
    expect(script).toContain('Your sign-in methods');
  });

  it('never builds markup from strings and never posts to any origin', async () => {
    const script = await prebuiltScript();
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(script).not.toMatch(/postMessage\([^)]*'\*'\)/);
  });

  it('is bundled once and served from memory afterwards', () => {
    expect(prebuiltScript()).toBe(prebuiltScript());
  });
});
