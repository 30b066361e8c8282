// One vitest kept alive for `practice watch` (watch.ts starts it through vitest-run.ts), and for
// `pnpm check <n>` while `pnpm stack` runs (check-server.ts): a save or a check
// re-runs the checkpoints in the same vitest, whose Vite server still holds every module it
// transformed, instead of starting node, vitest, its config and the transforms again (about 3 s
// of CPU per check). Plain JavaScript on purpose: tsx's loader hooks in this process would slow
// every module vitest loads (test-support's config-entry.js says how much).
//
// Run as `node vitest-server.mjs <vitest/node URL> <config> <maxWorkers> [<project>]` with an IPC
// channel, in the folder to test. Messages in: {type: 'run', files: [...], filters: [...]} (files:
// the source files to compare, those whose content changed since the last run have their
// transforms dropped first; filters: vitest's path filters, none for every test file),
// {type: 'cancel'} (the current run), {type: 'close'}. Out: {type: 'done', code} after each run.
import { readFileSync } from 'node:fs';
import { closeKeptForks, keptForks } from './kept-forks.mjs';

const [vitestNode, config, maxWorkers, project] = process.argv.slice(2);
// The test stack stays warm too: test-support's global setup, which runs once in this process for
// the whole session, then keeps a PGlite open and lends it to each test file, reset in between
// (test-support's warm-stack.ts), instead of every file opening its own from the template (1.5-3 s
// of CPU each, most of a re-run). pnpm test and pnpm check never set it.
process.env.WORKSHOP_WARM_STACK = '1';
const { createVitest } = await import(vitestNode);

// watch: false: nothing re-runs by itself, watch.ts says when (its watcher knows --poll), and
// the output is a plain run's, as `pnpm practice check` prints it.
// maxWorkers: the checkpoint files run side by side, as in pnpm check (they mostly wait on
// servers, TTLs and rate-limit windows), not one after another.
// pool: vitest's own worker processes, kept from one run to the next (kept-forks.mjs): starting
// them cost about 1 s of CPU each, most of a re-run's.
const vitest = await createVitest('test', {
  config,
  watch: false,
  maxWorkers: Number(maxWorkers) || undefined,
  pool: keptForks,
  ...(project ? { project: [project] } : {}),
});
await vitest.standalone(); // reporters and the global setup, no run yet

let queue = Promise.resolve();

/** Each file's content as the last run saw it. */
const seen = new Map();

async function run(files, filters) {
  // Only the files whose content changed (compared with what the last run read, so a save the
  // watcher missed counts too): an unchanged file's transform is as good as a new one. The
  // workers re-evaluate every module of the folder under test each run (kept-fork-entry.mjs),
  // fetching its transform from here.
  for (const file of files) {
    let content;
    try {
      content = readFileSync(file);
    } catch {
      content = undefined; // deleted
    }
    const before = seen.get(file);
    if (before !== undefined && (content === undefined || !content.equals(before))) {
      vitest.invalidateFile(file);
    }
    if (content === undefined) seen.delete(file);
    else seen.set(file, content);
  }
  const specifications = await vitest.globTestSpecifications(filters);
  const { testModules, unhandledErrors } = await vitest.runTestSpecifications(specifications, true);
  const passed =
    testModules.length > 0 &&
    unhandledErrors.length === 0 &&
    testModules.every((module) => module.ok());
  return passed ? 0 : 1;
}

process.on('message', (message) => {
  if (message?.type === 'run') {
    queue = queue
      .then(() => run(message.files ?? [], message.filters ?? []))
      .catch((error) => {
        console.error(error instanceof Error ? error.message : String(error));
        return 1;
      })
      .then((code) => process.send?.({ type: 'done', code }));
  } else if (message?.type === 'cancel') {
    void vitest.cancelCurrentRun('keyboard-input');
  } else if (message?.type === 'close') {
    void close();
  }
});
// The CLI went away without a word (killed): stop with it.
process.on('disconnect', () => void close());

function close() {
  return vitest
    .close()
    .then(closeKeptForks)
    .finally(() => process.exit(0));
}
process.send?.({ type: 'ready' });
