// Where practice mode keeps things, and how a lesson's starting state and solution are laid out
// as a folder that runs the lesson's checkpoint tests against its own src/.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { withoutMarkers } from '@workshop/course';
import { UserError } from '../context.ts';
import {
  dataDir,
  findLesson,
  findRepoRoot,
  type Lesson,
  lessonList,
  listLessons,
} from '../workspace.ts';

export interface Practice {
  root: string;
  lessons: Lesson[];
  /** The learner's working copy: `playground/` at the repo root (WORKSHOP_PLAYGROUND_DIR). */
  playground: string;
  /** Where `solution` writes: next to the playground, never inside it. */
  solutionDir: string;
  /** The progress file (hints shown, checks passed). */
  stateFile: string;
}

export function practiceContext(env: NodeJS.ProcessEnv = process.env): Practice {
  const root = findRepoRoot(env);
  const playground = env.WORKSHOP_PLAYGROUND_DIR
    ? resolve(env.WORKSHOP_PLAYGROUND_DIR)
    : join(root, 'playground');
  return {
    root,
    lessons: listLessons(root),
    playground,
    solutionDir: `${playground}-solution`,
    stateFile: join(dataDir(root, env), 'progress.json'),
  };
}

/** `3`, `03`, `03-ttl-caching` or `ttl-caching`, or a one-line error listing the lessons. */
export function lessonArg(practice: Practice, query: string): Lesson {
  const lesson = findLesson(practice.lessons, query);
  if (!lesson) {
    throw new UserError(
      `There is no lesson "${query}". The lessons:\n${lessonList(practice.lessons)}`,
    );
  }
  return lesson;
}

// #region files
/** Every file under `dir`, as paths relative to it (forward slashes), sorted. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk('');
  return files.sort();
}

/** Copies a lesson source file without its marker lines. */
export function copySource(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, withoutMarkers(readFileSync(from, 'utf8')));
}

function copyTree(from: string, to: string): void {
  for (const file of listFiles(from)) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
  }
}
// #endregion files

/** `lessons/NN-*\/exercise/`: the files of the starting state that differ from lesson N-1. */
export const exerciseDir = (lesson: Lesson) => join(lesson.dir, 'exercise');

/**
 * The starting state's src/ files (path -> the file to copy): each file lesson N has, taken from
 * `exercise/src/` (the TODOs) when it is there; else from lesson N itself when
 * `exercise/given.txt` lists it (a new type or demo that is not part of the exercise); else from
 * lesson N-1 (the code the learner has written so far); else from lesson N. Files lesson N no
 * longer has are left out.
 */
export function exerciseSources(practice: Practice, lesson: Lesson): Map<string, string> {
  const previous = practice.lessons.filter((l) => l.number < lesson.number).at(-1);
  const overlay = join(exerciseDir(lesson), 'src');
  const overlaid = new Set(listFiles(overlay));
  const givenFile = join(exerciseDir(lesson), 'given.txt');
  const given = new Set(
    existsSync(givenFile)
      ? readFileSync(givenFile, 'utf8')
          .split(/\r?\n/)
          .map((line) =>
            line
              .replace(/#.*/, '')
              .trim()
              .replace(/^src\//, ''),
          )
          .filter(Boolean)
      : [],
  );
  const before = new Set(previous ? listFiles(join(previous.dir, 'src')) : []);
  const sources = new Map<string, string>();
  for (const file of listFiles(join(lesson.dir, 'src'))) {
    if (overlaid.has(file)) sources.set(file, join(overlay, file));
    else if (previous && before.has(file) && !given.has(file)) {
      sources.set(file, join(previous.dir, 'src', file));
    } else sources.set(file, join(lesson.dir, 'src', file));
  }
  for (const file of overlaid) sources.set(file, join(overlay, file));
  return new Map([...sources].sort(([a], [b]) => a.localeCompare(b)));
}

export function hasExercise(lesson: Lesson): boolean {
  return existsSync(join(exerciseDir(lesson), 'src'));
}

/** Marks a folder as lesson N's practice copy (which lesson, since when). */
const MARKER = '.practice.json';

export function playgroundLesson(practice: Practice): Lesson | undefined {
  const marker = join(practice.playground, MARKER);
  if (!existsSync(marker)) return undefined;
  const { lesson } = JSON.parse(readFileSync(marker, 'utf8')) as { lesson?: string };
  return practice.lessons.find((l) => l.name === lesson);
}

/** The playground's lesson, or the one-line error saying how to get one. */
export function currentLesson(practice: Practice): Lesson {
  const lesson = playgroundLesson(practice);
  if (lesson) return lesson;
  const where = relative(process.cwd(), practice.playground) || practice.playground;
  throw new UserError(
    existsSync(practice.playground)
      ? `${where}/ is not a practice copy of a lesson. Start one with: pnpm practice start <n>`
      : `No playground yet. Start a lesson with: pnpm practice start <n> (e.g. pnpm practice start 1)`,
  );
}

/**
 * Writes a folder that runs `lesson`'s checkpoints against `src`: the lesson's test/, its
 * package.json and vitest config, a tsconfig, and node_modules linked to the lesson's own (so
 * `@workshop/db`, `pg`... resolve as they do in the lesson).
 */
export function writeRunnable(
  practice: Practice,
  lesson: Lesson,
  dir: string,
  src: Map<string, string>,
): void {
  mkdirSync(dir, { recursive: true });
  for (const [file, from] of src) copySource(from, join(dir, 'src', file));
  copyTree(join(lesson.dir, 'test'), join(dir, 'test'));
  copyFileSync(join(lesson.dir, 'vitest.config.ts'), join(dir, 'vitest.config.ts'));
  const pkg = JSON.parse(readFileSync(join(lesson.dir, 'package.json'), 'utf8'));
  pkg.name = basename(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const base = relative(dir, join(practice.root, 'tsconfig.base.json')).replaceAll('\\', '/');
  const tsconfig = {
    extends: base,
    // Work in progress: a parameter or a variable not used yet is not an error.
    compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
    include: ['src', 'test', '*.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  linkModules(lesson, dir);
  writeFileSync(
    join(dir, MARKER),
    `${JSON.stringify({ lesson: lesson.name, createdAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

/**
 * `<dir>/node_modules` -> the lesson's, so imports resolve as they do in the lesson. Recreated
 * when missing; the lesson's must exist (pnpm install).
 */
export function linkModules(lesson: Lesson, dir: string): void {
  const modules = join(lesson.dir, 'node_modules');
  if (!existsSync(join(modules, '@workshop'))) {
    throw new UserError(
      `The lesson's dependencies are not installed (no ${relative(process.cwd(), modules)}): run pnpm install at the repo root, then try again.`,
    );
  }
  const link = join(dir, 'node_modules');
  if (existsSync(link)) return;
  rmSync(link, { force: true }); // a dangling link (the lesson's folder moved)
  // A junction needs no admin rights on Windows; elsewhere the type is ignored.
  symlinkSync(
    process.platform === 'win32' ? modules : relative(dir, modules),
    link,
    process.platform === 'win32' ? 'junction' : 'dir',
  );
}

/** A timestamp for folder names: 2026-11-26T07-30-12. */
export function stamp(date = new Date()): string {
  return date.toISOString().slice(0, 19).replaceAll(':', '-');
}

/** Moves a folder aside to `<dir>-backup-<stamp>` (a suffix when that exists); returns it. */
export function backup(dir: string): string {
  const base = `${dir}-backup-${stamp()}`;
  let target = base;
  for (let i = 2; existsSync(target); i++) target = `${base}-${i}`;
  renameSync(dir, target);
  return target;
}
