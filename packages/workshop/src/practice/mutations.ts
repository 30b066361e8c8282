// `practice mutations` (CI: pnpm test:mutations): the checkpoints are proven against the wrong
// code learners really write. Each mistake is a small unified diff against the lesson's solution,
// kept beside its exercise (`lessons/NN-*\/exercise/mutations/<name>.patch`) with a header:
//
//   # what the mistake is (one or more lines)
//   # expect: text one of the failure messages must contain (the message that names the fault)
//   # tests: test/cache.test.ts test/wiki.test.ts   (optional: only these files run)
//
// Every patch is applied to a copy of the lesson's raw sources (never to the tree; markers are
// still in the raw files, so the diff's context matches what is in the repo), the copy is laid
// out as `practice start` lays out a playground, and ONE vitest run covers every mutated copy.
// A mutation must make its checkpoints fail, and one failure must name the fault.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import type { Lesson } from '../workspace.ts';
import { exerciseDir, listFiles, type Practice, writeRunnable } from './layout.ts';
import { printSummary, runProjects } from './projects-run.ts';

interface Mutation {
  lesson: Lesson;
  /** The patch file's name without `.patch`. */
  name: string;
  file: string;
  /** What the mistake is: the header's free-text lines. */
  what: string;
  /** Text one of the failure messages must contain. */
  expect: string;
  /** Test files to run (paths relative to the lesson), or all of them when empty. */
  tests: string[];
  /** The diff itself, header removed. */
  patch: string;
}

/** Reads a patch file's header; throws a message naming the file when `expect:` is missing. */
function parseMutation(lesson: Lesson, file: string, text: string): Mutation {
  const name = file
    .split(/[\\/]/)
    .at(-1)
    ?.replace(/\.patch$/, '') as string;
  const lines = text.split(/\r?\n/);
  const what: string[] = [];
  let expect = '';
  let tests: string[] = [];
  let body = 0;
  for (; body < lines.length; body++) {
    const line = lines[body] as string;
    if (!line.startsWith('#')) break;
    const content = line.replace(/^#\s?/, '');
    const field = /^(expect|tests):\s*(.*)$/.exec(content);
    if (field?.[1] === 'expect') expect = field[2]?.trim() ?? '';
    else if (field?.[1] === 'tests') tests = (field[2] ?? '').split(/[\s,]+/).filter(Boolean);
    else what.push(content.trim());
  }
  if (!expect) throw new Error(`${file}: the header has no "# expect: <text>" line`);
  return {
    lesson,
    name,
    file,
    what: what.join(' ').trim(),
    expect,
    tests,
    patch: lines.slice(body).join('\n'),
  };
}

function listMutations(practice: Practice): Mutation[] {
  const mutations: Mutation[] = [];
  for (const lesson of practice.lessons) {
    const dir = join(exerciseDir(lesson), 'mutations');
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).sort()) {
      if (!entry.endsWith('.patch')) continue;
      const file = join(dir, entry);
      mutations.push(parseMutation(lesson, file, readFileSync(file, 'utf8')));
    }
  }
  return mutations;
}

