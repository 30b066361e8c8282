import { describe, expect, it } from 'vitest';
import {
  diffLessonFolders,
  isExcludedFromDiff,
  listLessonFiles,
  onlyPackageNameDiffers,
} from '../src/course/step-diff.ts';
import { first, second } from './lesson-fixtures.ts';

describe('what the step diff leaves out', () => {
  it.each([
    'node_modules/pg/index.js',
    'README.md',
    'docs/README.md',
    'pnpm-lock.yaml',
    'package-lock.json',
    'exercise/src/cache.ts',
    'hints/1.md',
    '.data/pg/base',
    'dist/index.js',
    'diagrams/cache-aside.svg',
  ])('leaves out %s', (file) => {
    expect(isExcludedFromDiff(file)).toBe(true);
  });

  it.each([
    'src/cache.ts',
    'test/cache.test.ts',
    'package.json',
    'scripts/bench.ts',
    '.env.example',
  ])('keeps %s', (file) => {
    expect(isExcludedFromDiff(file)).toBe(false);
  });

  it('lists only the files a learner writes', () => {
    expect(listLessonFiles(second)).toEqual(['package.json', 'src/store.ts']);
  });
});

describe('onlyPackageNameDiffers', () => {
  const base = {
    name: '@workshop/lesson-01',
    type: 'module',
    scripts: { start: 'tsx src/main.ts' },
  };
  it('is true when only the name changes, whatever the key order and formatting', () => {
    const renamed = {
      scripts: { start: 'tsx src/main.ts' },
      type: 'module',
      name: '@workshop/lesson-02',
    };
    expect(onlyPackageNameDiffers(JSON.stringify(base, null, 2), JSON.stringify(renamed))).toBe(
      true,
    );
  });
  it('is false when anything else changes too', () => {
    const changed = { ...base, name: 'x', dependencies: { '@upstash/redis': '1.39.0' } };
    expect(onlyPackageNameDiffers(JSON.stringify(base), JSON.stringify(changed))).toBe(false);
    expect(onlyPackageNameDiffers('{', '{}')).toBe(false);
  });
});

describe('diffLessonFolders', () => {
  it('shows changed, added and removed files, and skips a package.json that is only renamed', () => {
    const changes = diffLessonFolders(first, second);
    expect(changes.map((c) => [c.path, c.status])).toEqual([
      ['src/old.ts', 'removed'],
      ['src/store.ts', 'modified'],
    ]);
    const store = changes[1];
    expect(store?.added).toBe(14);
    expect(store?.removed).toBe(1);
    const lines = store?.hunks.flatMap((h) => h.lines) ?? [];
    expect(lines).toContainEqual({ kind: 'removed', text: '// A store kept in a plain object.' });
    expect(lines).toContainEqual({
      kind: 'added',
      text: 'export class ReplyError extends Error {}',
    });
  });

  it('treats every file of the first lesson as new', () => {
    const changes = diffLessonFolders(null, first);
    expect(changes.map((c) => [c.path, c.status])).toEqual([
      ['package.json', 'added'],
      ['src/old.ts', 'added'],
      ['src/store.ts', 'added'],
    ]);
    expect(changes.every((c) => c.removed === 0)).toBe(true);
  });
});
