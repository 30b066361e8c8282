// Practice mode through the real CLI: bad arguments, start, backups, hints, diff and solution.
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listLessons } from '@workshop/course';
import { afterAll, describe, expect, it } from 'vitest';
import {
  exerciseSources,
  hasExercise,
  practiceContext,
  writeRunnable,
} from '../../src/practice/layout.ts';
import { problemText } from '../../src/practice/problem.ts';
import { REPO_ROOT, runCli, stopLeftovers } from '../cli.ts';
import { LESSONS, lessonDir, sandbox, withoutRegions } from './sandbox.ts';

afterAll(stopLeftovers);

describe('bad arguments', () => {
  it('answers each with one clear line and exit code 1', async () => {
    const box = sandbox();
    const cases: [string[], RegExp][] = [
      [['start'], /^Which lesson\? Usage: pnpm practice start <n>/],
      [['start', '99'], /^There is no lesson "99"\. The lessons:/],
      [['check'], /^No playground yet\. Start a lesson with: pnpm practice start <n>/],
      [['hint'], /^No playground yet\./],
      [['diff'], /^No playground yet\./],
      [['solution'], /^No playground yet\./],
      [['watch'], /^No playground yet\./],
      [['run'], /^No playground yet\./],
      [['frobnicate'], /^Unknown practice subcommand "frobnicate"\./],
    ];
    const runs = await Promise.all(cases.map(([args]) => box.practice(...args)));
    runs.forEach((run, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stderr, args.join(' ')).not.toMatch(/\n\s+at /); // no stack trace
    });
    expect(existsSync(box.playground), 'a failed command creates no playground').toBe(false);
  });

  it('prints the subcommands for --help', async () => {
    const run = await sandbox().practice('--help');
    expect(run.code).toBe(0);
    for (const sub of ['start', 'check', 'watch', 'hint', 'diff', 'solution', 'progress']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
    }
  });
});

