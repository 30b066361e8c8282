// `pnpm check` while `pnpm stack` runs: the stack keeps a vitest for the checks, the one
// practice watch keeps (practice/vitest-server.mjs), started by the first check and stopped with
// the stack or after IDLE_MS without one. A check then pays for its tests only, not for starting
// vitest (about 0.8 s of CPU), its worker processes (about 1 s each, kept-forks.mjs) and a
// database copied from the template for each test file (one PGlite is kept and reset between
// files instead: test-support's warm-stack.ts).
//
// The checks reach it through a Unix socket in the data folder (a named pipe on Windows), which
// no web page can reach, unlike a port on 127.0.0.1; the stack's lock file says where it is. A
// request names lesson folders, and nothing else runs: only folders of lessons/ are accepted.
// One check at a time, in the order they came. The checking process gets the output as it comes,
// then the exit code; a check whose process went away (Ctrl-C) is cancelled.
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { SAME_CTRL_C_MS } from './child-process.ts';
import { listFiles } from './practice/layout.ts';
import { startVitestServer, type VitestServer } from './vitest-run.ts';
import { type Lesson, listLessons } from './workspace.ts';

/** How long the test runner stays up after a check (its processes hold 0.5-1 GB). */
const IDLE_MS = 10 * 60_000;
/** The longest request line: a few lesson folders. */
const MAX_REQUEST = 4096;

/** What a check sends, one line of JSON. */
export interface CheckRequest {
  /** Lesson folders relative to the repo root, each with a trailing slash (`lessons/03-x/`). */
  filters: string[];
}

/** What the stack answers, one line of JSON each: output as it comes, then the exit code. */
export type CheckReply = { out: string } | { code: number };

export interface CheckServer {
  /** The socket's path (a named pipe's name on Windows), for the lock file. */
  path: string;
  close(): Promise<void>;
}

function socketPath(dataDir: string): string {
  const name = `workshop-check-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\${name}`;
  const inData = join(dataDir, 'check.sock');
  // A Unix socket's path may not be longer than 104-108 bytes.
  return Buffer.byteLength(inData) < 100 ? inData : join(tmpdir(), `${name}.sock`);
}

function listFolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** The source files whose edits a check must see: the lessons' own and the workspace packages'. */
function sourceFiles(root: string, filters: string[]): string[] {
  const folders = [
    ...filters.flatMap((filter) => ['src', 'test'].map((sub) => join(root, filter, sub))),
    ...listFolders(join(root, 'packages')).map((name) => join(root, 'packages', name, 'src')),
  ];
  return folders.flatMap((folder) => listFiles(folder).map((file) => join(folder, file)));
}

/**
 * vitest's path filter for a lesson's folder, as `pnpm check` passes it (the trailing slash: that
 * folder, not every folder whose name starts the same).
 */
export function lessonFilter(root: string, lesson: Lesson): string {
  return `${relative(root, lesson.dir)}/`;
}

/** The request's filters when each names a lesson folder, else undefined. */
function lessonFilters(root: string, line: string): string[] | undefined {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return undefined;
  }
  const filters = (request as Partial<CheckRequest> | null)?.filters;
  if (!Array.isArray(filters) || filters.length === 0) return undefined;
  const lessons = new Set(listLessons(root).map((lesson) => lessonFilter(root, lesson)));
  const folders = filters.map((filter) => (typeof filter === 'string' ? filter : ''));
  return folders.every((folder) => lessons.has(folder)) ? folders : undefined;
}

