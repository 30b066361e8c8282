// The CLI's routing, help and bad-input messages: no services involved.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT, runCli, tempRoot } from './cli.ts';

const lessonRoot = () =>
  tempRoot({
    'lessons/01-first-steps/README.md': '---\ntitle: First steps\nlesson: 1\n---\n# First steps\n',
    'lessons/01-first-steps/src/main.ts': "console.log('one');\n",
    'lessons/02-second/package.json': '{ "type": "module" }\n',
    'lessons/02-second/src/main.ts': "console.log('two');\n",
  });

describe('workshop CLI', () => {
  it('lists the commands for --help', async () => {
    const run = await runCli(['--help'], cleanEnv());
    expect(run.code).toBe(0);
    for (const command of [
      'start',
      'stack',
      'lesson',
      'check',
      'doctor',
      'practice',
      'new-lesson',
      'test-services',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('answers an unknown command with the list of commands and exit code 1', async () => {
    const run = await runCli(['lessen', '1'], cleanEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Unknown command "lessen"');
    expect(run.stderr).toMatch(/^ {2}lesson /m);
  });

  it('refuses an unknown option or a stray argument, with the usage line', async () => {
    const cases = [
      [['stack', '--prot', '1'], 'workshop stack: unknown option --prot'],
      [['doctor', 'now'], 'workshop doctor: takes no arguments (got now)'],
      [['practice', 'watch', '--pol'], 'workshop practice watch: unknown option --pol'],
      [['practice', 'hint', '2'], 'workshop practice hint: takes no arguments (got 2)'],
      [['new-lesson', 'a', 'b'], 'workshop new-lesson: unexpected argument b'],
    ] as const;
    const runs = await Promise.all(cases.map(([args]) => runCli([...args], cleanEnv())));
    runs.forEach((run, i) => {
      const [args, message] = cases[i] ?? [[], ''];
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toContain(message);
      expect(run.stderr, args.join(' ')).toMatch(/^Usage: workshop /m);
    });
  });

  it('prints the help of each command', async () => {
    const commands = ['stack', 'lesson', 'check', 'doctor', 'start', 'new-lesson', 'test-services'];
    const runs = await Promise.all(
      commands.map((command) => runCli([command, '--help'], cleanEnv())),
    );
    runs.forEach((run, i) => {
      expect(run.code, commands[i]).toBe(0);
      expect(run.stdout, commands[i]).toMatch(new RegExp(`^Usage: workshop ${commands[i]}`));
    });
  });

  it('answers an unknown lesson with the list of lessons', async () => {
    const root = lessonRoot();
    const run = await runCli(['lesson', '7'], cleanEnv({ WORKSHOP_ROOT: root }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('There is no lesson "7"');
    expect(run.stderr).toMatch(/01-first-steps\s+First steps/);
    expect(run.stderr).toMatch(/02-second\s+second/);
  });

  it('takes . for the lesson folder it is run from', async () => {
    const root = lessonRoot();
    const run = await runCli(
      ['lesson', '.'],
      cleanEnv({
        WORKSHOP_ROOT: root,
        // Real services configured: nothing to start for this lesson, which uses none.
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres',
        UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1',
        UPSTASH_REDIS_REST_TOKEN: 'unused',
        VALKEY_URL: 'redis://127.0.0.1:1',
      }),
      join(root, 'lessons/02-second/src'),
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('two\n');
    expect(run.code).toBe(0);
  });

  it('asks which lesson when none is given', async () => {
    const run = await runCli(['lesson'], cleanEnv({ WORKSHOP_ROOT: lessonRoot() }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Which lesson?');
    expect(run.stderr).toContain('01-first-steps');
  });

  it('finds the repo root from any folder below it', async () => {
    const run = await runCli(
      ['lesson', '99'],
      cleanEnv(),
      join(REPO_ROOT, 'packages/workshop/src'),
    );
    expect(run.stderr).toContain('There is no lesson "99"');
    expect(run.stderr).toContain('01-object-store');
  });

  it('says when a lesson has no checkpoint tests', async () => {
    const run = await runCli(['check', '2'], cleanEnv({ WORKSHOP_ROOT: lessonRoot() }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Lesson 02-second has no checkpoint tests yet');
  });

  it('hands practice and all its arguments to practice mode', async () => {
    const run = await runCli(['practice', '--help'], cleanEnv());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: workshop practice <subcommand>/);
    expect(run.stdout).toMatch(/^ {2}start <n> /m); // practice mode's own help, not a summary
  });
});
