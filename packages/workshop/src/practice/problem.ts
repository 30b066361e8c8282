// A lesson's problem text: its README with the answer taken out. Every code block that copies a
// region of a file the learner writes (`file=src/cache.ts#invalidate`, for a file in the
// exercise's `src/`) becomes what that code must do: the region's own declarations and comments,
// with the body left for the learner. One source: the README and the solution's regions; nothing
// to keep in step by hand. `pnpm practice start` and `pnpm practice read` show it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outline } from '@workshop/course';
import type { Lesson } from '../workspace.ts';
import { exerciseDir, listFiles } from './layout.ts';

/** Where `practice start` writes the problem text, in the playground. */
export const PROBLEM_FILE = 'PROBLEM.md';

/** A fenced block that copies a region: ```ts file=src/x.ts#region ... ``` */
const REGION_BLOCK = /^```(\w+) file=(src\/[^\s#]+)#([\w-]+)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm;

/** The README with the code the learner writes replaced by what it must do. */
export function problemText(lesson: Lesson): string {
  const readme = join(lesson.dir, 'README.md');
  if (!existsSync(readme)) return '';
  const written = new Set(listFiles(join(exerciseDir(lesson), 'src')).map((f) => `src/${f}`));
  return readFileSync(readme, 'utf8').replace(
    REGION_BLOCK,
    (block, language: string, file: string, region: string, code: string) =>
      written.has(file) ? task(language, file, region, code) : block,
  );
}

function task(language: string, file: string, region: string, code: string): string {
  return [
    `> **Your turn:** write this part of \`${file}\` (the \`${region}\` region) in your`,
    '> playground. What it must do, from the solution with its code taken out; `pnpm practice',
    '> hint` gives a hint, `pnpm practice solution` the whole answer.',
    '',
    `\`\`\`${language}`,
    outline(code),
    '```',
  ].join('\n');
}
