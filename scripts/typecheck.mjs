#!/usr/bin/env node
// Type-checks each layer with its own lib/types so layer rules are compiler-enforced:
// shared has no DOM and no Node, the renderer has DOM but no Node, main has Node but no DOM.
import { spawnSync } from 'node:child_process';

const projects = [
  ['tsc', 'tsconfig.shared.json'],
  ['tsc', 'tsconfig.node.json'],
  // The emulator's pre-built UI stand-in runs in a browser page: DOM, no Node.
  ['tsc', 'tsconfig.prebuilt.json'],
  ['tsc', 'tsconfig.preload.json'],
  ['vue-tsc', 'tsconfig.web.json'],
  ['vue-tsc', 'tsconfig.json'],
];
let failed = false;
for (const [bin, project] of projects) {
  const started = Date.now();
  const r = spawnSync('npx', ['--no-install', bin, '--noEmit', '-p', project], { stdio: 'inherit' });
  console.log(`typecheck ${project}: ${r.status === 0 ? 'ok' : 'FAILED'} (${Date.now() - started} ms)`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