/** Listens for checks; undefined when it cannot (checks then run on their own, as before). */
export async function startCheckServer(
  root: string,
  dataDir: string,
): Promise<CheckServer | undefined> {
  // Its checks use the embedded test stack, whatever the stack's terminal set for pnpm
  // test:services; a check that sets it runs on its own (commands/check.ts).
  if (process.env.WORKSHOP_TEST_SERVICES !== undefined) return undefined;
  const path = socketPath(dataDir);
  // Left by a stack that was killed: this stack holds the lock, so it is nobody's.
  if (process.platform !== 'win32') rmSync(path, { force: true });

  let runner: VitestServer | undefined;
  let idle: NodeJS.Timeout | undefined;
  let queue = Promise.resolve();
  /** Where the runner's output goes: the socket of the check running now. */
  let sink: ((text: string) => void) | undefined;

  const stopRunner = async () => {
    const stopping = runner;
    runner = undefined;
    await stopping?.close();
  };

  const check = async (socket: Socket, filters: string[]) => {
    if (socket.destroyed) return;
    clearTimeout(idle);
    const send = (reply: CheckReply) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
    };
    runner ??= startVitestServer(root, root, join(root, 'vitest.config.ts'), {
      project: 'main',
      onOutput: (text) => sink?.(text),
    });
    const current = runner;
    sink = (out) => send({ out });
    const cancel = () => current.cancel();
    socket.once('close', cancel);
    try {
      const code = await current.run(sourceFiles(root, filters), filters);
      send({ code });
      socket.end();
    } finally {
      socket.off('close', cancel);
      sink = undefined;
      idle = setTimeout(() => void stopRunner(), IDLE_MS);
      idle.unref();
    }
  };

  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    socket.on('error', () => {}); // a check that went away
    let request = '';
    const onData = (chunk: string) => {
      request += chunk;
      const end = request.indexOf('\n');
      if (end === -1) {
        if (request.length > MAX_REQUEST) socket.destroy();
        return;
      }
      socket.off('data', onData);
      const filters = lessonFilters(root, request.slice(0, end));
      if (!filters) {
        const replies: CheckReply[] = [{ out: 'Not a check request.\n' }, { code: 2 }];
        socket.end(replies.map((reply) => `${JSON.stringify(reply)}\n`).join(''));
        return;
      }
      queue = queue
        .then(() => check(socket, filters))
        .catch(() => {
          socket.destroy();
        });
    };
    socket.on('data', onData);
  });

  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(path, () => resolve(true));
  });
  if (!listening) return undefined;
  // Only this user may connect (a Unix socket is used with write permission).
  if (process.platform !== 'win32') chmodSync(path, 0o600);

  return {
    path,
    async close() {
      clearTimeout(idle);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Checks waiting their turn, and the one running (its runner is closed below).
        for (const socket of sockets) socket.destroy();
      });
      await stopRunner();
      if (process.platform !== 'win32') rmSync(path, { force: true });
    },
  };
}

/**
 * Runs the check in the stack's test runner at `path`, printing its output. Undefined when the
 * stack does not answer (then the check runs on its own); else the exit code, 130 after Ctrl-C.
 */
export function checkThroughStack(
  path: string,
  filters: string[],
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number | undefined> {
  const plain = !process.stdout.isTTY || process.env.NO_COLOR !== undefined;
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.setEncoding('utf8');
    let answered = false;
    let code: number | undefined;
    let buffer = '';
    let interrupted = false;
    // Ctrl-C: closing the socket is what cancels the run in the stack. The listener stays a moment
    // after, for the copy of the same Ctrl-C that pnpm passes on (child-process.ts).
    const onCtrlC = () => {
      interrupted = true;
      socket.destroy();
    };
    process.on('SIGINT', onCtrlC);
    socket.on('connect', () => {
      write('In the test runner `pnpm stack` keeps warm (the first check starts it).\n\n');
      const request: CheckRequest = { filters };
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      answered = true;
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const reply = JSON.parse(buffer.slice(0, end)) as CheckReply;
        buffer = buffer.slice(end + 1);
        // Colors and cursor moves: the runner writes for a terminal, this may not print to one.
        if ('out' in reply) write(plain ? stripVTControlCharacters(reply.out) : reply.out);
        else code = reply.code;
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      setTimeout(() => process.off('SIGINT', onCtrlC), SAME_CTRL_C_MS).unref();
      if (interrupted) {
        resolve(130);
        return;
      }
      if (code !== undefined || !answered) {
        resolve(code);
        return;
      }
      console.error('\nThe stack stopped during the check: run it again.');
      resolve(1);
    });
  });
}
