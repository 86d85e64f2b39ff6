import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../../src/main/services/platform/atomic-file';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'authdesk-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeJsonAtomic', () => {
  it('creates the parent dir 0700 and the file 0600, and leaves no temp file', async () => {
    const file = join(dir, 'nested', 'data.json');
    await writeJsonAtomic(file, { a: 1 });
    expect(await readJsonFile(file)).toEqual({ a: 1 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, 'nested'))).toEqual(['data.json']);
  });

  it('replaces an existing file and keeps it 0600 even if it was looser', async () => {
    const file = join(dir, 'data.json');
    await writeFileAtomic(file, 'old', { mode: 0o644 });
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await writeJsonAtomic(file, { v: 2 });
    expect(await readFile(file, 'utf8')).toBe('{\n  "v": 2\n}\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('never lets a reader see a torn file while it is rewritten', async () => {
    // With a plain fs.writeFile the same loop yields hundreds of torn (unparseable) reads.
    const file = join(dir, 'race.json');
    const big = (n: number) => ({ n, pad: 'x'.repeat(1024 * 1024) });
    await writeJsonAtomic(file, big(0));
    let writing = true;
    let reads = 0;
    let torn = 0;
    const readers = Array.from({ length: 3 }, async () => {
      while (writing) {
        reads++;
        await readJsonFile(file).catch(() => torn++);
      }
    });
    for (let i = 1; i <= 10; i++) await writeJsonAtomic(file, big(i));
    writing = false;
    await Promise.all(readers);
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
    expect(((await readJsonFile(file)) as { n: number }).n).toBe(10);
    expect(await readdir(dir)).toEqual(['race.json']);
  });

  it('cleans up its temp file when the rename fails', async () => {
    const target = join(dir, 'is-a-dir');
    await mkdir(join(target, 'child'), { recursive: true });
    await expect(writeJsonAtomic(target, { a: 1 })).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['is-a-dir']);
  });
});

describe('readJsonFile', () => {
  it('returns undefined for a missing file and throws SyntaxError for a damaged one', async () => {
    expect(await readJsonFile(join(dir, 'nope.json'))).toBeUndefined();
    await writeFileAtomic(join(dir, 'bad.json'), '{"a":');
    await expect(readJsonFile(join(dir, 'bad.json'))).rejects.toBeInstanceOf(SyntaxError);
  });
});
