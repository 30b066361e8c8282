// A vitest worker process that outlives its run (kept-forks.mjs says why). Run as
// `node kept-fork-entry.mjs <vitest's workers/forks.js> <the folder under test>`.
//
// vitest's worker reads its requests from process.on('message'). While it loads, that one
// listener is taken aside, so requests pass through here first:
// - the end of a run's "stop" is answered here, and the worker is not torn down;
// - a later run's "start" is answered here too: the worker's runtime, environment and the
//   modules it loaded are still there;
// - before each "run", every module of the folder under test is forgotten, so the learner's
//   edits and the test files are evaluated afresh. The workspace packages and node_modules stay
//   loaded, as they do between the files of one run.
import { pathToFileURL } from 'node:url';

const [forksEntry, folder] = process.argv.slice(2);
// With forward slashes, as vitest and Vite write paths on every system; on Windows in one case
// too (a drive letter may come either way).
const slashed = (path) => {
  const forward = path.replaceAll('\\', '/');
  return process.platform === 'win32' ? forward.toLowerCase() : forward;
};
const ownFolder = slashed(folder).replace(/\/?$/, '/');

const vitestListeners = [];
const processOn = process.on;
const processOff = process.off;
const processRemoveAllListeners = process.removeAllListeners;
process.on = function on(event, listener) {
  if (event === 'message') {
    vitestListeners.push(listener);
    return this;
  }
  return processOn.call(this, event, listener);
};
process.off = function off(event, listener) {
  if (event === 'message') {
    const index = vitestListeners.indexOf(listener);
    if (index !== -1) vitestListeners.splice(index, 1);
    return this;
  }
  return processOff.call(this, event, listener);
};
process.removeAllListeners = function removeAllListeners(...args) {
  if (args[0] === 'message') {
    vitestListeners.length = 0;
    return this;
  }
  return processRemoveAllListeners.apply(this, args);
};
try {
  await import(pathToFileURL(forksEntry).href);
} finally {
  process.on = processOn;
  process.off = processOff;
  process.removeAllListeners = processRemoveAllListeners;
}

const response = (type) => ({ type, __vitest_worker_response__: true });
/**
 * A process whose heap has grown past this is stopped rather than kept: memory that a test or
 * the code under test holds on to (a timer's closure, a global) would otherwise pile up run after
 * run. After a lesson's checkpoints a worker's whole process is 100-160 MB.
 */
const KEEP_HEAP_LIMIT = 512 * 1024 * 1024;
let runtimeStarted = false;

/** vitest's modules of this process (vitest 4's worker state), when it has them as expected. */
function evaluatedModules() {
  const modules = globalThis.__vitest_worker__?.evaluatedModules;
  return modules?.idToModuleMap instanceof Map && typeof modules.invalidateModule === 'function'
    ? modules
    : undefined;
}

function forgetOwnModules() {
  const modules = evaluatedModules();
  if (!modules) return;
  for (const node of modules.idToModuleMap.values()) {
    const file = slashed(node.file ?? '');
    if (file.startsWith(ownFolder) && !file.includes('/node_modules/')) {
      modules.invalidateModule(node);
    }
  }
}

process.on('message', (message) => {
  if (message?.__vitest_worker_request__ === true) {
    // Kept only while its modules can be forgotten before the next run (a vitest whose worker
    // state differs is stopped as usual, and the next run forks a new process), and while its heap
    // is a worker's usual size.
    const small = process.memoryUsage().heapUsed < KEEP_HEAP_LIMIT;
    if (message.type === 'stop' && evaluatedModules() && small) {
      process.send({ ...response('stopped'), kept: true });
      return;
    }
    if (message.type === 'start') {
      if (runtimeStarted) {
        process.env.VITEST_POOL_ID = String(message.poolId);
        process.env.VITEST_WORKER_ID = String(message.workerId);
        process.send(response('started'));
        return;
      }
      runtimeStarted = true;
    }
    if (message.type === 'run' || message.type === 'collect') forgetOwnModules();
  }
  for (const listener of [...vitestListeners]) listener(message);
});
// The vitest that started it went away: nothing else will.
process.on('disconnect', () => process.exit(0));
