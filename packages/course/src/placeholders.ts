// Text `pnpm new-lesson` writes for the author to replace: the README skeleton's `TODO: ...`
// lines and description, the hints file's `## TODO: ...` heading, and the root README table's
// `TODO: what it adds`. Its placeholder checkpoint fails until real tests exist; this finds the
// rest, which would otherwise reach the site and the README as they are.

import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readFrontmatter } from './frontmatter.ts';
import { readLessonTable } from './lesson-table.ts';
import { lessonsDir, listLessons } from './lessons.ts';

/** A line that is still the skeleton's: a paragraph or heading that starts with `TODO`. */
const PLACEHOLDER_LINE = /^(#{1,6}\s+)?TODO\b/;

/** Each placeholder left in the repo at `root`, as `file:line: text` (none: an empty list). */
export function placeholdersIn(root: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const found: string[] = [];
  const scan = (file: string) => {
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file);
    const lines = text.split('\n');
    if (/^TODO\b/.test(readFrontmatter(text).description ?? '')) {
      const line = lines.findIndex((l) => l.startsWith('description:'));
      found.push(`${where}:${line + 1}: ${lines[line]}`);
    }
    lines.forEach((line, index) => {
      if (PLACEHOLDER_LINE.test(line)) found.push(`${where}:${index + 1}: ${line}`);
    });
  };
  for (const lesson of listLessons(lessonsDir(root, env))) {
    scan(join(lesson.dir, 'README.md'));
    scan(join(lesson.dir, 'exercise', 'hints.md'));
  }
  const readme = join(root, 'README.md');
  if (existsSync(readme)) {
    for (const row of readLessonTable(readFileSync(readme, 'utf8'))) {
      if (/^TODO\b/.test(row.adds)) {
        found.push(`README.md: the lesson table's row ${row.number} says "${row.adds}"`);
      }
    }
  }
  return found;
}
