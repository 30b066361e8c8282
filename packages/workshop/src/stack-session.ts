// One run of the local stack, shared by `workshop stack` and `workshop start`: take the data
// folder's lock, start what is not configured as a real service, print the table, stop cleanly.

import { startCheckServer } from './check-server.ts';
import { SAME_CTRL_C_MS } from './child-process.ts';
import { loadContext, UserError, type WorkshopContext } from './context.ts';
import { localPortsNeeded, type ServiceRow, startLocalServices } from './local-stack.ts';
import { PortInUseError } from './ports.ts';
import { acquireLock, releaseLock, type StackLock, updateLock } from './stack-lock.ts';

export interface LoadedStack {
  context: WorkshopContext;
  rows: ServiceRow[];
  /** False when every service is a real one from .env: nothing runs locally. */
  embedded: boolean;
  stop(): Promise<void>;
}

export function heldMessage(holder: StackLock): string {
  return holder.kind === 'stack'
    ? `The local stack is already running (pid ${holder.pid}): use that one, or stop it with Ctrl-C in its terminal.`
    : `A lesson run (pid ${holder.pid}) is using the embedded services: let it finish, or run \`pnpm stack\` after it.`;
}

export function formatTable(rows: ServiceRow[]): string {
  const cells = [
    ['service', 'where', 'source', ''],
    ...rows.map((row) => [row.service, row.where, row.source, row.note]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((cell) => cell[i]?.length ?? 0)));
  const line = (cell: string[]) =>
    `  ${cell.map((text, i) => text.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  const rule = `  ${'-'.repeat(widths.reduce((sum, w) => sum + w + 2, 0))}`;
  return [line(cells[0] as string[]), rule, ...cells.slice(1).map(line)].join('\n');
}

export async function openStack(env: NodeJS.ProcessEnv = process.env): Promise<LoadedStack> {
  const context = await loadContext(env);
  const { config, dataDir } = context;
  const embedded = localPortsNeeded(config).length > 0;

  const lock: StackLock = {
    pid: process.pid,
    kind: 'stack',
    host: context.ports.host,
    token: context.token,
  };
  if (embedded) {
    const holder = acquireLock(dataDir, lock);
    if (holder) throw new UserError(heldMessage(holder));
  }
  let services: Awaited<ReturnType<typeof startLocalServices>>;
  try {
    services = await startLocalServices({
      root: context.root,
      config,
      ports: context.ports,
      dataDir,
      token: context.token,
      onProgress: (message) => console.log(`  ${message}`),
    });
  } catch (error) {
    if (embedded) releaseLock(dataDir);
    if (error instanceof PortInUseError) throw new UserError(error.message);
    throw error;
  }
  // The stack also keeps a test runner for `pnpm check <n>` (check-server.ts): started by the
  // first check, so a stack nobody checks against costs nothing.
  const checks = embedded ? await startCheckServer(context.root, dataDir) : undefined;
  if (embedded) {
    updateLock(dataDir, { ...lock, ...services.listening, checkSocket: checks?.path });
  }

  console.log(`\n${formatTable(services.rows)}`);
  for (const note of services.notes) console.log(`\n${note}`);
  // From the moment the process started: what the person at the keyboard waited.
  console.log(`\nReady in ${process.uptime().toFixed(1)} s.`);

  let stopped: Promise<void> | undefined;
  return {
    context,
    rows: services.rows,
    embedded,
    stop: () => {
      stopped ??= Promise.all([services.close(), checks?.close()])
        .then(() => {})
        .finally(() => {
          if (embedded) releaseLock(dataDir);
        });
      return stopped;
    },
  };
}

/** Resolves on the first Ctrl-C, SIGTERM or SIGHUP (terminal closed); a second Ctrl-C exits at once. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function waitForStopSignal(
  message = 'Stopping the local stack (saving data)...',
): Promise<NodeJS.Signals> {
  return new Promise((resolvePromise) => {
    const onSignal = (signal: NodeJS.Signals) => {
      const first = Date.now();
      // Added before the first listener goes, and kept until the process exits. SIGINT must have
      // a listener at every moment: without one Node puts back the default action, and a copy of
      // the same Ctrl-C arriving then ends the process mid-save (it did, one stop in three).
      process.on('SIGINT', () => {
        if (Date.now() - first < SAME_CTRL_C_MS) return;
        console.error('Forced stop.');
        process.exit(130);
      });
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
      process.off('message', onMessage);
      console.log(`\n${message} Ctrl-C again to force.`);
      resolvePromise(signal);
    };
    // On Windows a program cannot send Ctrl-C to one other program (kill() ends it at once), so
    // the tests, which start the CLI with an IPC channel there, send 'stop' instead.
    const onMessage = (received: unknown) => {
      if (received === 'stop') onSignal('SIGINT');
    };
    for (const name of STOP_SIGNALS) process.on(name, onSignal);
    if (process.channel) process.on('message', onMessage);
  });
}
