// A real Valkey cluster on this machine (lesson 10): six valkey-server processes in cluster mode
// on loopback, three primaries and three replicas, joined by `valkey-cli --cluster create`.
// Never a fake one: without valkey-server there is no cluster, and the error says how to get it.
//
// Nothing is persisted (no RDB, no AOF), so every start is a fresh cluster: a nodes.conf left by
// an earlier run is removed, and so are nodes an earlier, killed run left behind (found through
// the pid lock of @workshop/config, then asked for their data folder before being stopped).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  isProcessAlive,
  readPidLock,
  releasePidLock,
  takePidLock,
  updatePidLock,
} from '@workshop/config';
import type { Redis } from 'iovalkey';
import { failFastOptions } from './fail-fast.ts';

/** Six nodes: the smallest cluster with a replica for every primary (three primaries for a majority). */
export const CLUSTER_SIZE = 6;
/**
 * The first of six consecutive ports when none is given. Not 7000 (the classic cluster ports):
 * macOS's AirPlay Receiver listens there. The cluster bus of each node is its port + 10000.
 */
export const DEFAULT_CLUSTER_PORT = 7101;
/** How long a node may not answer before the others call it failed (and its replica takes over). */
export const DEFAULT_NODE_TIMEOUT_MS = 2000;
const BUS_OFFSET = 10_000;

export interface ValkeyTools {
  server?: string;
  cli?: string;
}

/** A program on the PATH (with Windows' PATHEXT), or undefined. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env) {
  const windows = process.platform === 'win32';
  const extensions = windows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  const path = env.PATH ?? env.Path ?? '';
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const file = join(dir, name + extension);
      try {
        if (statSync(file).isFile()) return file;
      } catch {}
    }
  }
  return undefined;
}

/** valkey-server, and valkey-cli (or redis-cli, which creates clusters the same way). */
export function findValkeyTools(env: NodeJS.ProcessEnv = process.env): ValkeyTools {
  return {
    server: findExecutable('valkey-server', env),
    cli: findExecutable('valkey-cli', env) ?? findExecutable('redis-cli', env),
  };
}

/** One line: what is missing and how to install it on each system learners use. */
export function valkeyMissingMessage(tools: ValkeyTools): string | undefined {
  const missing = [!tools.server && 'valkey-server', !tools.cli && 'valkey-cli'].filter(Boolean);
  if (missing.length === 0) return undefined;
  const what = missing.join(' and ');
  return (
    `${what} ${missing.length > 1 ? 'are' : 'is'} not installed (the cluster of lesson 10 runs real Valkey): ` +
    'macOS `brew install valkey`; Debian 12 `sudo apt install -t bookworm-backports valkey-server` ' +
    '(enable bookworm-backports first), Debian 13 and Ubuntu 24.10+ `sudo apt install valkey-server`; ' +
    'Ubuntu 22.04 and 24.04 have no package: Homebrew on Linux (`brew install valkey`) or a build from source; ' +
    'Windows: install it inside WSL (Ubuntu, as above) and run the workshop there.'
  );
}

export class ValkeyMissingError extends Error {
  override name = 'ValkeyMissingError';
}

/** Another live process runs the cluster of this folder, or a port is taken. */
export class ClusterStartError extends Error {
  override name = 'ClusterStartError';
}

export interface ClusterOptions {
  /**
   * The folder for the nodes' folders and the lock (the CLI uses .data/cluster). Without one, a
   * temporary folder, removed by close().
   */
  dir?: string;
  host?: string;
  /** The first of six consecutive ports; 0 picks six free ones (tests). */
  port?: number;
  nodeTimeoutMs?: number;
  /** How long the whole start may take before it gives up. */
  readyTimeoutMs?: number;
  tools?: ValkeyTools;
  onProgress?: (message: string) => void;
}

export interface ClusterNode {
  host: string;
  port: number;
  busPort: number;
  url: string;
  pid: number;
  dir: string;
  process: ChildProcess;
  /** Set when the program could not be started at all. */
  spawnError?: Error;
}

