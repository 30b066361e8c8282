// Node itself loads this module when a config file imports it (vitest.config.ts files, through
// test-support) and Node 20 cannot run TypeScript: this entry loads the source through tsx. Vite
// (tests, the site) resolves the package to src/index.ts instead, through the "development" or
// "production" condition it always sets.
import { tsImport } from 'tsx/esm/api';

const course = await tsImport('./src/index.ts', import.meta.url);

export const {
  addLessonRow,
  dedent,
  extractRegion,
  findLesson,
  findRepoRoot,
  isMarkerLine,
  LESSON_FOLDER,
  lessonLabel,
  lessonOfReadme,
  lessonsDir,
  listLessons,
  outline,
  previousLesson,
  projectName,
  readLessonTable,
  readFrontmatter,
  RegionError,
  regionMarker,
  withoutMarkers,
} = course;
