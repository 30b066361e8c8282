// Running a lesson's checkpoint tests against the playground's src/.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { testWorkers } from '@workshop/test-support/workers';
import { runVitest } from '../vitest-run.ts';
import type { Lesson } from '../workspace.ts';
import { linkModules, listFiles, type Practice, stamp } from './layout.ts';
import { updateProgress } from './state.ts';

/**
 * Puts the lesson's test/ back into the playground, so a check always runs the checkpoints that
 * check the solution. A test file the learner edited is first copied to `test-edited-<stamp>/`.
 */
export function refreshTests(practice: Practice, lesson: Lesson, log = console.log): void {
  const from = join(lesson.dir, 'test');
  const to = join(practice.playground, 'test');
  let saved: string | undefined;
  for (const file of listFiles(from)) {
    const target = join(to, file);
    const ours = readFileSync(join(from, file));
    if (existsSync(target)) {
      if (readFileSync(target).equals(ours)) continue;
      saved ??= join(practice.playground, `test-edited-${stamp()}`);
      mkdirSync(dirname(join(saved, file)), { recursive: true });
      copyFileSync(target, join(saved, file));
    }
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(from, file), target);
  }
  if (saved) {
    log(
      `Your edits to the checkpoint tests are saved in ${relative(process.cwd(), saved)}/; test/ holds the lesson's again.`,
    );
  }
}

/** `vitest run` in a folder written by writeRunnable; resolves with its exit code. */
export async function runCheckpoints(
  root: string,
  dir: string,
  args: string[] = [],
  signal?: AbortSignal,
): Promise<number> {
  const config = join(dir, 'vitest.config.ts');
  // As many files at once as pnpm check runs them (vitest's default is one worker on two cores).
  const workers = ['--maxWorkers', String(testWorkers())];
  return (await runVitest(root, ['--config', config, ...workers, ...args], { cwd: dir, signal }))
    .code;
}

/**
 * One check of the playground: tests refreshed, run, a pass recorded. `runTests` replaces the
 * `vitest run` of its own (practice watch passes its running vitest). A run that `args` may have
 * narrowed (a file, a test name: whatever the learner passed on to vitest) records no pass: the
 * lesson passes when all its checkpoints do.
 */
export async function checkPlayground(
  practice: Practice,
  lesson: Lesson,
  args: string[] = [],
  signal?: AbortSignal,
  runTests?: () => Promise<number>,
): Promise<number> {
  refreshTests(practice, lesson);
  linkModules(lesson, practice.playground);
  console.log(`Checking your playground against lesson ${lesson.number}: ${lesson.title}\n`);
  const code = await (runTests?.() ??
    runCheckpoints(practice.root, practice.playground, args, signal));
  if (signal?.aborted) return code;
  if (code === 0 && args.length > 0) {
    console.log(
      `\nThese checkpoints pass (vitest was given: ${args.join(' ')}). Only a check of the whole lesson records it: pnpm practice check ${lesson.number}`,
    );
  } else if (code === 0) {
    const now = new Date().toISOString();
    updateProgress(practice.stateFile, (progress) => {
      progress.passed[lesson.name] = {
        first: progress.passed[lesson.name]?.first ?? now,
        last: now,
      };
    });
    const next = practice.lessons.find((l) => l.number > lesson.number);
    console.log(
      `\nLesson ${lesson.number} checks out.${next ? ` Next: pnpm practice start ${next.number}` : ' That was the last lesson: well done.'}`,
    );
  } else {
    console.log(
      '\nNot there yet. The messages above say what each checkpoint expects; `pnpm practice hint` gives a hint, `pnpm practice diff` compares with the solution.',
    );
  }
  return code;
}
