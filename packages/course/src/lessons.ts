// What a lesson is: a folder `lessons/NN-slug/` at the repo root holding one package (the whole
// app after step NN), its README.md (the course text) and test/ (its checkpoints). Every tool
// that lists lessons (the CLI, the site, practice mode, the vitest projects) asks this module.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { readFrontmatter } from './frontmatter.ts';

/** `03-ttl-caching`: two or more digits, a dash, a lowercase slug of words joined by dashes. */
export const LESSON_FOLDER = /^(\d{2,})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

export interface Lesson {
  /** The number in the folder name (`03` -> 3). */
  number: number;
  /** The folder name, e.g. `03-ttl-caching`; also the site's page slug under /lessons/. */
  name: string;
  dir: string;
  readme: string;
  hasReadme: boolean;
  /** The vitest project of its checkpoint tests, e.g. `lesson-03-ttl-caching`. */
  project: string;
  /** The README frontmatter's `title`, else the slug in words. */
  title: string;
}

/**
 * The folder holding the lessons: `lessons/` at the repo root. WORKSHOP_LESSONS_DIR points the
 * tools at another folder of lessons (the site's tests build it from fixtures).
 */
export function lessonsDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKSHOP_LESSONS_DIR ? resolve(env.WORKSHOP_LESSONS_DIR) : join(root, 'lessons');
}

/** Every lesson folder in `dir`, ordered by number. */
export function listLessons(dir: string): Lesson[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && LESSON_FOLDER.test(entry.name))
    .map((entry) => lessonAt(join(dir, entry.name)))
    .sort((a, b) => a.number - b.number);
}

function lessonAt(dir: string): Lesson {
  const name = basename(dir);
  const [, number = '0', slug = ''] = LESSON_FOLDER.exec(name) ?? [];
  const readme = join(dir, 'README.md');
  const hasReadme = existsSync(readme);
  const title = hasReadme ? readFrontmatter(readFileSync(readme, 'utf8')).title : undefined;
  return {
    number: Number(number),
    name,
    dir,
    readme,
    hasReadme,
    project: `lesson-${name}`,
    title: title || slug.replaceAll('-', ' '),
  };
}

/** Accepts `3`, `03`, `03-ttl-caching`, `lessons/03-ttl-caching/` or `ttl-caching`. */
export function findLesson(lessons: Lesson[], query: string): Lesson | undefined {
  const q = query.replace(/^lessons\//, '').replace(/\/$/, '');
  if (/^\d+$/.test(q)) return lessons.find((lesson) => lesson.number === Number(q));
  return lessons.find((lesson) => lesson.name === q || LESSON_FOLDER.exec(lesson.name)?.[2] === q);
}

/** The lesson a README.md belongs to, or null when the path is not a lesson README. */
export function lessonOfReadme(readmePath: string): Lesson | null {
  if (basename(readmePath) !== 'README.md') return null;
  const dir = dirname(resolve(readmePath));
  return listLessons(dirname(dir)).find((lesson) => lesson.dir === dir) ?? null;
}

/** The lesson before `lesson` (the highest lower number), or null for the first one. */
export function previousLesson(lesson: Lesson): Lesson | null {
  const before = listLessons(dirname(lesson.dir)).filter((l) => l.number < lesson.number);
  return before.at(-1) ?? null;
}

/** `3` -> `03`, the way lesson numbers are written in folder names and commands. */
export function lessonLabel(number: number): string {
  return String(number).padStart(2, '0');
}

/**
 * The vitest project name of a package, lesson or the site, from its folder: `packages/db` ->
 * `db`, `lessons/03-ttl-caching` -> `lesson-03-ttl-caching`, `site` -> `site`.
 */
export function projectName(dir: string, root: string): string {
  const [zone, folder] = relative(root, dir).split(/[\\/]/);
  if (zone === 'lessons' && folder) return `lesson-${folder}`;
  if (zone === 'packages' && folder) return folder;
  return basename(dir);
}
