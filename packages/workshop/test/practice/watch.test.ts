// Practice mode through the real CLI: watch mode (chokidar), on file system events and polling.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, stopLeftovers } from '../cli.ts';
import { lessonDir, sandbox, withoutRegions } from './sandbox.ts';

afterAll(stopLeftovers);

describe('watch --poll', () => {
  it('checks at once, again after a save, on r, and quits on q', async () => {
    const box = sandbox();
    await box.practice('start', '1');
    // This test is about when watch checks, not what: the playground's vitest config (which a
    // check leaves as it is) is narrowed to the checkpoint file that needs no services, without
    // the global setup that opens the warm stack's database for the others, so each of the three
    // checks takes a second or two. The next test runs them all, on the warm stack.
    writeFileSync(
      join(box.playground, 'vitest.config.ts'),
      [
        "import { defineProject } from '@workshop/test-support';",
        'const config = defineProject(import.meta.url);',
        'export default {',
        '  ...config,',
        "  test: { ...config.test, include: ['test/store.test.ts'], globalSetup: [] },",
        '};',
        '',
      ].join('\n'),
    );
    const watch = startCli(['practice', 'watch', '--poll'], box.env);
    await watch.waitFor(/Watching \(polling every second\)[^\n]*q: quit/, 120_000);
    const runs = () => (watch.output().match(/Checking your playground/g) ?? []).length;
    expect(runs()).toBe(1);

    const store = join(box.playground, 'src/store.ts');
    writeFileSync(store, `${readFileSync(store, 'utf8')}\n// saved\n`);
    await expect.poll(runs, { timeout: 120_000, interval: 200 }).toBe(2);
    await expect
      .poll(() => watch.output().split('q: quit').length - 1, { timeout: 120_000 })
      .toBe(2);

    watch.child.stdin?.write('r');
    await expect.poll(runs, { timeout: 120_000, interval: 200 }).toBe(3);
    await expect
      .poll(() => watch.output().split('q: quit').length - 1, { timeout: 120_000 })
      .toBe(3);

    watch.child.stdin?.write('q');
    expect(await watch.exited).toBe(0);
    expect(watch.output()).toContain('store.test.ts');
    expect(watch.output()).not.toContain('wiki.test.ts');
  }, 300_000);
});

describe('watch (file system events)', () => {
  it('checks again when a file under src/ is saved, runs the code as saved, and stops on Ctrl-C', async () => {
    const box = sandbox();
    await box.practice('start', '1');
    const watch = startCli(['practice', 'watch'], box.env);
    await watch.waitFor(/Watching your playground's src\/[^\n]*q: quit/, 120_000);
    // The starting state fails its checkpoints.
    expect(watch.output()).toContain('Not there yet');
    expect(watch.output()).not.toContain('checks out');

    // The solution saved over it: the vitest kept running between checks must run the new
    // code, not the modules it transformed for the first check.
    const solution = lessonDir('01-object-store');
    for (const file of readdirSync(join(solution, 'src'))) {
      const text = withoutRegions(readFileSync(join(solution, 'src', file), 'utf8'));
      writeFileSync(join(box.playground, 'src', file), text);
    }
    await watch.waitFor(/Lesson 1 checks out/, 120_000);
    expect((watch.output().match(/Checking your playground/g) ?? []).length).toBeGreaterThan(1);
    if (process.platform === 'win32') {
      watch.child.stdin?.write('q\n');
    } else {
      // Ctrl-C with stdin not a terminal: a signal, and twice, as a terminal's and pnpm's copy.
      watch.child.kill('SIGINT');
      setTimeout(() => watch.child.kill('SIGINT'), 5);
    }
    expect(await watch.exited, watch.output()).toBe(0);
  }, 300_000);
});