/** Strips `a/` / `b/` and leading `./` from a diff's file name. */
const patchPath = (name: string | undefined) =>
  (name ?? '').replace(/^[ab]\//, '').replace(/^\.\//, '');

/**
 * The lesson's src/ files with the mutation applied, as raw text (markers kept), or the reason
 * it does not apply. Paths in the patch are relative to the lesson folder (`src/cache.ts`).
 */
function mutatedSources(mutation: Mutation): Map<string, string> | string {
  const { lesson } = mutation;
  const files = new Map(
    listFiles(join(lesson.dir, 'src')).map((file) => [
      file,
      readFileSync(join(lesson.dir, 'src', file), 'utf8'),
    ]),
  );
  const patches = parsePatch(mutation.patch);
  if (patches.length === 0 || patches.every((p) => p.hunks.length === 0)) {
    return 'the file holds no diff';
  }
  for (const patch of patches) {
    const path = patchPath(patch.oldFileName);
    if (!path.startsWith('src/')) return `${path}: a mutation may only change src/`;
    const file = path.slice('src/'.length);
    const before = files.get(file);
    if (before === undefined) return `${path}: no such file in ${lesson.name}`;
    const after = applyPatch(before, patch);
    if (after === false) return `${path}: the diff does not apply (the code changed since)`;
    files.set(file, after);
  }
  return files;
}

interface Outcome {
  tests: number;
  /** Each failure: where, and its whole message. */
  failures: { where: string; message: string }[];
}

export async function runMutations(practice: Practice, only: string[] = []): Promise<number> {
  const started = Date.now();
  let mutations = listMutations(practice);
  if (only.length > 0) {
    mutations = mutations.filter((m) =>
      only.some((q) => m.name === q || m.lesson.name.startsWith(q.padStart(2, '0'))),
    );
  }
  if (mutations.length === 0) {
    console.error('No mutations found (lessons/NN-*/exercise/mutations/*.patch).');
    return 1;
  }
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'workshop-mutations-')));
  try {
    const folders = new Map<string, Mutation>();
    const broken = new Map<Mutation, string>();
    for (const mutation of mutations) {
      const sources = mutatedSources(mutation);
      if (typeof sources === 'string') {
        broken.set(mutation, sources);
        continue;
      }
      const folder = `${mutation.lesson.name.slice(0, 2)}-${mutation.name}`;
      // The raw (still marked) mutated files, then the playground layout built from them.
      const raw = join(work, 'raw', folder);
      const src = new Map<string, string>();
      for (const [file, text] of sources) {
        mkdirSync(dirname(join(raw, file)), { recursive: true });
        writeFileSync(join(raw, file), text);
        src.set(file, join(raw, file));
      }
      const dir = join(work, folder);
      writeRunnable(practice, mutation.lesson, dir, src);
      if (mutation.tests.length > 0) {
        for (const test of listFiles(join(dir, 'test'))) {
          if (test.endsWith('.test.ts') && !mutation.tests.includes(`test/${test}`)) {
            rmSync(join(dir, 'test', test));
          }
        }
        const missing = mutation.tests.filter((t) => !existsSync(join(dir, t)));
        if (missing.length > 0) {
          broken.set(mutation, `no such test file: ${missing.join(', ')}`);
          continue;
        }
      }
      folders.set(folder, mutation);
    }
    const outcomes = new Map<string, Outcome>();
    if (folders.size > 0) {
      console.log(
        `Running the checkpoints against ${folders.size} recorded mistakes (one vitest run)...`,
      );
      const results = await runProjects(
        practice.root,
        work,
        [...folders.keys()],
        Math.min(Math.max(availableParallelism() - 1, 3), 8),
      );
      if (!results) return 1;
      for (const result of results) {
        const outcome = outcomes.get(result.folder) ?? { tests: 0, failures: [] };
        outcome.tests += result.tests;
        for (const test of result.failed) {
          outcome.failures.push({
            where: `${result.file} > ${test.fullName}`,
            message: test.messages.join('\n'),
          });
        }
        if (result.error !== undefined) {
          outcome.failures.push({ where: result.file, message: result.error });
        }
        outcomes.set(result.folder, outcome);
      }
    }
    return report(mutations, folders, broken, outcomes, started);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function report(
  mutations: Mutation[],
  folders: Map<string, Mutation>,
  broken: Map<Mutation, string>,
  outcomes: Map<string, Outcome>,
  started: number,
): number {
  const folderOf = new Map([...folders].map(([folder, m]) => [m, folder]));
  const rows: string[][] = [['Lesson', 'Mistake', 'Result']];
  const details: string[] = [];
  let wrong = 0;
  for (const mutation of mutations) {
    const label = [mutation.lesson.name.slice(0, 2), mutation.name];
    const problem = broken.get(mutation);
    if (problem !== undefined) {
      rows.push([...label, `WRONG: patch: ${problem}`]);
      wrong++;
      continue;
    }
    const outcome = outcomes.get(folderOf.get(mutation) ?? '');
    if (!outcome || outcome.tests + outcome.failures.length === 0) {
      rows.push([...label, 'WRONG: no checkpoints ran']);
      wrong++;
    } else if (outcome.failures.length === 0) {
      rows.push([...label, `WRONG: survives (${outcome.tests} checkpoints pass)`]);
      details.push(`${mutation.name} (${mutation.what}) passes every checkpoint.`);
      wrong++;
    } else {
      const named = outcome.failures.find((f) => f.message.includes(mutation.expect));
      if (named) {
        rows.push([...label, `caught: ${outcome.failures.length}/${outcome.tests} fail`]);
      } else {
        rows.push([...label, 'WRONG: caught, but no message names the fault']);
        wrong++;
        details.push(
          `${mutation.name}: no failure says "${mutation.expect}". The failures:`,
          ...outcome.failures.map((f) => `  ${f.where}: ${firstLine(f.message)}`),
        );
      }
    }
  }
  printSummary(rows, details, started, (seconds) =>
    wrong === 0
      ? `\nEvery recorded mistake fails its checkpoints with a message that names it (${seconds} s).`
      : `\n${wrong} of ${mutations.length} mutation(s) WRONG (${seconds} s).`,
  );
  return wrong === 0 ? 0 : 1;
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
