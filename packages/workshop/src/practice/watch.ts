// `practice watch`: the check again on every save, through chokidar (the file system's events;
// with `--poll`, its polling mode, for WSL, network drives and editors whose saves the events
// miss). Enter or `r` re-runs by hand, `q` (or Ctrl-C) quits. One vitest stays up for the whole
// session (vitest-server.mjs), with the test stack its global setup keeps warm (a PGlite reset
// between files, test-support's warm-stack.ts) and its worker processes (kept-forks.mjs): a
// re-run pays for the tests, not for starting vitest, its workers or a PGlite per test file.
import { join } from 'node:path';
import { watch } from 'chokidar';
import { startVitestServer } from '../vitest-run.ts';
import type { Lesson } from '../workspace.ts';
import { checkPlayground } from './check.ts';
import { listFiles, type Practice } from './layout.ts';

export interface WatchOptions {
  poll: boolean;
  /** ms between polls (tests use less). */
  pollInterval?: number;
}

export async function watchPlayground(
  practice: Practice,
  lesson: Lesson,
  options: WatchOptions,
): Promise<number> {
  const src = join(practice.playground, 'src');
  let running = false;
  let again = false;
  let stopped = false;
  const abort = new AbortController();
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolvePromise) => {
    finish = resolvePromise;
  });

  const tests = startVitestServer(
    practice.root,
    practice.playground,
    join(practice.playground, 'vitest.config.ts'),
  );
  // Every file of src/ and test/: the server transforms again those whose content changed, by a
  // save the watcher saw or not (r), so the run sees it.
  const runTests = () =>
    tests.run(
      ['src', 'test'].flatMap((sub) =>
        listFiles(join(practice.playground, sub)).map((file) =>
          join(practice.playground, sub, file),
        ),
      ),
    );

  const help = `\nWatching ${options.poll ? '(polling every second) ' : ''}your playground's src/. Enter or r: check again, q: quit.`;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      await checkPlayground(practice, lesson, [], abort.signal, runTests).catch(
        (error: unknown) => {
          console.error(error instanceof Error ? error.message : String(error));
        },
      );
    } while (again && !stopped);
    running = false;
    if (!stopped) console.log(help);
  };

  let debounce: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(debounce);
    // An editor's save is often several writes: wait for them to settle.
    debounce = setTimeout(() => void run(), 150);
  };

  const watcher = watch(src, {
    ignoreInitial: true,
    usePolling: options.poll,
    interval: options.pollInterval ?? 1000,
  });
  watcher.on('all', changed);
  watcher.on('error', (error) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`Watching files failed (${message}). Try: pnpm practice watch --poll`);
    stop(1);
  });

  const stdin = process.stdin;
  // Raw mode (a terminal) sends each key as it is pressed; a pipe sends whole lines.
  const onKey = (chunk: Buffer) => {
    const keys = [...chunk.toString()];
    // q, Ctrl-C, Ctrl-D quit; r or Enter checks again.
    if (keys.some((key) => ['q', '\u0003', '\u0004'].includes(key))) stop(0);
    else if (keys.some((key) => ['r', '\r', '\n'].includes(key))) void run();
  };
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.on('data', onKey);
  // Ctrl-C when stdin is not a terminal (in one, raw mode makes it a key, above). Kept until the
  // process exits: pnpm passes its own copy of the same Ctrl-C on, and with no listener left that
  // copy would end the process before vitest has closed.
  const onSignal = () => stop(0);
  process.on('SIGINT', onSignal);

  function stop(code: number) {
    if (stopped) return;
    stopped = true;
    clearTimeout(debounce);
    void watcher.close();
    abort.abort(); // a check still running stops with us
    void tests.close().finally(() => finish(code));
    stdin.off('data', onKey);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
  }

  await run();
  return done;
}
