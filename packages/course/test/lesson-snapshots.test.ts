// Each lesson is the previous one plus one feature. What a lesson carries over must be either
// unchanged or changed on purpose (and then its README says so), and every file it carries must
// still be used: kept in sync by hand, snapshots drift, and dead files ride along unnoticed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, type Lesson, listLessons, previousLesson } from '../src/index.ts';

const root = findRepoRoot({ from: dirname(fileURLToPath(import.meta.url)), env: {} });
const lessons = listLessons(join(root, 'lessons'));

/** Every file under `dir`, relative to it, with forward slashes. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .replaceAll('\\', '/'),
    )
    .sort();
}

/** What the CLI runs: `pnpm lesson N` runs src/main.ts, `pnpm lesson N --web` src/web.ts. */
const ENTRY_POINTS = new Set(['main.ts', 'web.ts']);

const read = (lesson: Lesson, file: string) => readFileSync(join(lesson.dir, file), 'utf8');

const pairs = lessons.flatMap((lesson) => {
  const previous = previousLesson(lesson);
  return previous ? [{ name: lesson.name, lesson, previous }] : [];
});

describe('lesson snapshots', () => {
  it.each(pairs)(
    '$name: a carried file that changed is named in its README',
    ({ lesson, previous }) => {
      const before = new Set(filesUnder(join(previous.dir, 'src')));
      const readme = read(lesson, 'README.md');
      const unexplained = filesUnder(join(lesson.dir, 'src')).filter(
        (file) =>
          before.has(file) &&
          read(previous, `src/${file}`) !== read(lesson, `src/${file}`) &&
          !readme.includes(file.split('/').at(-1) ?? file),
      );
      expect(
        unexplained,
        `${lesson.name} changes files it carries from ${previous.name} without its README.md saying so: say what changed and why, or copy the file over unchanged`,
      ).toEqual([]);
    },
  );

  it.each(lessons.map((lesson) => ({ name: lesson.name, lesson })))(
    '$name: every src/ file is run or imported',
    ({ lesson }) => {
      const src = filesUnder(join(lesson.dir, 'src'));
      const scripts = Object.values(
        (JSON.parse(read(lesson, 'package.json')) as { scripts?: Record<string, string> })
          .scripts ?? {},
      ).join('\n');
      const code = [
        ...src.map((file) => ({ file: `src/${file}`, text: read(lesson, `src/${file}`) })),
        ...filesUnder(join(lesson.dir, 'test')).map((file) => ({
          file: `test/${file}`,
          text: read(lesson, `test/${file}`),
        })),
      ];
      const unused = src.filter((file) => {
        if (ENTRY_POINTS.has(file) || scripts.includes(`src/${file}`)) return false;
        const name = file.split('/').at(-1) ?? file;
        return !code.some(
          ({ file: other, text }) => other !== `src/${file}` && text.includes(name),
        );
      });
      expect(unused, `${lesson.name} carries files nothing runs or imports: delete them`).toEqual(
        [],
      );
    },
  );
});
