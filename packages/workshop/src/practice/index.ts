// Practice mode: the learner writes each lesson's feature in their own copy (`playground/`),
// checks it with the lesson's checkpoints, asks for hints, compares with the solution. Nothing
// here ever deletes or overwrites the learner's code: an old playground is moved to a backup.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { runApp, WEB_ENTRY } from '../commands/lesson.ts';
import { UserError } from '../context.ts';
import { checkPlayground } from './check.ts';
import { diffTrees, useColour } from './diff.ts';
import { readHints } from './hints.ts';
import {
  backup,
  copySource,
  currentLesson,
  exerciseSources,
  hasExercise,
  lessonArg,
  listFiles,
  type Practice,
  practiceContext,
  writeRunnable,
} from './layout.ts';
import { runMutations } from './mutations.ts';
import { PROBLEM_FILE, problemText } from './problem.ts';
import { readProgress, updateProgress } from './state.ts';
import { typecheckExercises } from './typecheck.ts';
import { verify } from './verify.ts';
import { watchPlayground } from './watch.ts';

export const help = `Usage: workshop practice <subcommand>   (pnpm practice ...)

Practice mode: write each lesson's feature yourself in playground/, then check it.

  start <n>       put lesson <n>'s starting state (lesson n-1's code + TODOs) in playground/;
                  a playground that holds work is moved to playground-backup-<time>/ first
  run [args...]   run your playground/src/main.ts, with its services (as pnpm lesson does)
  check [<n>]     run the lesson's checkpoint tests against playground/src/
  watch [--poll]  check again on every save (--poll: for WSL and network drives);
                  Enter or r re-runs, q quits
  read [<n>]      the lesson's problem: its text with the code you write taken out
                  (also in playground/PROBLEM.md)
  hint            the next hint for the playground's lesson (one more each time)
  diff            your playground/src/ against the lesson's solution (read-only)
  solution        write the solution to playground-solution/<lesson>/ (never over your work)
  progress        which lessons' checks passed, and when
  verify          for CI: every starting state must fail its checkpoints, every solution pass
  typecheck       for CI: every starting state must type-check
  mutations [<n>|<name>...]
                  for CI: every recorded mistake (exercise/mutations/*.patch) must fail
                  its checkpoints with the message that names it`;

export async function runPractice(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(help);
    return sub === undefined ? 1 : 0;
  }
  // `run` and `check` pass what follows on (to the app, to vitest); the others take only their
  // own options, and say so for anything else.
  const own = (options: Parameters<typeof parseCommandArgs>[1]['options'] = {}, positionals = 0) =>
    parseCommandArgs(rest, { command: `workshop practice ${sub}`, help, options, positionals });
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(help);
    return 0;
  }
  const practice = practiceContext();
  switch (sub) {
    case 'start':
      return start(practice, own({}, 1).positionals[0]);
    case 'run':
      currentLesson(practice); // a clear message when there is no playground yet
      if (rest.includes('--web')) {
        const appArgs = rest.filter((arg) => arg !== '--web');
        return runApp(practice.root, practice.playground, appArgs, WEB_ENTRY);
      }
      return runApp(practice.root, practice.playground, rest);
    case 'check':
      return check(practice, rest);
    case 'watch': {
      const { values } = own({ poll: { type: 'boolean' } });
      return watchPlayground(practice, currentLesson(practice), { poll: values.poll === true });
    }
    case 'read': {
      const query = own({}, 1).positionals[0];
      const lesson = query === undefined ? currentLesson(practice) : lessonArg(practice, query);
      console.log(problemText(lesson));
      return 0;
    }
    case 'hint':
      own();
      return hint(practice);
    case 'diff':
      own();
      return diff(practice);
    case 'solution':
      own();
      return solution(practice);
    case 'progress':
      own();
      return progress(practice);
    case 'verify':
      own();
      return verify(practice);
    case 'typecheck':
      own();
      return typecheckExercises(practice);
    case 'mutations':
      return runMutations(practice, own({}, Number.POSITIVE_INFINITY).positionals);
    default:
      throw new UserError(`Unknown practice subcommand "${sub}".\n\n${help}`);
  }
}

const shown = (dir: string) => relative(process.cwd(), dir) || '.';

