/**
 * File order for mutation runs (issue #17, vitest.stryker.config.ts). A mutant run stops at the
 * first failing test (Stryker sets bail), so the order decides what a killed mutant costs. Vitest's
 * default runs the longest files first, which suits parallel workers: here it meant a mutant in the
 * bridge's crypto first sat through half a minute of Chromium and native-host tests before the unit
 * test that kills it in a millisecond. This order runs first the files that failed in their last
 * run (what killed the previous mutant, usually its neighbour in the code, likely kills this one
 * too), then the rest from the quickest to the slowest. Durations are vitest's own, from its last
 * run of each file (the dry run, then each mutant run); a file not run yet goes last.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export class FastFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): [number, number] => {
      const result = this.ctx.cache.getFileTestResults(`${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`);
      if (!result) return [1, Number.POSITIVE_INFINITY];
      return [result.failed ? 0 : 1, result.duration];
    };
    const ranks = new Map(files.map((f) => [f, rank(f)]));
    return Promise.resolve(
      [...files].sort((a, b) => {
        const [fa, da] = ranks.get(a)!;
        const [fb, db] = ranks.get(b)!;
        return fa - fb || da - db || a.moduleId.localeCompare(b.moduleId);
      }),
    );
  }
}
