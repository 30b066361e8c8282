// Every tool that lists lessons sees the same ones: the root README's table, the site, the CLI
// and the root vitest config. And a lesson made by `pnpm new-lesson` (in a temporary copy of the
// repo, never in the tree) is found by all of them with no other edit.
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_TEST_FILES } from '@workshop/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import {
  lessonsDir as siteLessonsDir,
  listLessons as siteListLessons,
} from '../../../site/src/course/lessons.ts';
import {
  findRepoRoot,
  lessonLabel,
  listLessons,
  placeholdersIn,
  readFrontmatter,
  readLessonTable,
} from '../src/index.ts';

const run = promisify(execFile);
const root = findRepoRoot({ from: dirname(fileURLToPath(import.meta.url)), env: {} });
const CLI = join(root, 'packages/workshop/bin/workshop.mjs');
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** What each tool sees in the repo at `repo`, as lesson folder names. */
async function whatEachToolSees(repo: string) {
  const env = { ...process.env, WORKSHOP_ROOT: repo, WORKSHOP_LESSONS_DIR: '' };
  // The CLI lists the lessons when asked for one it does not have.
  const cli = await run(process.execPath, [CLI, 'lesson', '999'], { env }).catch(
    (error: { stderr: string }) => error.stderr,
  );
  const cliLessons = [...String(cli).matchAll(/^ {2}(\d{2,}-[a-z0-9-]+) /gm)].map((m) => m[1]);
  return {
    course: listLessons(join(repo, 'lessons')).map((l) => l.name),
    readme: readLessonTable(readFileSync(join(repo, 'README.md'), 'utf8')).map((row) =>
      row.link.replace(/^lessons\/|\/$/g, ''),
    ),
    site: siteListLessons(siteLessonsDir(repo)).map((l) => l.name),
    cli: cliLessons,
    vitest: vitestLessons(repo),
  };
}

/** The lessons whose tests the root vitest.config.ts runs (its REPO_TEST_FILES globs). */
function vitestLessons(repo: string): string[] {
  const config = readFileSync(join(repo, 'vitest.config.ts'), 'utf8');
  expect(config, 'vitest.config.ts is defineRepoConfig()').toContain('defineRepoConfig(');
  expect(REPO_TEST_FILES, "the root config's globs take lessons' tests").toContain(
    'lessons/*/test/**/*.test.ts',
  );
  const hasTests = (folder: string) =>
    readdirSync(join(repo, 'lessons', folder, 'test'), { recursive: true }).some((file) =>
      String(file).endsWith('.test.ts'),
    );
  return readdirSync(join(repo, 'lessons'))
    .filter((folder) => existsSync(join(repo, 'lessons', folder, 'test')) && hasTests(folder))
    .sort();
}

