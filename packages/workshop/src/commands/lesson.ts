import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runForeground, tsxArgs } from '../child-process.ts';
import { loadContext, UserError } from '../context.ts';
import {
  configForStack,
  findRunningStack,
  type LocalServices,
  serviceEnv,
  startLocalServices,
} from '../local-stack.ts';
import { acquireLock, releaseLock, updateLock } from '../stack-lock.ts';
import { heldMessage } from '../stack-session.ts';
import { findLesson, findRepoRoot, type Lesson, lessonList, listLessons } from '../workspace.ts';

export const help = `Usage: workshop lesson <n> [args...]   (pnpm lesson <n>)

Runs lessons/NN-*/src/main.ts with tsx (extra args are passed on). <n> is 1, 01 or 01-object-store.
The lesson uses the services configured in .env; for those that are not, it uses the local stack
if \`pnpm stack\` runs in another terminal, or starts the embedded services for this run only.`;

export function resolveLesson(root: string, query: string | undefined): Lesson {
  const lessons = listLessons(root);
  if (query === undefined) {
    throw new UserError(
      `Which lesson? Usage: pnpm lesson <n>. The lessons:\n${lessonList(lessons)}`,
    );
  }
  const lesson = findLesson(lessons, query);
  if (!lesson) {
    throw new UserError(`There is no lesson "${query}". The lessons:\n${lessonList(lessons)}`);
  }
  return lesson;
}

export async function run(args: string[]): Promise<number> {
  const root = findRepoRoot();
  const lesson = resolveLesson(root, args[0]);
  const entry = join(lesson.dir, 'src', 'main.ts');
  if (!existsSync(entry)) {
    throw new UserError(
      `${relative(root, entry)} does not exist: lesson ${lesson.name} has no entry point yet.`,
    );
  }

  const context = await loadContext();
  const { config, dataDir } = context;
  let actual = config;
  let services: LocalServices | undefined;
  const needsLocal =
    config.databaseSource === 'embedded' ||
    config.upstash.source === 'local' ||
    config.valkeySource === 'local';

  if (needsLocal) {
    const stack = await findRunningStack(dataDir);
    if (stack) {
      actual = configForStack(config, stack);
    } else {
      const lock = { pid: process.pid, kind: 'lesson' as const, host: context.ports.host };
      const holder = acquireLock(dataDir, lock);
      if (holder) throw new UserError(heldMessage(holder));
      try {
        if (
          !existsSync(join(dataDir, 'postgres', 'PG_VERSION')) &&
          config.databaseSource === 'embedded'
        ) {
          console.error(
            'First run: creating the embedded Postgres database (takes a few seconds)...',
          );
        }
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
        actual = services.config;
      } catch (error) {
        releaseLock(dataDir);
        throw error;
      }
    }
  }

  try {
    const { exit } = runForeground(process.execPath, [...tsxArgs(entry), ...args.slice(1)], {
      cwd: lesson.dir,
      env: { ...process.env, ...serviceEnv(actual, config) },
    });
    return await exit;
  } finally {
    if (services) {
      await services.close();
      releaseLock(dataDir);
    }
  }
}
