// One run of the local stack, shared by `workshop stack` and `workshop start`: take the data
// folder's lock, start what is not configured as a real service, print the table, stop cleanly.
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
  const header: ServiceRow = {
    service: 'service',
    where: 'where',
    source: 'source' as 'real',
    note: '',
  };
  const all = [header, ...rows];
  const width = (pick: (row: ServiceRow) => string) => Math.max(...all.map((r) => pick(r).length));
  const ws = width((r) => r.service);
  const ww = width((r) => r.where);
  const wsrc = width((r) => r.source);
  const line = (r: ServiceRow) =>
    `  ${r.service.padEnd(ws)}  ${r.where.padEnd(ww)}  ${r.source.padEnd(wsrc)}  ${r.note}`.trimEnd();
  return [line(header), `  ${'-'.repeat(ws + ww + wsrc + 6)}`, ...rows.map(line)].join('\n');
}

export async function openStack(env: NodeJS.ProcessEnv = process.env): Promise<LoadedStack> {
  const startedAt = performance.now();
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
  if (embedded) updateLock(dataDir, { ...lock, ...services.listening });

  console.log(`\n${formatTable(services.rows)}`);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(`\nReady in ${seconds} s.`);

  let stopped: Promise<void> | undefined;
  return {
    context,
    rows: services.rows,
    embedded,
    stop: () => {
      stopped ??= services.close().finally(() => {
        if (embedded) releaseLock(dataDir);
      });
      return stopped;
    },
  };
}

/** Resolves on the first Ctrl-C, SIGTERM or SIGHUP (terminal closed); a second Ctrl-C exits at once. */
const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolvePromise) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
      console.log('\nStopping the local stack (saving data)... Ctrl-C again to force.');
      process.once('SIGINT', () => {
        console.error('Forced stop.');
        process.exit(130);
      });
      resolvePromise(signal);
    };
    for (const name of STOP_SIGNALS) process.on(name, onSignal);
  });
}
