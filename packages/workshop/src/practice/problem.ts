// A lesson's problem text: its README with the answer taken out. Every code block that copies a
// region of a file the learner writes (`file=src/cache.ts#invalidate`, for a file in the
// exercise's `src/`) becomes what that code must do: the region's own declarations and comments,
// with the body left for the learner. One source: the README and the solution's regions; nothing
// to keep in step by hand. `pnpm practice start` and `pnpm practice read` show it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * The block's outline: declarations at the region's top level (a function's signature, however
 * many lines it takes, and its closing brace) and every comment, at any depth; each run of
 * statements becomes one "your code" line, where the learner's code goes.
 */
export function outline(code: string): string {
  const out: string[] = [];
  let inSignature = false;
  let inComment = false;
  const marker = (indent: string) => `${indent}// ... your code ...`;
  const lastMarked = () => out.findLast((line) => line.trim() !== '')?.trim() === marker('');
  for (const line of code.replace(/\n$/, '').split('\n')) {
    const trimmed = line.trim();
    const indent = line.slice(0, line.length - line.trimStart().length);
    const topLevel = trimmed !== '' && indent === '';
    const comment =
      inComment || trimmed.startsWith('//') || trimmed.startsWith('/*') || trimmed.startsWith('*');
    if (trimmed.startsWith('/*') && !trimmed.includes('*/')) inComment = true;
    else if (inComment && trimmed.includes('*/')) inComment = false;
    if (comment) {
      out.push(line);
    } else if (trimmed === '') {
      if (out.at(-1) !== '') out.push('');
    } else if (inSignature || (topLevel && DECLARATION.test(trimmed))) {
      out.push(line);
      // A signature stays open until the line that opens its body.
      inSignature = !/[{;]$/.test(trimmed);
    } else if (topLevel && /^[}\])]/.test(trimmed)) {
      out.push(line);
    } else if (!lastMarked()) {
      out.push(marker(indent));
    }
  }
  return out.join('\n').trim();
}

const DECLARATION =
  /^(export\s+)?(async\s+)?(function|interface|type|class)\b|^(export\s+)?(const|let)\s+\w+\s*=\s*(async\s*)?(<[^>]*>)?\(/;

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
