// Where the lessons are: `lessons/NN-slug/` folders at the repository root, each with its
// README.md (the lesson text). The site, its scripts and its tests all find them through here.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface LessonFolder {
  /** The number in the folder name (01 -> 1). */
  number: number;
  /** The folder name, e.g. `03-ttl-caching`; also the page slug under /lessons/. */
  slug: string;
  dir: string;
  readme: string;
  hasReadme: boolean;
}

const LESSON_FOLDER = /^(\d{2,})-[a-z0-9-]+$/;

/** The repository root: the nearest folder up from `from` that holds pnpm-workspace.yaml. */
export function findRepoRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  while (!existsSync(path.join(dir, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        `No pnpm-workspace.yaml above ${from}: run this from inside the workshop repo.`,
      );
    }
    dir = parent;
  }
  return dir;
}

/**
 * The folder holding the lessons: `lessons/` at the repository root. WORKSHOP_LESSONS_DIR points
 * the site at another folder of lessons (the site's own tests build it from fixtures).
 */
export function lessonsDir(repoRoot: string = findRepoRoot()): string {
  return process.env.WORKSHOP_LESSONS_DIR
    ? path.resolve(process.env.WORKSHOP_LESSONS_DIR)
    : path.join(repoRoot, 'lessons');
}

/** Every lesson folder, ordered by number. */
export function listLessons(dir: string = lessonsDir()): LessonFolder[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && LESSON_FOLDER.test(entry.name))
    .map((entry) => {
      const lessonDir = path.join(dir, entry.name);
      const readme = path.join(lessonDir, 'README.md');
      return {
        number: Number(LESSON_FOLDER.exec(entry.name)?.[1]),
        slug: entry.name,
        dir: lessonDir,
        readme,
        hasReadme: existsSync(readme),
      };
    })
    .sort((a, b) => a.number - b.number);
}

/** The lesson folder a README.md belongs to, or null when the path is not a lesson README. */
export function lessonOfReadme(readmePath: string): LessonFolder | null {
  const lessonDir = path.dirname(path.resolve(readmePath));
  if (path.basename(readmePath) !== 'README.md') return null;
  return listLessons(path.dirname(lessonDir)).find((lesson) => lesson.dir === lessonDir) ?? null;
}

/** The lesson before `lesson` (the highest lower number), or null for the first one. */
export function previousLesson(lesson: LessonFolder): LessonFolder | null {
  const before = listLessons(path.dirname(lesson.dir)).filter((l) => l.number < lesson.number);
  return before.at(-1) ?? null;
}

/** `3` -> `03`, the way lesson numbers are written in folder names and commands. */
export function lessonLabel(number: number): string {
  return String(number).padStart(2, '0');
}
