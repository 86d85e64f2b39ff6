import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PREBUILT_SCRIPT } from '../../../src/emulator/pages/prebuilt-script';

// The pre-built UI script is served from a string (so it runs unbundled and bundled alike); these
// checks catch what a type checker would otherwise catch, and the e2e suite runs it in Chromium.
describe('pre-built UI script', () => {
  it('parses as a classic script', () => {
    // Compiles without running it.
    expect(() => new Script(PREBUILT_SCRIPT, { filename: 'app.js' })).not.toThrow();
  });

  it('never builds markup from strings and never posts to any origin', () => {
    expect(PREBUILT_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    expect(PREBUILT_SCRIPT).not.toMatch(/postMessage\([^)]*'\*'\)/);
  });
});
