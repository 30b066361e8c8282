// `practice typecheck` (CI: pnpm typecheck:exercises): every lesson's starting state, laid out as
// `practice start` lays it out, must type-check. A TODO may leave a function unfinished, never a
// learner facing a type error the lesson did not put there.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { runNodeScript } from '../child-process.ts';
import { exerciseSources, hasExercise, type Practice, writeRunnable } from './layout.ts';

function tsc(root: string, project: string): Promise<{ code: number; output: string }> {
  const bin = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  return runNodeScript(bin, ['-p', project, '--noEmit'], { cwd: root, quiet: true });
}

export async function typecheckExercises(practice: Practice): Promise<number> {
  // Inside the repo, as the playground is: tsc finds @types/node in the root's node_modules.
  const cache = join(practice.root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, 'workshop-typecheck-'));
  try {
    const lessons = practice.lessons.filter(hasExercise);
    const results = await Promise.all(
      lessons.map(async (lesson) => {
        const dir = join(work, lesson.name);
        writeRunnable(practice, lesson, dir, exerciseSources(practice, lesson));
        return { lesson, ...(await tsc(practice.root, join(dir, 'tsconfig.json'))) };
      }),
    );
    let failed = 0;
    for (const { lesson, code, output } of results) {
      if (code === 0) {
        console.log(`✓ ${lesson.name}: the starting state type-checks`);
        continue;
      }
      failed++;
      // Name the lesson's own files, not the temporary copy.
      const where = `${relative(practice.root, lesson.dir)}/exercise (laid out)`;
      console.log(
        `✗ ${lesson.name}:\n${output.replaceAll(relative(practice.root, join(work, lesson.name)), where).trim()}`,
      );
    }
    if (lessons.length === 0) console.log('No lesson has an exercise yet (exercise/src/).');
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
