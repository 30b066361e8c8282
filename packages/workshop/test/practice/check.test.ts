// Practice mode through the real CLI: checking the playground and recording progress.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listLessons } from '@workshop/course';
import { afterAll, describe, expect, it } from 'vitest';
import { stopLeftovers } from '../cli.ts';
import { LESSONS, lessonDir, sandbox } from './sandbox.ts';

afterAll(stopLeftovers);

describe('check and progress', () => {
  it('fails on the starting state, passes on the solution, and records the pass', async () => {
    const box = sandbox();
    await box.practice('start', '1');

    // What follows the lesson's number goes to vitest: here a filter that picks the checkpoint
    // file with no services, so this failing run opens no database (the passing one runs all).
    const failing = await box.practice('check', '1', 'test/store.test.ts');
    expect(failing.code).toBe(1);
    expect(failing.stdout + failing.stderr).toContain('TODO(lesson 1)');
    expect(failing.stdout).toContain('Not there yet');
    expect(failing.stdout).toMatch(/Test Files\s+1 failed \(1\)/);
    expect(failing.stdout + failing.stderr).not.toContain('wiki.test.ts');
    expect((await box.practice('progress')).stdout).toMatch(/01-object-store\s+not passed yet/);

    // The learner edits a checkpoint file: the check puts the lesson's back and keeps the edit.
    const testFile = join(box.playground, 'test/store.test.ts');
    writeFileSync(testFile, '// I gave up on this one\n');
    await box.practice('solution');
    const solution = join(box.dir, 'playground-solution/01-object-store/src');
    for (const file of readdirSync(solution)) {
      writeFileSync(join(box.playground, 'src', file), readFileSync(join(solution, file)));
    }
    // A check narrowed by vitest arguments passes but records nothing: not every checkpoint ran.
    const narrowed = await box.practice('check', '1', 'test/store.test.ts');
    expect(narrowed.code, narrowed.stdout + narrowed.stderr).toBe(0);
    expect(narrowed.stdout).toContain(
      'These checkpoints pass (vitest was given: test/store.test.ts). Only a check of the whole lesson records it: pnpm practice check 1',
    );
    expect(narrowed.stdout).not.toContain('checks out');
    expect((await box.practice('progress')).stdout).toMatch(/01-object-store\s+not passed yet/);

    // A lost node_modules link is put back.
    rmSync(join(box.playground, 'node_modules'));
    const passing = await box.practice('check', '1');
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout).toContain('Lesson 1 checks out. Next: pnpm practice start 2');
    const checkpoints = readdirSync(join(lessonDir('01-object-store'), 'test')).filter((name) =>
      name.endsWith('.test.ts'),
    );
    expect(passing.stdout, 'the pass is recorded from every checkpoint').toMatch(
      new RegExp(`Test Files\\s+${checkpoints.length} passed \\(${checkpoints.length}\\)`),
    );
    expect(readFileSync(testFile, 'utf8')).toBe(
      readFileSync(join(lessonDir('01-object-store'), 'test/store.test.ts'), 'utf8'),
    );
    const edited = readdirSync(box.playground).find((name) => name.startsWith('test-edited-'));
    expect(edited, 'the edited checkpoint is kept').toBeDefined();
    expect(readFileSync(join(box.playground, edited as string, 'store.test.ts'), 'utf8')).toBe(
      '// I gave up on this one\n',
    );

    const progress = JSON.parse(readFileSync(box.progressFile, 'utf8'));
    expect(progress.version).toBe(1);
    expect(Date.parse(progress.passed['01-object-store'].last)).toBeGreaterThan(
      Date.now() - 600_000,
    );
    const shown = await box.practice('progress');
    expect(shown.stdout).toMatch(
      /01-object-store\s+passed \d{4}-\d{2}-\d{2} \d{2}:\d{2}\s+<- in your playground/,
    );
    expect(shown.stdout).toMatch(/02-connect-upstash\s+not passed yet/);
    // Every lesson folder counts, a new one without an exercise yet too.
    expect(shown.stdout).toContain(`1 of ${listLessons(LESSONS).length} lessons passed.`);

    // Another lesson's number: the playground does not hold it.
    const other = await box.practice('check', '2');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^The playground holds lesson 1 .*pnpm practice start 2/);
  }, 180_000);

  it('refuses a progress file it cannot read, without overwriting it', async () => {
    const box = sandbox();
    await box.practice('start', '1');
    writeFileSync(box.progressFile, '{ "version": 99 }');
    const run = await box.practice('progress');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/has format version 99; this workshop reads version 1/);
    writeFileSync(box.progressFile, 'not json');
    const hint = await box.practice('hint');
    expect(hint.code).toBe(1);
    expect(hint.stderr).toContain('is not valid JSON');
    expect(readFileSync(box.progressFile, 'utf8')).toBe('not json');
  });
});
