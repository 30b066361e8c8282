// `pnpm lesson <n>` and `pnpm check <n>`: which lesson <n> means. On its own, so `check` loads
// nothing of the lesson runner (the local stack, the Valkey client) to find its lesson.
import { sep } from 'node:path';
import { UserError } from './context.ts';
import { findLesson, type Lesson, lessonList, listLessons } from './workspace.ts';

export function resolveLesson(root: string, query: string | undefined): Lesson {
  const lessons = listLessons(root);
  if (query === undefined) {
    throw new UserError(
      `Which lesson? Usage: pnpm lesson <n>. The lessons:\n${lessonList(lessons)}`,
    );
  }
  // `.`: the lesson whose folder we are in (a lesson's own `pnpm start` can run `workshop lesson .`).
  const lesson =
    query === '.'
      ? lessons.find((l) => `${process.cwd()}${sep}`.startsWith(`${l.dir}${sep}`))
      : findLesson(lessons, query);
  if (!lesson) {
    throw new UserError(`There is no lesson "${query}". The lessons:\n${lessonList(lessons)}`);
  }
  return lesson;
}
