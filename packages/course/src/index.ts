export { readFrontmatter } from './frontmatter.ts';
export { addLessonRow, type LessonRow, readLessonTable } from './lesson-table.ts';
export {
  findLesson,
  LESSON_FOLDER,
  type Lesson,
  lessonLabel,
  lessonOfReadme,
  lessonsDir,
  listLessons,
  previousLesson,
  projectName,
} from './lessons.ts';
export { outline } from './outline.ts';
export { placeholdersIn } from './placeholders.ts';
export {
  dedent,
  extractRegion,
  isMarkerLine,
  RegionError,
  type RegionMarker,
  regionMarker,
  withoutMarkers,
} from './regions.ts';
export { type FindRepoRootOptions, findRepoRoot } from './root.ts';
