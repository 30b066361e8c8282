// One vitest kept alive for `practice watch` (watch.ts starts it through vitest-run.ts): a save
// re-runs the checkpoints in the same vitest, whose Vite server still holds every module it
// transformed, instead of starting node, vitest, its config and the transforms again (about 3 s
// of CPU per check). Plain JavaScript on purpose: tsx's loader hooks in this process would slow
// every module vitest loads (test-support's config-entry.js says how much).
//
// Run as `node vitest-server.mjs <vitest/node URL> <config>` with an IPC channel, in the folder to
// test. Messages in: {type: 'run', files: [...]} (the files saved since the last run: their
// transforms are dropped first), {type: 'close'}. Out: {type: 'done', code} after each run.
const [vitestNode, config] = process.argv.slice(2);
const { createVitest } = await import(vitestNode);

// watch: false: nothing re-runs by itself, watch.ts says when (its watcher knows --poll), and
// the output is a plain run's, as `pnpm practice check` prints it.
const vitest = await createVitest('test', { config, watch: false });
await vitest.standalone(); // reporters and the global setup, no run yet

let queue = Promise.resolve();

async function run(files) {
  for (const file of files) vitest.invalidateFile(file);
  const specifications = await vitest.globTestSpecifications();
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
      .then(() => run(message.files ?? []))
      .catch((error) => {
        console.error(error instanceof Error ? error.message : String(error));
        return 1;
      })
      .then((code) => process.send?.({ type: 'done', code }));
  } else if (message?.type === 'close') {
    void vitest.close().finally(() => process.exit(0));
  }
});
// The CLI went away without a word (killed): stop with it.
process.on('disconnect', () => {
  void vitest.close().finally(() => process.exit(0));
});
process.send?.({ type: 'ready' });
