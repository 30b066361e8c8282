// Practice mode through the real CLI: watch mode (chokidar), on file system events and polling.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, stopLeftovers } from '../cli.ts';
import { sandbox } from './sandbox.ts';

afterAll(stopLeftovers);

describe('watch --poll', () => {
  it('checks at once, again after a save, on r, and quits on q', async () => {
    const box = sandbox();
    await box.practice('start', '1');
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
  }, 300_000);
});

describe('watch (file system events)', () => {
  it('checks again when a file under src/ is saved', async () => {
    const box = sandbox();
    await box.practice('start', '1');
    const watch = startCli(['practice', 'watch'], box.env);
    await watch.waitFor(/Watching your playground's src\/[^\n]*q: quit/, 120_000);
    const wiki = join(box.playground, 'src/wiki.ts');
    writeFileSync(wiki, `${readFileSync(wiki, 'utf8')}\n// saved\n`);
    await expect
      .poll(() => (watch.output().match(/Checking your playground/g) ?? []).length, {
        timeout: 120_000,
        interval: 200,
      })
      .toBe(2);
    watch.child.stdin?.write('q\n');
    expect(await watch.exited).toBe(0);
  }, 300_000);
});