describe('start', () => {
  it("lays out lesson n-1's code with lesson n's TODOs, its checkpoints and what they need", async () => {
    const box = sandbox();
    const run = await box.practice('start', '3');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("holds lesson 2's code with TODO markers");

    const src = join(box.playground, 'src');
    // Exactly lesson 3's files: lesson 2's wire.ts and another-process.ts are gone.
    expect(readdirSync(src).sort()).toEqual(
      readdirSync(join(lessonDir('03-ttl-caching'), 'src')).sort(),
    );
    expect(readFileSync(join(src, 'cache.ts'), 'utf8')).toContain('TODO(lesson 3)');
    expect(readFileSync(join(src, 'upstash.ts'), 'utf8')).toContain('TODO(lesson 3)');
    // Untouched files are lesson 2's, without the course text's region markers.
    expect(readFileSync(join(src, 'store.ts'), 'utf8')).toBe(
      withoutRegions(readFileSync(join(lessonDir('02-connect-upstash'), 'src/store.ts'), 'utf8')),
    );
    expect(readFileSync(join(src, 'store.ts'), 'utf8')).not.toContain('#region');
    // The checkpoints are the lesson's own files.
    for (const file of readdirSync(join(lessonDir('03-ttl-caching'), 'test'))) {
      expect(readFileSync(join(box.playground, 'test', file), 'utf8')).toBe(
        readFileSync(join(lessonDir('03-ttl-caching'), 'test', file), 'utf8'),
      );
    }
    // Imports resolve as in the lesson: node_modules is the lesson's.
    expect(realpathSync(join(box.playground, 'node_modules'))).toBe(
      realpathSync(join(lessonDir('03-ttl-caching'), 'node_modules')),
    );
    const tsconfig = JSON.parse(readFileSync(join(box.playground, 'tsconfig.json'), 'utf8'));
    expect(realpathSync(join(box.playground, tsconfig.extends))).toBe(
      realpathSync(join(REPO_ROOT, 'tsconfig.base.json')),
    );
  });

  it("every lesson's starting state imports only files it has", () => {
    // The layout `start` writes (the test above runs it through the CLI), built in this process
    // for every lesson: a CLI start each would cost a process per lesson and prove nothing more.
    const box = sandbox();
    const practice = practiceContext(box.env);
    // A lesson just made by new-lesson has no exercise/src/ yet: nothing to lay out.
    const lessons = practice.lessons.filter(hasExercise);
    expect(lessons.map((lesson) => lesson.name)).toEqual(
      listLessons(LESSONS)
        .filter((lesson) => existsSync(join(lesson.dir, 'exercise/src')))
        .map((lesson) => lesson.name),
    );
    for (const lesson of lessons) {
      const dir = join(box.dir, lesson.name);
      writeRunnable(practice, lesson, dir, exerciseSources(practice, lesson));
      expect(() => problemText(lesson), `${lesson.name}'s PROBLEM.md`).not.toThrow();
      const src = join(dir, 'src');
      for (const file of readdirSync(src)) {
        const text = readFileSync(join(src, file), 'utf8');
        for (const [, target] of text.matchAll(/from '\.\/([^']+)'/g)) {
          expect(
            existsSync(join(src, target as string)),
            `${lesson.name}: src/${file} imports ./${target}`,
          ).toBe(true);
        }
      }
    }
  });

  it('moves a playground that holds work to a backup, never deleting it', async () => {
    const box = sandbox();
    expect((await box.practice('start', '1')).code).toBe(0);
    const skeleton = readFileSync(join(box.playground, 'src/store.ts'), 'utf8');
    expect(skeleton).toContain('TODO(lesson 1)');
    expect(skeleton, 'lines meant for the repo are left out').not.toMatch(/biome-ignore|#region/);
    const mine = '// my own store, half written\nexport const mine = 1;\n';
    writeFileSync(join(box.playground, 'src/store.ts'), mine);
    writeFileSync(join(box.playground, 'notes.txt'), 'remember INCR');

    const run = await box.practice('start', '2');
    expect(run.code, run.stderr).toBe(0);
    const backups = readdirSync(box.dir).filter((name) => name.startsWith('playground-backup-'));
    expect(backups).toHaveLength(1);
    const backup = join(box.dir, backups[0] as string);
    expect(run.stdout).toContain(`kept in`);
    expect(run.stdout).toContain(backups[0]);
    expect(readFileSync(join(backup, 'src/store.ts'), 'utf8')).toBe(mine);
    expect(readFileSync(join(backup, 'notes.txt'), 'utf8')).toBe('remember INCR');
    // The new playground is lesson 2's starting state.
    expect(readFileSync(join(box.playground, 'src/upstash.ts'), 'utf8')).toContain(
      'TODO(lesson 2)',
    );
    expect(existsSync(join(box.playground, 'notes.txt'))).toBe(false);

    // A second restart keeps both backups.
    expect((await box.practice('start', '2')).code).toBe(0);
    expect(
      readdirSync(box.dir).filter((name) => name.startsWith('playground-backup-')),
    ).toHaveLength(2);
  });
});

