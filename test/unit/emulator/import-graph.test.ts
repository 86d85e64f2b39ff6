import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The emulator must have no import cycle (issue #16): a cycle makes module order matter and ties
// every route module to the entry point. This walks every relative import (type-only ones too,
// since a type import across a cycle still couples the files) and fails on any cycle.

const ROOT = resolve(import.meta.dirname, '../../../src/emulator');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Files (absolute path -> source) under a directory. */
function sources(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) for (const [p, s] of sources(path)) out.set(p, s);
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) out.set(path, readFileSync(path, 'utf8'));
  }
  return out;
}

/** Resolves a relative specifier the way the bundler does (file.ts, or folder/index.ts). */
function resolveSpecifier(from: string, spec: string, files: Map<string, string>): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => files.has(p));
}

/** The import graph of a set of files: file -> files it imports. */
function importGraph(files: Map<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const edges: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const target = resolveSpecifier(file, m[1] ?? m[2], files);
      if (target) edges.push(target);
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Every cycle found by a depth-first search (each as the list of files around it). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('emulator import graph', () => {
  it('finds a cycle when there is one (the checker can fail)', () => {
    // The shape the emulator had before issue #16: faults imported a type from index, which imports faults.
    const files = new Map([
      ['/x/index.ts', "import { Faults } from './faults';\nimport { registerServerApi } from './routes/server';"],
      ['/x/faults.ts', "import type { FaultSettings } from './index';"],
      ['/x/routes/server/index.ts', "export { registerServerApi } from './users';"],
      ['/x/routes/server/users.ts', "import { x } from '../../faults';"],
      ['/x/leaf.ts', "import { z } from 'zod';\nimport type { Shared } from '@shared/domain/authsignal';"],
    ]);
    const cycles = findCycles(importGraph(files));
    expect(cycles.map((c) => c.map((p) => relative('/x', p)))).toEqual([['index.ts', 'faults.ts', 'index.ts']]);
    // Dynamic imports count too.
    const dynamic = new Map([
      ['/y/a.ts', "const b = await import('./b');"],
      ['/y/b.ts', "export * from './a';"],
    ]);
    expect(findCycles(importGraph(dynamic))).toHaveLength(1);
  });

  it('has no cycle in src/emulator', () => {
    const files = sources(ROOT);
    const graph = importGraph(files);
    // The walker must actually see the imports (guards against a regex that silently matches nothing).
    expect([...graph.values()].flat().length).toBeGreaterThan(files.size);
    const cycles = findCycles(graph).map((c) => c.map((p) => relative(ROOT, p)).join(' -> '));
    expect(cycles).toEqual([]);
  });
});
