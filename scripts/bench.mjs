#!/usr/bin/env node
// `npm run bench -- <name> [args...]`: runs bench/<name>.ts with tsx in its own process (so each
// benchmark measures its own peak memory) and passes the extra arguments on. Each benchmark writes
// bench/results/<name>.json itself. Without a name, lists the benchmarks.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(new URL('../bench', import.meta.url))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

if (!name) {
  console.log(`Usage: npm run bench -- <name> [args]\nBenchmarks: ${available.join(', ') || '(none)'}`);
  process.exit(0);
}
if (!/^[a-z0-9-]+$/.test(name) || !existsSync(new URL(`../bench/${name}.ts`, import.meta.url))) {
  console.error(`No benchmark "${name}". Benchmarks: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
const r = spawnSync('npx', ['--no-install', 'tsx', `bench/${name}.ts`, ...rest], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