export interface ClusterNodeRow {
  id: string;
  address: string;
  port: number;
  role: 'primary' | 'replica';
  /** For a replica, the port of its primary. */
  primaryPort?: number;
  slots: string;
  failed: boolean;
}

export interface ValkeyCluster {
  nodes: ClusterNode[];
  /** redis://host:port of every node: any one is enough for a cluster client to find the rest. */
  seeds: string[];
  /** What the cluster says of itself now (CLUSTER NODES of the first node that answers). */
  describe(): Promise<ClusterNodeRow[]>;
  /** Stops every node, removes their folders and the lock. Safe to call twice. */
  close(): Promise<void>;
}

interface ClusterLock {
  host: string;
  ports: number[];
  seeds?: string[];
}

const lockFile = (dir: string) => join(dir, 'cluster.lock.json');

/** The cluster a live process runs from this folder (its ports and seed URLs), if any. */
export function readClusterLock(dir: string) {
  const lock = readPidLock<ClusterLock>(lockFile(dir));
  return lock?.ports ? lock : undefined;
}

/** A short-lived connection to one server (a cluster node, the local Valkey) that fails fast. */
export async function withNode<T>(
  host: string,
  port: number,
  use: (client: Redis) => Promise<T>,
  timeoutMs = 1000,
): Promise<T> {
  // Loaded on the first connection, not with this file: pnpm stack and pnpm lesson import it
  // (findExecutable) and, with a stack already running, never connect (iovalkey: ~0.1 s of CPU).
  const { Redis: Client } = await import('iovalkey');
  const client = new Client({ host, port, ...failFastOptions(timeoutMs) });
  client.on('error', () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** `INFO section` as field -> value. */
async function info(client: Redis, section: string): Promise<Map<string, string>> {
  const text = (await client.call('INFO', section)) as string;
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

/**
 * Six free ports whose bus ports (+10000) are free too, all below the ephemeral range (32768 on
 * Linux, 49152 on macOS and Windows), where no outgoing connection takes one meanwhile.
 */
async function freeClusterPorts(host: string): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < CLUSTER_SIZE; attempt++) {
    if (attempt > 200) throw new ClusterStartError('No six free ports between 20000 and 22700.');
    const port = 20000 + Math.floor(Math.random() * 2700);
    if (ports.includes(port)) continue;
    if ((await canBind(host, port)) && (await canBind(host, port + BUS_OFFSET))) ports.push(port);
  }
  return ports.sort((a, b) => a - b);
}

/** The JSON of a lock file whether or not its owner lives (readPidLock hides a stale one). */
function readRawLock(file: string): (ClusterLock & { pid?: number }) | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Stops the nodes a killed run left on these ports. A node is ours only when its data folder is
 * one of ours: a pid or a port alone may by now belong to something else.
 */
async function stopLeftovers(dir: string, lock: ClusterLock, progress: (m: string) => void) {
  await Promise.all(
    lock.ports.map(async (port) => {
      let pid: number | undefined;
      try {
        pid = await withNode(lock.host, port, async (client) => {
          const [, nodeDir] = (await client.call('CONFIG', 'GET', 'dir')) as [string, string];
          const ours = realpathSync(join(dir, String(port)));
          if (nodeDir !== ours) return undefined;
          return Number((await info(client, 'server')).get('process_id'));
        });
      } catch {
        return; // nothing answers there (or its folder is gone): not a leftover of ours
      }
      if (!pid || !isProcessAlive(pid)) return;
      progress(`stopping node ${port} (pid ${pid}) left behind by an earlier run`);
      try {
        process.kill(pid, 'SIGKILL'); // no data to save: it ran without persistence
      } catch {}
      for (let i = 0; i < 50 && isProcessAlive(pid); i++) await sleep(100);
    }),
  );
}

const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

function runCli(cli: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(cli, args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        const output = `${stdout}${stderr}`.trim().split('\n').slice(-8).join('\n');
        reject(new ClusterStartError(`${cli} ${args.slice(0, 2).join(' ')} failed:\n${output}`));
      } else {
        resolvePromise(stdout);
      }
    });
  });
}

/**
 * Polls until check() is true; the error says what was being waited for. `failed` ends the wait
 * early with its error (a node that exited will not start answering).
 */
