// Where things are for the CLI: the lessons (through @workshop/course, the one lesson model)
// and the local data folder.
import { join, resolve } from 'node:path';
import {
  findRepoRoot as findCourseRoot,
  type Lesson,
  lessonsDir,
  listLessons as listCourseLessons,
} from '@workshop/course';

export { findLesson, type Lesson } from '@workshop/course';

/** The repo root (WORKSHOP_ROOT in tests), from the current folder or this CLI's own repo. */
export function findRepoRoot(env: NodeJS.ProcessEnv = process.env): string {
  return findCourseRoot({ env });
}

/** Local state of the workshop (embedded Postgres data, kv snapshot, the stack's lock file). */
export function dataDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKSHOP_DATA_DIR ? resolve(env.WORKSHOP_DATA_DIR) : join(root, '.data');
}

export function listLessons(root: string, env: NodeJS.ProcessEnv = process.env): Lesson[] {
  return listCourseLessons(lessonsDir(root, env));
}

export function lessonList(lessons: Lesson[]): string {
  if (lessons.length === 0) return '  (no lessons found under lessons/)';
  return lessons.map((lesson) => `  ${lesson.name.padEnd(24)} ${lesson.title}`).join('\n');
}
