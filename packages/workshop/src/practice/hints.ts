// A lesson's hints: `lessons/NN-*/exercise/hints.md`, one `## ` section per hint, from a nudge
// to nearly the answer.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../workspace.ts';
import { exerciseDir } from './layout.ts';

export interface Hint {
  title: string;
  body: string;
}

export const hintsFile = (lesson: Lesson) => join(exerciseDir(lesson), 'hints.md');

export function readHints(lesson: Lesson): Hint[] {
  const file = hintsFile(lesson);
  if (!existsSync(file)) return [];
  const sections = readFileSync(file, 'utf8').split(/^## /m).slice(1);
  return sections.map((section) => {
    const newline = section.indexOf('\n');
    const title = (newline === -1 ? section : section.slice(0, newline)).trim();
    const body = newline === -1 ? '' : section.slice(newline + 1).trim();
    return { title, body };
  });
}