function start(practice: Practice, query: string | undefined): number {
  if (query === undefined) {
    throw new UserError(
      'Which lesson? Usage: pnpm practice start <n> (e.g. pnpm practice start 1)',
    );
  }
  const lesson = lessonArg(practice, query);
  if (!hasExercise(lesson)) {
    throw new UserError(
      `Lesson ${lesson.name} has no exercise yet (no exercise/src/ in its folder).`,
    );
  }
  const { playground } = practice;
  if (existsSync(playground) && readdirSync(playground).length > 0) {
    const saved = backup(playground);
    console.log(`Your previous playground is kept in ${shown(saved)}/`);
  }
  writeRunnable(practice, lesson, playground, exerciseSources(practice, lesson));
  // The lesson's text without the answer: the README holds the solution's code word for word.
  writeFileSync(join(playground, PROBLEM_FILE), problemText(lesson));
  updateProgress(practice.stateFile, (progress) => {
    progress.hintsShown[lesson.name] = 0;
  });
  const where = shown(playground);
  const previous = practice.lessons.filter((l) => l.number < lesson.number).at(-1);
  console.log(`Lesson ${lesson.number}: ${lesson.title}

${where}/src/ holds ${previous ? `lesson ${previous.number}'s code` : 'a skeleton'} with TODO markers where this lesson's feature goes.
Read the problem: ${where}/${PROBLEM_FILE} (or: pnpm practice read), the lesson's text with the
code you write taken out (the README, ${relative(process.cwd(), join(lesson.dir, 'README.md'))}, shows that code). Then:
  pnpm practice run       run your app (its src/main.ts)
  pnpm practice check     run the checkpoints against your code (or: pnpm practice watch)
  pnpm practice hint      a hint, when you are stuck`);
  return 0;
}

function check(practice: Practice, args: string[]): Promise<number> {
  const lesson = currentLesson(practice);
  const query = args[0]?.startsWith('-') ? undefined : args[0];
  const vitestArgs = query === undefined ? args : args.slice(1);
  if (query !== undefined) {
    const asked = lessonArg(practice, query);
    if (asked.name !== lesson.name) {
      throw new UserError(
        `The playground holds lesson ${lesson.number} (${lesson.name}); start lesson ${asked.number} first: pnpm practice start ${asked.number}`,
      );
    }
  }
  return checkPlayground(practice, lesson, vitestArgs);
}

function hint(practice: Practice): number {
  const lesson = currentLesson(practice);
  const hints = readHints(lesson);
  if (hints.length === 0) {
    console.log(`Lesson ${lesson.number} has no hints; its README's walk-through shows each step.`);
    return 0;
  }
  const before = readProgress(practice.stateFile).hintsShown[lesson.name] ?? 0;
  const index = Math.min(before, hints.length - 1);
  const next = hints[index] as (typeof hints)[number];
  updateProgress(practice.stateFile, (progress) => {
    progress.hintsShown[lesson.name] = index + 1;
  });
  console.log(`Hint ${index + 1} of ${hints.length}: ${next.title}\n\n${next.body}`);
  console.log(
    index + 1 < hints.length
      ? '\n(Run it again for a more specific hint.)'
      : '\n(That was the last hint. `pnpm practice diff` compares your code with the solution.)',
  );
  return 0;
}

function diff(practice: Practice): number {
  const lesson = currentLesson(practice);
  const text = diffTrees(join(practice.playground, 'src'), join(lesson.dir, 'src'), useColour());
  if (text === '') {
    console.log(`Your src/ is the same as lesson ${lesson.number}'s solution.`);
    return 0;
  }
  console.log(`Your src/ (-) against lesson ${lesson.number}'s solution (+):\n`);
  process.stdout.write(text);
  return 0;
}

function solution(practice: Practice): number {
  const lesson = currentLesson(practice);
  const target = join(practice.solutionDir, lesson.name);
  for (const file of listFiles(join(lesson.dir, 'src'))) {
    copySource(join(lesson.dir, 'src', file), join(target, 'src', file));
  }
  console.log(
    `Lesson ${lesson.number}'s solution is in ${shown(target)}/src/ (your playground is untouched).`,
  );
  return 0;
}

function progress(practice: Practice): number {
  const state = readProgress(practice.stateFile);
  const current = existsSync(practice.playground) ? currentLessonOrNone(practice) : undefined;
  const width = Math.max(...practice.lessons.map((lesson) => lesson.name.length));
  console.log('Your progress (checks passed on this machine):\n');
  for (const lesson of practice.lessons) {
    const passed = state.passed[lesson.name];
    const mark = passed ? `passed ${formatTime(passed.last)}` : 'not passed yet';
    const here = current === lesson.name ? '   <- in your playground' : '';
    console.log(`  ${lesson.name.padEnd(width)}  ${mark}${here}`);
  }
  const done = practice.lessons.filter((lesson) => state.passed[lesson.name]).length;
  console.log(`\n${done} of ${practice.lessons.length} lessons passed.`);
  return 0;
}

function currentLessonOrNone(practice: Practice): string | undefined {
  try {
    return currentLesson(practice).name;
  } catch {
    return undefined;
  }
}

/** 2026-11-26 07:30 in local time. */
function formatTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
