// The site's view of the lessons: @workshop/course's lesson model (one for every tool), with the
// repo the site runs in as the default root.
import { lessonsDir as courseLessonsDir, findRepoRoot as findCourseRoot } from '@workshop/course';

export {
  lessonLabel,
  lessonOfReadme,
  listLessons,
  previousLesson,
} from '@workshop/course';

/** The repository root: the nearest folder up from `from` that holds pnpm-workspace.yaml. */
export function findRepoRoot(from: string = process.cwd()): string {
  return findCourseRoot({ from });
}

/**
 * The folder holding the lessons: `lessons/` at the repository root. WORKSHOP_LESSONS_DIR points
 * the site at another folder of lessons (the site's own tests build it from fixtures).
 */
export function lessonsDir(repoRoot: string = findRepoRoot()): string {
  return courseLessonsDir(repoRoot);
}