describe('hint', () => {
  it('shows the next hint each time, then stays on the last; a new start begins again', async () => {
    const box = sandbox();
    await box.practice('start', '4');
    const hintsFile = readFileSync(join(lessonDir('04-counters'), 'exercise/hints.md'), 'utf8');
    const titles = [...hintsFile.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(titles.length).toBeGreaterThanOrEqual(1);
    expect(titles.length).toBeLessThanOrEqual(3);

    for (const [i, title] of titles.entries()) {
      const run = await box.practice('hint');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Hint ${i + 1} of ${titles.length}: ${title}`);
    }
    const again = await box.practice('hint');
    expect(again.stdout).toContain(`Hint ${titles.length} of ${titles.length}`);
    expect(again.stdout).toContain('That was the last hint');

    await box.practice('start', '4');
    expect((await box.practice('hint')).stdout).toContain(`Hint 1 of ${titles.length}`);
  });

  it('every lesson has one to three hints, each with a title and a body', async () => {
    for (const name of readdirSync(LESSONS).filter((n) => /^\d{2}-/.test(n))) {
      const text = readFileSync(join(LESSONS, name, 'exercise/hints.md'), 'utf8');
      const sections = text.split(/^## /m).slice(1);
      expect(sections.length, name).toBeGreaterThanOrEqual(1);
      expect(sections.length, name).toBeLessThanOrEqual(3);
      for (const section of sections)
        expect(section.split('\n').slice(1).join('').trim(), name).not.toBe('');
    }
  });
});

describe('run', () => {
  it("runs the playground's own src/main.ts with the lesson's services, passing arguments on", async () => {
    const box = sandbox();
    expect((await box.practice('start', '2')).code).toBe(0);
    writeFileSync(
      join(box.playground, 'src/main.ts'),
      [
        "import { loadConfig } from '@workshop/config';",
        "console.log('my playground', process.argv.slice(2).join(' '), loadConfig().upstash.url);",
      ].join('\n'),
    );
    // A database that is configured but never contacted: only the kv-server starts (no initdb).
    const run = await runCli(['practice', 'run', '--verbose'], {
      ...box.env,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres',
      WORKSHOP_REST_PORT: '0',
      WORKSHOP_RESP_PORT: '0',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^my playground --verbose http:\/\/127\.0\.0\.1:\d+$/m);
  });
});

describe('diff and solution', () => {
  it('diffs the playground against the solution, coloured only when asked, without changing it', async () => {
    const box = sandbox();
    await box.practice('start', '2');
    const before = readFileSync(join(box.playground, 'src/upstash.ts'), 'utf8');

    const plain = await box.practice('diff');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('--- yours/src/upstash.ts');
    expect(plain.stdout).toContain('+++ solution/src/upstash.ts');
    expect(plain.stdout).toMatch(/^-.*TODO\(lesson 2\)/m);
    expect(plain.stdout).toMatch(/^\+\s+automaticDeserialization: false,/m);
    // A file lesson 2 adds that the starting state has as well is not in the diff.
    expect(plain.stdout).not.toContain('src/wire.ts');
    expect(plain.stdout).not.toContain('\x1b[');

    const coloured = await runCli(['practice', 'diff'], {
      ...box.env,
      NO_COLOR: '',
      FORCE_COLOR: '1',
    });
    expect(coloured.stdout).toContain('\x1b[31m-');
    expect(coloured.stdout).toContain('\x1b[32m+');
    expect(readFileSync(join(box.playground, 'src/upstash.ts'), 'utf8')).toBe(before);
  });

  it('writes the solution next to the playground, never over it', async () => {
    const box = sandbox();
    await box.practice('start', '2');
    const mine = '// work in progress\n';
    writeFileSync(join(box.playground, 'src/upstash.ts'), mine);

    const run = await box.practice('solution');
    expect(run.code, run.stderr).toBe(0);
    const target = join(box.dir, 'playground-solution', '02-connect-upstash', 'src');
    expect(run.stdout).toContain('playground-solution/02-connect-upstash/src/');
    expect(readFileSync(join(target, 'upstash.ts'), 'utf8')).toBe(
      withoutRegions(readFileSync(join(lessonDir('02-connect-upstash'), 'src/upstash.ts'), 'utf8')),
    );
    expect(readFileSync(join(box.playground, 'src/upstash.ts'), 'utf8')).toBe(mine);

    // With the solution's files in the playground, diff has nothing left to say.
    for (const file of readdirSync(target)) {
      writeFileSync(join(box.playground, 'src', file), readFileSync(join(target, file)));
    }
    const same = await box.practice('diff');
    expect(same.stdout).toContain("Your src/ is the same as lesson 2's solution.");
  });
});
