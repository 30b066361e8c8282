// `practice watch`: the check again on every save. fs.watch by default; `--poll` compares the
// files' size and mtime every second instead, for WSL, network drives and editors whose saves
// fs.watch misses. Enter or `r` re-runs by hand, `q` (or Ctrl-C) quits.
import { type FSWatcher, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../workspace.ts';
import { checkPlayground } from './check.ts';
import { listFiles, type Practice } from './layout.ts';

export interface WatchOptions {
  poll: boolean;
  /** ms between polls (tests use less). */
  pollInterval?: number;
}

/** size:mtime of every file under src/: any save changes it. */
function signature(dir: string): string {
  return listFiles(dir)
    .map((file) => {
      try {
        const stat = statSync(join(dir, file));
        return `${file}:${stat.size}:${stat.mtimeMs}`;
      } catch {
        return `${file}:gone`; // removed between the listing and the stat
      }
    })
    .join('\n');
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

  const help = `\nWatching ${options.poll ? '(polling every second) ' : ''}your playground's src/. Enter or r: check again, q: quit.`;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    do {
      again = false;
      await checkPlayground(practice, lesson, [], abort.signal).catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
      });
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

  let watcher: FSWatcher | undefined;
  let poller: NodeJS.Timeout | undefined;
  if (options.poll) {
    let last = signature(src);
    poller = setInterval(() => {
      const now = signature(src);
      if (now !== last) {
        last = now;
        changed();
      }
    }, options.pollInterval ?? 1000);
  } else {
    watcher = watch(src, { recursive: true }, changed);
    watcher.on('error', (error) => {
      console.error(`Watching files failed (${error.message}). Try: pnpm practice watch --poll`);
      stop(1);
    });
  }

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
  const onSignal = () => stop(0);
  process.once('SIGINT', onSignal);

  function stop(code: number) {
    if (stopped) return;
    stopped = true;
    clearTimeout(debounce);
    clearInterval(poller);
    watcher?.close();
    abort.abort(); // a check still running stops with us
    stdin.off('data', onKey);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    process.off('SIGINT', onSignal);
    finish(code);
  }

  await run();
  return done;
}