describe('lesson discovery', () => {
  it('the README table, the site, the CLI and vitest list the same lessons', async () => {
    const seen = await whatEachToolSees(root);
    expect(seen.course.length).toBeGreaterThanOrEqual(5);
    for (const [tool, lessons] of Object.entries(seen)) {
      expect(lessons, `${tool} sees other lessons than the lesson folders`).toEqual(seen.course);
    }
  });

  it('the README table gives each lesson its number and its README title', () => {
    const rows = readLessonTable(readFileSync(join(root, 'README.md'), 'utf8'));
    for (const lesson of listLessons(join(root, 'lessons'))) {
      const row = rows.find((r) => r.link === `lessons/${lesson.name}/`);
      expect(row?.number, lesson.name).toBe(lessonLabel(lesson.number));
      expect(row?.title, `${lesson.name}: the table's title is the README's`).toBe(lesson.title);
    }
  });

  it("holds none of new-lesson's placeholder text", () => {
    const left = placeholdersIn(root, {});
    expect(
      left,
      `replace what \`pnpm new-lesson\` wrote for the author to fill in:\n${left.join('\n')}`,
    ).toEqual([]);
  });

  it('finds a lesson made by new-lesson everywhere, and its checkpoint fails until written', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'new-lesson-'));
    temporary.push(copy);
    for (const file of [
      'package.json',
      'pnpm-workspace.yaml',
      'README.md',
      'tsconfig.base.json',
      'vitest.config.ts',
    ]) {
      cpSync(join(root, file), join(copy, file));
    }
    cpSync(join(root, 'lessons'), join(copy, 'lessons'), {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    });
    const env = { ...process.env, WORKSHOP_ROOT: copy };
    await run(process.execPath, [CLI, 'new-lesson', 'beyond-strings', '--skip-install'], { env });

    const before = listLessons(join(root, 'lessons'));
    const name = `${lessonLabel(before.length + 1)}-beyond-strings`;
    const seen = await whatEachToolSees(copy);
    expect(seen.course).toEqual([...before.map((l) => l.name), name]);
    for (const [tool, lessons] of Object.entries(seen)) {
      expect(lessons, `${tool} does not see the new lesson`).toEqual(seen.course);
    }

    const dir = join(copy, 'lessons', name);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readFrontmatter(readme)).toMatchObject({
      title: 'Beyond strings',
      lesson: String(before.length + 1),
    });
    for (const section of [
      'Goal',
      'Why it matters',
      'Walk-through',
      'Run it',
      'Check it',
      'Pitfalls',
      'Exercises',
      'Further reading',
    ]) {
      expect(readme).toContain(`\n## ${section}\n`);
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe(`@workshop/lesson-${name}`);
    // Only what its own files import (knip fails CI on the rest): the last lesson's tests, and
    // the devDependencies only they used, are not carried over. Types go with their package.
    const sources = ['vitest.config.ts', 'test/checkpoint.test.ts']
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
    for (const dependency of Object.keys(pkg.devDependencies ?? {})) {
      if (dependency.startsWith('@types/')) continue;
      expect(
        sources,
        `new-lesson copied the devDependency ${dependency}, which none of the new lesson's tests or configs import`,
      ).toContain(`'${dependency}`);
    }
    expect(readdirSync(join(dir, 'exercise')).sort()).toEqual(['given.txt', 'hints.md']);
    // Every placeholder it wrote is found (the check above fails until they are replaced), and
    // only those: the other lessons in the copy have none.
    const lessonDir = `lessons/${name}`;
    const left = placeholdersIn(copy, {});
    expect(left.filter((line) => !line.startsWith(`${lessonDir}/`))).toEqual([
      `README.md: the lesson table's row ${lessonLabel(before.length + 1)} says "TODO: what it adds"`,
    ]);
    const todoLines = (file: string) =>
      readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => line.includes('TODO')).length;
    expect(todoLines('README.md'), 'the skeleton has its TODOs').toBeGreaterThan(5);
    expect(left.filter((line) => line.startsWith(`${lessonDir}/README.md:`))).toHaveLength(
      todoLines('README.md'),
    );
    expect(left.filter((line) => line.startsWith(`${lessonDir}/exercise/hints.md:`))).toHaveLength(
      todoLines('exercise/hints.md'),
    );

    // The placeholder checkpoint fails, saying what to do (dependencies as the last lesson's).
    const last = before.at(-1);
    if (!last) expect.fail('needs a lesson');
    // A junction: Windows makes one without admin rights or developer mode (elsewhere: a symlink).
    symlinkSync(join(last.dir, 'node_modules'), join(dir, 'node_modules'), 'junction');
    const vitest = join(
      createRequire(join(root, 'package.json')).resolve('vitest/package.json'),
      '..',
      'vitest.mjs',
    );
    const failed = await run(process.execPath, [vitest, 'run'], { cwd: dir, env }).then(
      () => expect.fail('the placeholder checkpoint passed'),
      (error: { stdout: string; stderr: string }) => error.stdout + error.stderr,
    );
    expect(failed).toContain('has no checkpoint tests yet: write them in test/');

    // A slug that would not be a lesson folder is refused, with what a slug looks like.
    const refused = await run(
      process.execPath,
      [CLI, 'new-lesson', 'Beyond_Strings', '--skip-install'],
      { env },
    ).then(
      () => expect.fail('new-lesson took a bad slug'),
      (error: { stderr: string }) => error.stderr,
    );
    expect(refused).toContain('is not a lesson slug: lowercase words joined by dashes');
    expect(listLessons(join(copy, 'lessons'))).toHaveLength(before.length + 1);
  });
});
