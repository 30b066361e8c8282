// The learner's src/ against the lesson's solution: a unified diff per file, read-only.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { styleText } from 'node:util';
import { withoutMarkers } from '@workshop/course';
import { createTwoFilesPatch } from 'diff';
import { listFiles } from './layout.ts';

/** NO_COLOR wins, then FORCE_COLOR, else colours only for a terminal. */
export function useColour(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/**
 * The diff from `mine` (the playground's src/) to `solution` (the lesson's src/), files in path
 * order; '' when they are the same. `-` lines are yours, `+` lines the solution's.
 */
export function diffTrees(mine: string, solution: string, colour: boolean): string {
  const files = [...new Set([...listFiles(mine), ...listFiles(solution)])].sort();
  const read = (dir: string, file: string) =>
    existsSync(join(dir, file)) ? withoutMarkers(readFileSync(join(dir, file), 'utf8')) : '';
  const patches: string[] = [];
  for (const file of files) {
    const a = read(mine, file);
    const b = read(solution, file);
    if (a === b) continue;
    const patch = createTwoFilesPatch(
      existsSync(join(mine, file)) ? `yours/src/${file}` : '/dev/null',
      existsSync(join(solution, file)) ? `solution/src/${file}` : '/dev/null',
      a,
      b,
      undefined,
      undefined,
      { context: 3 },
    );
    // Drop the "===" separator line diff puts first.
    patches.push(patch.replace(/^={10,}\n/, ''));
  }
  const text = patches.join('');
  return colour ? colourise(text) : text;
}

function colourise(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return paint('bold', line);
      if (line.startsWith('@@')) return paint('cyan', line);
      if (line.startsWith('-')) return paint('red', line);
      if (line.startsWith('+')) return paint('green', line);
      return line;
    })
    .join('\n');
}

// useColour() has decided already, so styleText only paints (Node 22.13+ would otherwise check
// the stream again; Node 20 always paints).
const paint = (format: 'bold' | 'cyan' | 'red' | 'green', line: string) =>
  styleText(format, line, { validateStream: false });
