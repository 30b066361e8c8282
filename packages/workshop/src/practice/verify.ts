// `practice verify` (CI: pnpm test:exercises): every lesson's starting state must FAIL its
// checkpoints and its solution must PASS them, each laid out exactly as `start` lays out a
// playground. One vitest run covers all of them (a project per folder), so it costs one start-up.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testWorkers } from '@workshop/test-support/workers';
import type { Lesson } from '../workspace.ts';
import { exerciseSources, hasExercise, listFiles, type Practice, writeRunnable } from './layout.ts';
import { printSummary, runProjects } from './projects-run.ts';

interface Outcome {
  files: number;
  tests: number;
  failed: number;
  /** What failed, for the report when a solution does not pass. */
  failures: string[];
}

export async function verify(practice: Practice): Promise<number> {
  const started = Date.now();
  const lessons = practice.lessons;
  if (lessons.length === 0) {
    console.error('No lessons found under lessons/.');
    return 1;
  }
  // Real path: the report names files by it (macOS's tmpdir is a symlink).
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'workshop-verify-')));
  try {
    const folders: string[] = [];
    for (const lesson of lessons) {
      if (hasExercise(lesson)) {
        writeRunnable(
          practice,
          lesson,
          join(work, `exercise-${lesson.name}`),
          exerciseSources(practice, lesson),
        );
        folders.push(`exercise-${lesson.name}`);
      }
      const solution = new Map(
        listFiles(join(lesson.dir, 'src')).map((file) => [file, join(lesson.dir, 'src', file)]),
      );
      writeRunnable(practice, lesson, join(work, `solution-${lesson.name}`), solution);
      folders.push(`solution-${lesson.name}`);
    }
    console.log(
      `Running every lesson's checkpoints against its starting state and its solution (${folders.length} folders)...`,
    );
    const results = await runProjects(practice.root, work, folders, testWorkers());
    if (!results) return 1;
    const outcomes = new Map<string, Outcome>();
    for (const result of results) {
      const outcome = outcomes.get(result.folder) ?? {
        files: 0,
        tests: 0,
        failed: 0,
        failures: [],
      };
      outcome.files++;
      outcome.tests += result.tests;
      outcome.failed += result.failed.length;
      for (const test of result.failed) {
        outcome.failures.push(`${result.file} > ${test.fullName}: ${firstLine(test.messages[0])}`);
      }
      if (result.error !== undefined) {
        outcome.failed++;
        outcome.failures.push(`${result.file}: ${firstLine(result.error)}`);
      }
      outcomes.set(result.folder, outcome);
    }
    return printTable(lessons, outcomes, started);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function printTable(lessons: Lesson[], outcomes: Map<string, Outcome>, started: number): number {
  const rows: string[][] = [['Lesson', 'Starting state (must fail)', 'Solution (must pass)']];
  let wrong = 0;
  const details: string[] = [];
  for (const lesson of lessons) {
    const exercise = hasExercise(lesson) ? outcomes.get(`exercise-${lesson.name}`) : undefined;
    const solution = outcomes.get(`solution-${lesson.name}`);
    let exerciseCell: string;
    if (!hasExercise(lesson)) {
      exerciseCell = 'WRONG: no exercise/src/';
      wrong++;
    } else if (!exercise) {
      exerciseCell = 'WRONG: no checkpoints ran';
      wrong++;
    } else if (exercise.failed === 0) {
      exerciseCell = `WRONG: passes (${exercise?.tests ?? 0} tests)`;
      wrong++;
    } else {
      exerciseCell = `fails: ${exercise.failed}/${exercise.tests} checkpoints`;
    }
    let solutionCell: string;
    if (!solution || solution.tests === 0) {
      solutionCell = 'WRONG: no checkpoints ran';
      wrong++;
    } else if (solution.failed > 0) {
      solutionCell = `WRONG: ${solution.failed}/${solution.tests} fail`;
      wrong++;
      details.push(`${lesson.name}'s solution:`, ...solution.failures.map((f) => `  ${f}`));
    } else {
      solutionCell = `passes: ${solution.tests}/${solution.tests}`;
    }
    rows.push([lesson.name, exerciseCell, solutionCell]);
  }
  printSummary(rows, details, started, (seconds) =>
    wrong === 0
      ? `\nEvery exercise fails its checkpoints and every solution passes them (${seconds} s).`
      : `\n${wrong} wrong outcome(s) (${seconds} s). Run the lesson's checks to see why: pnpm practice start <n> && pnpm practice check`,
  );
  return wrong === 0 ? 0 : 1;
}

const firstLine = (text: string | undefined) => (text ?? '').trim().split('\n')[0] ?? '';