async function waitUntil(
  what: string,
  deadline: number,
  check: () => Promise<boolean>,
  failed: () => Error | undefined = () => undefined,
) {
  for (;;) {
    const error = failed();
    if (error) throw error;
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new ClusterStartError(`Timed out waiting for ${what}.`);
    await sleep(100);
  }
}

/** Parses CLUSTER NODES. */
export function parseClusterNodes(text: string): ClusterNodeRow[] {
  const rows: ClusterNodeRow[] = [];
  const portOf = new Map<string, number>();
  const lines = text.trim().split('\n').filter(Boolean);
  const parsed = lines.map((line) => line.trim().split(' '));
  for (const fields of parsed) {
    const port = Number(/:(\d+)@/.exec(fields[1] ?? '')?.[1]);
    portOf.set(fields[0] ?? '', port);
  }
  for (const fields of parsed) {
    const [id = '', address = '', flags = '', primaryId = ''] = fields;
    const flagList = flags.split(',');
    const replica = flagList.includes('slave');
    rows.push({
      id,
      address: address.split('@')[0] ?? address,
      port: portOf.get(id) ?? 0,
      role: replica ? 'replica' : 'primary',
      primaryPort: replica ? portOf.get(primaryId) : undefined,
      slots: fields.slice(8).join(' '),
      failed: flagList.includes('fail') || flagList.includes('fail?'),
    });
  }
  return rows.sort((a, b) => a.port - b.port);
}

