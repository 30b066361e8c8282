import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runForeground, tsxArgs } from '../child-process.ts';
import { loadContext, UserError } from '../context.ts';
import { clusterForLesson, type LessonCluster } from '../lesson-cluster.ts';
import {
  configForStack,
  findRunningStack,
  type LocalServices,
  localPortsNeeded,
  serviceEnv,
  startLocalServices,
} from '../local-stack.ts';
import { resolveLesson } from '../resolve-lesson.ts';
import { acquireLock, releaseLock, type StackLock, updateLock } from '../stack-lock.ts';
import { heldMessage } from '../stack-session.ts';
import { findRepoRoot } from '../workspace.ts';

export const help = `Usage: workshop lesson <n> [--web [--port <p>]] [args...]   (pnpm lesson <n>)

Runs lessons/NN-*/src/main.ts with tsx (extra args are passed on). <n> is 1, 01, 01-object-store,
or . for the lesson folder you are in.
--web serves the lesson's wiki in the browser instead (http://localhost:3000, or the next free
port; --port picks one), with x-cache and Server-Timing headers on every page.
The lesson uses the services configured in .env; for those that are not, it uses the local stack
if \`pnpm stack\` runs in another terminal, or starts the embedded services for this run only.`;

/** The app's dependencies, for lesson-gate.ts to load while the services start. */
function dependencies(dir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return Object.keys(pkg.dependencies ?? {}).join(',');
  } catch {
    return '';
  }
}

export async function run(args: string[]): Promise<number> {
  const root = findRepoRoot();
  const lesson = resolveLesson(root, args[0]);
  const rest = args.slice(1);
  if (rest.includes('--web')) {
    return runApp(
      root,
      lesson.dir,
      rest.filter((arg) => arg !== '--web'),
      WEB_ENTRY,
    );
  }
  return runApp(root, lesson.dir, rest);
}

/**
 * The lock names a live stack that findRunningStack could not reach. Its data folder is still
 * taken (two Postgres on one folder would corrupt it), so say what to do instead of "use that
 * one": a stack still starting, a stuck one, or a pid reused by another program since.
 */
function notAnswering(holder: StackLock, dataDir: string): string | undefined {
  if (holder.kind !== 'stack' || holder.restPort === undefined) return undefined;
  const lockFile = join(dataDir, 'stack.lock.json');
  return (
    `The local stack (pid ${holder.pid}, in ${lockFile}) does not answer on port ${holder.restPort}. ` +
    `If it is still starting, run this again once it prints "Ready"; if it is stuck, stop it ` +
    `(Ctrl-C in its terminal, or kill ${holder.pid}); if pid ${holder.pid} is not a stack at all, delete that file.`
  );
}

/** `--web`: the web front (packages/web) over the app in the folder, instead of its main.ts. */
export const WEB_ENTRY = fileURLToPath(new URL('../../../web/src/serve.ts', import.meta.url));

/**
 * Runs `<dir>/src/main.ts` (a lesson's, or the practice playground's) with its services: those
 * configured in .env, else a running local stack, else embedded ones started for this run.
 */
export async function runApp(
  root: string,
  dir: string,
  args: string[],
  webEntry?: string,
): Promise<number> {
  // The app's own entry point must exist even for --web, whose server imports src/web.ts.
  const entry = join(dir, 'src', webEntry ? 'web.ts' : 'main.ts');
  if (!existsSync(entry)) {
    throw new UserError(`${relative(root, entry)} does not exist: there is no entry point to run.`);
  }

  // The lesson's process starts now and waits (lesson-gate.ts) for its services' addresses.
  const gate = new URL('../lesson-gate.ts', import.meta.url).href;
  const { child, exit } = runForeground(
    process.execPath,
    [...tsxArgs(webEntry ?? entry, [gate]), ...args],
    {
      cwd: dir,
      env: { ...process.env, WORKSHOP_LESSON_PRELOAD: dependencies(dir) },
      ipc: true,
    },
  );
  let services: LocalServices | undefined;
  let dataDir: string | undefined;
  let cluster: Promise<LessonCluster | undefined> | undefined;
  try {
    const context = await loadContext();
    const { config } = context;
    dataDir = context.dataDir;
    // Lesson 10's Valkey cluster starts alongside the other services (see lesson-cluster.ts).
    cluster = clusterForLesson(dir, dataDir, (message) => console.error(`  ${message}`));
    cluster.catch(() => {}); // awaited below; an error must not go unhandled meanwhile
    let actual = config;
    if (localPortsNeeded(config).length > 0) {
      const stack = await findRunningStack(dataDir, context.ports, context.token);
      if (stack) {
        actual = configForStack(config, stack);
      } else {
        const lock = { pid: process.pid, kind: 'lesson' as const, host: context.ports.host };
        const holder = acquireLock(dataDir, lock);
        if (holder) throw new UserError(notAnswering(holder, dataDir) ?? heldMessage(holder));
        services = await startLocalServices({
          root,
          config,
          ports: context.ports,
          dataDir,
          token: context.token,
          anyPortIfBusy: true,
          onProgress: (message) => console.error(`  ${message}`),
        });
        updateLock(dataDir, { ...lock, ...services.listening });
        for (const note of services.notes) console.error(`  ${note}`);
        actual = services.config;
      }
    }
    const clusterEnv = (await cluster)?.env;
    if (child.connected) child.send({ ...serviceEnv(actual, config), ...clusterEnv });
    return await exit;
  } catch (error) {
    child.kill('SIGTERM');
    await exit.catch(() => {});
    throw error;
  } finally {
    await services?.close();
    await (await cluster?.catch(() => undefined))?.close();
    if (dataDir) releaseLock(dataDir); // only if it is ours
  }
}
