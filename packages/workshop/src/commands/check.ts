import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkThroughStack, lessonFilter } from '../check-server.ts';
import { UserError } from '../context.ts';
import { resolveLesson } from '../resolve-lesson.ts';
import { readLock } from '../stack-lock.ts';
import { runVitest } from '../vitest-run.ts';
import { dataDir, findRepoRoot, type Lesson, listLessons } from '../workspace.ts';

export const help = `Usage: workshop check [<n>] [vitest args...]   (pnpm check <n>)

Runs lesson <n>'s checkpoint tests (lessons/NN-*/test/) with vitest; without <n>, every lesson's.
They use their own embedded services: nothing needs to be running. While \`pnpm stack\` runs, a
check (without vitest args) runs in the test runner the stack keeps warm between checks: the
first one starts it.`;

const hasCheckpoints = (lesson: Lesson) => existsSync(join(lesson.dir, 'vitest.config.ts'));

export async function run(args: string[]): Promise<number> {
  const root = findRepoRoot();
  const all = args.length === 0 || args[0]?.startsWith('-');
  const lessons = all ? listLessons(root).filter(hasCheckpoints) : [resolveLesson(root, args[0])];
  const vitestArgs = all ? args : args.slice(1);
  const [only] = lessons;
  if (!only)
    throw new UserError('No lesson has checkpoint tests yet (lessons/*/vitest.config.ts).');
  if (!all && !hasCheckpoints(only)) {
    throw new UserError(`Lesson ${only.name} has no checkpoint tests yet (no vitest.config.ts).`);
  }

  if (lessons.length === 1) {
    console.log(
      `Checking lesson ${only.number}: ${only.title} (${relative(root, only.dir)}/test/)\n`,
    );
  } else {
    console.log(`Checking lessons ${lessons.map((lesson) => lesson.number).join(', ')}\n`);
  }
  // The root vitest.config.ts runs every folder's tests; a path filter per lesson picks its own.
  const filters = lessons.map((lesson) => lessonFilter(root, lesson));
  const code =
    (await checkInStack(root, filters, vitestArgs)) ??
    (await runVitest(root, [...filters, ...vitestArgs])).code;
  if (code !== 0) {
    const readmes = lessons.map((lesson) => `${relative(root, lesson.dir)}/README.md`);
    console.log(
      lessons.length === 1
        ? `\nNot there yet: the "Check it" section of ${readmes[0]} says what each checkpoint expects.`
        : `\nNot there yet: each lesson's README.md has a "Check it" section saying what its checkpoints expect.`,
    );
  } else {
    console.log(
      lessons.length === 1 ? `\nLesson ${only.number} checks out.` : '\nAll lessons check out.',
    );
  }
  return code;
}

/**
 * The check in the running `pnpm stack`'s test runner (check-server.ts); undefined when
 * there is none, or vitest args were given (they are for a vitest of their own), or the check is
 * against real services (WORKSHOP_TEST_SERVICES: the runner uses the embedded test stack).
 */
function checkInStack(
  root: string,
  filters: string[],
  vitestArgs: string[],
): Promise<number | undefined> {
  const lock = readLock(dataDir(root));
  const onServices = process.env.WORKSHOP_TEST_SERVICES !== undefined;
  if (vitestArgs.length > 0 || onServices || lock?.kind !== 'stack' || !lock.checkSocket) {
    return Promise.resolve(undefined);
  }
  return checkThroughStack(lock.checkSocket, filters);
}