/** The table `pnpm stack --cluster` prints. */
export function formatClusterTable(rows: ClusterNodeRow[]): string {
  const cells = [
    ['node', 'port', 'role', 'slots'],
    ...rows.map((row) => [
      row.id.slice(0, 8),
      String(row.port),
      row.role === 'replica' ? `replica of ${row.primaryPort ?? '?'}` : 'primary',
      `${row.slots || '-'}${row.failed ? ' (failed)' : ''}`,
    ]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cells.map((cell) => cell[i]?.length ?? 0)));
  const line = (cell: string[]) =>
    `  ${cell.map((text, i) => text.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  const rule = `  ${'-'.repeat(widths.reduce((sum, w) => sum + w + 2, -2))}`;
  return [line(cells[0] as string[]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Why a node will never answer (it exited, or never started), with the end of its log. */
function exitError(node: ClusterNode): Error | undefined {
  const { exitCode, signalCode } = node.process;
  if (node.spawnError) {
    return new ClusterStartError(`valkey-server could not start: ${node.spawnError.message}`);
  }
  if (exitCode === null && signalCode === null) return undefined;
  return new ClusterStartError(
    `valkey-server on port ${node.port} exited (${exitCode ?? signalCode}); the end of its log:\n${logTail(join(node.dir, 'valkey.log'))}`,
  );
}

async function stopNode(node: ClusterNode): Promise<void> {
  const child = node.process;
  if (node.spawnError || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // SIGTERM: valkey-server shuts down cleanly (and, without persistence, at once). On Windows
  // Node turns any kill() into TerminateProcess, which is just as final.
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts six valkey-server processes in cluster mode, creates the cluster and waits until every
 * node says `cluster_state:ok` and every replica has synced with its primary.
 */
export async function startValkeyCluster(options: ClusterOptions): Promise<ValkeyCluster> {
  const tools = options.tools ?? findValkeyTools();
  const missing = valkeyMissingMessage(tools);
  if (missing || !tools.server || !tools.cli) throw new ValkeyMissingError(missing);
  const { server, cli } = tools;
  const host = options.host ?? '127.0.0.1';
  const progress = options.onProgress ?? (() => {});
  const nodeTimeoutMs = options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'valkey-cluster-'));
  mkdirSync(dir, { recursive: true });

  // A lock whose owner is dead names the ports of the nodes it may have left running.
  const file = lockFile(dir);
  const previous = readRawLock(file);
  const ports =
    options.port === 0
      ? await freeClusterPorts(host)
      : Array.from({ length: CLUSTER_SIZE }, (_, i) => (options.port ?? DEFAULT_CLUSTER_PORT) + i);
  const holder = takePidLock<ClusterLock>(file, { host, ports });
  if (holder) {
    throw new ClusterStartError(
      `A Valkey cluster of this folder is already running (pid ${holder.pid}, ports ${holder.ports?.join(', ')}): use it, or stop it with Ctrl-C in its terminal.`,
    );
  }
  const nodes: ClusterNode[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await Promise.all(nodes.map(stopNode));
      for (const node of nodes) rmSync(node.dir, { recursive: true, force: true });
      releasePidLock(file);
      if (temporary) rmSync(dir, { recursive: true, force: true });
    })();
    return closing;
  };

  try {
    if (previous?.ports && previous.host) await stopLeftovers(dir, previous, progress);

    for (const port of ports) {
      for (const p of [port, port + BUS_OFFSET]) {
        if (!(await canBind(host, p))) {
          throw new ClusterStartError(
            `Port ${p} (Valkey cluster node ${port}${p !== port ? ', its cluster bus' : ''}) is already in use: stop what holds it, or start the cluster on other ports (\`pnpm stack --cluster --port <first>\` or WORKSHOP_CLUSTER_PORT).`,
          );
        }
      }
    }

    progress(`starting ${CLUSTER_SIZE} valkey-server nodes on ports ${ports.join(', ')}`);
    for (const port of ports) {
      const nodeDir = join(dir, String(port));
      // A nodes.conf of an earlier run would make the node rejoin that cluster: start afresh.
      rmSync(nodeDir, { recursive: true, force: true });
      mkdirSync(nodeDir, { recursive: true });
      const log = join(nodeDir, 'valkey.log');
      // biome-ignore format: one option per line reads as a config file
      const args = [
        '--port', String(port),
        '--bind', host,
        '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf',
        '--cluster-port', String(port + BUS_OFFSET),
        '--cluster-node-timeout', String(nodeTimeoutMs),
        '--dir', nodeDir,
        '--save', '',
        '--appendonly', 'no',
        // A replica's first sync starts at once instead of waiting 5 s for other replicas.
        '--repl-diskless-sync-delay', '0',
        '--daemonize', 'no',
        '--logfile', log,
      ];
      const child = spawn(server, args, { cwd: nodeDir, stdio: 'ignore' });
      const node: ClusterNode = {
        host,
        port,
        busPort: port + BUS_OFFSET,
        url: `redis://${host}:${port}`,
        pid: child.pid ?? 0,
        dir: nodeDir,
        process: child,
      };
      child.once('error', (error) => {
        node.spawnError = error;
      });
      nodes.push(node);
    }
    updatePidLock<ClusterLock>(file, { host, ports, seeds: nodes.map((n) => n.url) });

    await Promise.all(
      nodes.map((node) =>
        waitUntil(
          `valkey-server on port ${node.port} to answer`,
          deadline,
          () => withNode(host, node.port, async (c) => (await c.ping()) === 'PONG'),
          () => exitError(node),
        ),
      ),
    );

    progress(
      `creating the cluster: ${cli.replace(/.*[\\/]/, '')} --cluster create ... --cluster-replicas 1`,
    );
    await runCli(
      cli,
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `${host}:${n.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      Math.max(1000, deadline - Date.now()),
    );

    progress('waiting for cluster_state:ok on every node and the replicas to sync');
    for (const node of nodes) {
      await waitUntil(
        `cluster_state:ok on node ${node.port}`,
        deadline,
        () =>
          withNode(host, node.port, async (c) => {
            const state = (await c.call('CLUSTER', 'INFO')) as string;
            if (!/^cluster_state:ok\r?$/m.test(state)) return false;
            const replication = await info(c, 'replication');
            return (
              replication.get('role') === 'master' || replication.get('master_link_status') === 'up'
            );
          }),
        () => exitError(node),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }

  const describe = async () => {
    for (const node of nodes) {
      try {
        return parseClusterNodes(
          await withNode(
            host,
            node.port,
            async (c) => (await c.call('CLUSTER', 'NODES')) as string,
          ),
        );
      } catch {}
    }
    throw new Error('No node of the cluster answers.');
  };
  return { nodes, seeds: nodes.map((n) => n.url), describe, close };
}
