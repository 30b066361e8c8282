// The lesson model every tool shares, checked on the real lessons and on small inputs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  extractRegion,
  findLesson,
  findRepoRoot,
  lessonOfReadme,
  lessonsDir,
  listLessons,
  previousLesson,
  projectName,
  RegionError,
  readFrontmatter,
  withoutMarkers,
} from '../src/index.ts';

const root = findRepoRoot({ from: dirname(fileURLToPath(import.meta.url)), env: {} });
const temp = mkdtempSync(join(tmpdir(), 'course-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('findRepoRoot', () => {
  it('finds the folder holding pnpm-workspace.yaml, or WORKSHOP_ROOT when set', () => {
    expect(findRepoRoot({ from: join(root, 'lessons'), env: {} })).toBe(root);
    expect(findRepoRoot({ env: { WORKSHOP_ROOT: temp } })).toBe(temp);
  });
});

describe('lessons', () => {
  const lessons = listLessons(lessonsDir(root, {}));

  it('lists the lesson folders in order, with their README titles', () => {
    expect(lessons.length).toBeGreaterThanOrEqual(5);
    expect(lessons.map((l) => l.number)).toEqual([...lessons.keys()].map((i) => i + 1));
    expect(lessons[0]).toMatchObject({
      name: '01-object-store',
      project: 'lesson-01-object-store',
      hasReadme: true,
      title: "The world's biggest JavaScript object",
    });
  });

  it('ignores folders that are not lessons', () => {
    const dir = join(temp, 'lessons');
    for (const name of ['01-first', '02-Second', '3-third', 'notes', '10-tenth-step']) {
      mkdirSync(join(dir, name), { recursive: true });
    }
    writeFileSync(join(dir, '04-file'), '');
    expect(listLessons(dir).map((l) => [l.name, l.title])).toEqual([
      ['01-first', 'first'],
      ['10-tenth-step', 'tenth step'],
    ]);
  });

  it('finds a lesson by number, folder or slug; knows its neighbours', () => {
    for (const query of ['3', '03', '03-ttl-caching', 'lessons/03-ttl-caching/', 'ttl-caching']) {
      expect(findLesson(lessons, query)?.name, query).toBe('03-ttl-caching');
    }
    expect(findLesson(lessons, '99')).toBeUndefined();
    const third = lessons[2];
    if (!third) expect.fail('needs three lessons');
    expect(previousLesson(third)?.name).toBe('02-connect-upstash');
    expect(lessonOfReadme(third.readme)?.name).toBe('03-ttl-caching');
    expect(lessonOfReadme(join(third.dir, 'package.json'))).toBeNull();
  });

  it('names vitest projects after their folders', () => {
    expect(projectName(join(root, 'lessons/03-ttl-caching'), root)).toBe('lesson-03-ttl-caching');
    expect(projectName(join(root, 'packages/db'), root)).toBe('db');
    expect(projectName(join(root, 'site'), root)).toBe('site');
  });
});

describe('readFrontmatter', () => {
  it('reads flat key: value lines, without quotes', () => {
    const text = '---\ntitle: "A: title"\nlesson: 6\ndescription: plain\n---\n\n# A: title\n';
    expect(readFrontmatter(text)).toEqual({ title: 'A: title', lesson: '6', description: 'plain' });
    expect(readFrontmatter('# no frontmatter\n')).toEqual({});
  });
});

describe('region markers', () => {
  const source = [
    '// #region ts',
    'const a = 1;',
    '// #endregion ts',
    '# #region shell',
    'echo hi',
    '# #endregion shell',
    '<!-- #region html -->',
    '<p>hi</p>',
    '<!-- #endregion html -->',
    '/* #region css */',
    'p {}',
    '/* #endregion css */',
    '// biome-ignore-all lint: a starting state',
    'const b = 2; // #region is not a marker after code',
  ].join('\n');

  it('are understood in every comment syntax', () => {
    expect(extractRegion(source, 'ts')).toBe('const a = 1;');
    expect(extractRegion(source, 'shell')).toBe('echo hi');
    expect(extractRegion(source, 'html')).toBe('<p>hi</p>');
    expect(extractRegion(source, 'css')).toBe('p {}');
    expect(() => extractRegion(source, 'nope', 'a.ts')).toThrow(RegionError);
  });

  it('are removed, with biome-ignore-all, from what a learner sees', () => {
    expect(withoutMarkers(source).split('\n')).toEqual([
      'const a = 1;',
      'echo hi',
      '<p>hi</p>',
      'p {}',
      'const b = 2; // #region is not a marker after code',
    ]);
  });
});
