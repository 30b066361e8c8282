import { join } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import {
  ClusterStartError,
  DEFAULT_CLUSTER_PORT,
  formatClusterTable,
  startValkeyCluster,
  ValkeyMissingError,
} from '../cluster.ts';
import { UserError } from '../context.ts';
import { type LoadedStack, openStack, waitForStopSignal } from '../stack-session.ts';
import { dataDir, findRepoRoot } from '../workspace.ts';

export const help = `Usage: workshop stack [--cluster [--port <first>]]   (pnpm stack)

Runs the local stack until Ctrl-C: embedded Postgres (PGlite over the Postgres protocol), the
local kv-server (Upstash REST, the workshop's own engine) and, for VALKEY_URL, a valkey-server
of its own when one is installed (nothing saved; else the engine serves that port too, and a
line says so), on the ports in .env.example. Services set in .env (DATABASE_URL,
UPSTASH_REDIS_REST_URL/_TOKEN, VALKEY_URL) are shown as real instead. Data is kept in .data/
(WORKSHOP_DATA_DIR overrides it), so articles and REST keys survive a restart.

Options:
  --cluster        instead, a real Valkey cluster (lesson 10) until Ctrl-C: six valkey-server
                   processes (three primaries, three replicas) on ports ${DEFAULT_CLUSTER_PORT}-${DEFAULT_CLUSTER_PORT + 5}, their cluster
                   bus on the port + 10000, folders in .data/cluster/, nothing persisted. Needs
                   valkey-server and valkey-cli installed (\`pnpm run doctor\` says how).
  --port <first>   the cluster's first port (six consecutive ones); 0 picks free ones

Environment: WORKSHOP_POSTGRES_PORT, WORKSHOP_REST_PORT, WORKSHOP_RESP_PORT override the ports;
WORKSHOP_CLUSTER_PORT the cluster's first port; WORKSHOP_VALKEY=engine keeps the engine on the
VALKEY_URL port even when valkey-server is installed.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    command: 'workshop stack',
    help,
    options: { cluster: { type: 'boolean' }, port: { type: 'string' } },
  });
  if (values.cluster) return runCluster(values.port ?? process.env.WORKSHOP_CLUSTER_PORT);
  if (values.port !== undefined) {
    throw new UserError(
      "workshop stack: --port is for --cluster; the stack's ports are set with WORKSHOP_*_PORT.",
    );
  }
  // Listen for Ctrl-C from the start: one pressed during a (first, slow) start stops it cleanly.
  const stopSignal = waitForStopSignal();
  const stack: LoadedStack = await openStack();
  if (!stack.embedded) {
    console.log('Every service is a real one from .env: nothing to run locally.');
    return 0;
  }
  console.log('Press Ctrl-C to stop the local stack.');
  await stopSignal;
  await stack.stop();
  return 0;
}

function clusterPort(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_CLUSTER_PORT;
  const port = Number(raw);
  // The last node's cluster bus (port + 5 + 10000) must be a port too.
  if (!/^\d+$/.test(raw.trim()) || (port !== 0 && (port < 1024 || port > 55530))) {
    throw new UserError(
      `The cluster's first port must be a number from 1024 to 55530 (its six nodes and their cluster bus at +10000 must fit), or 0 for free ones; got ${raw}.`,
    );
  }
  return port;
}

async function runCluster(rawPort: string | undefined): Promise<number> {
  const port = clusterPort(rawPort);
  const stopSignal = waitForStopSignal('Stopping the Valkey cluster...');
  let closing = false;
  let cluster: Awaited<ReturnType<typeof startValkeyCluster>>;
  try {
    cluster = await startValkeyCluster({
      dir: join(dataDir(findRepoRoot()), 'cluster'),
      port,
      onProgress: (message) => console.log(`  ${message}`),
    });
  } catch (error) {
    if (error instanceof ValkeyMissingError || error instanceof ClusterStartError) {
      throw new UserError(error.message);
    }
    throw error;
  }
  for (const node of cluster.nodes) {
    // Killing a primary is lesson 10's failover demo: say so, and keep the others running.
    node.process.once('exit', (code, signal) => {
      if (closing) return;
      console.log(
        `\nNode ${node.port} (pid ${node.pid}) stopped (${signal ?? `exit code ${code}`}); if it was a primary, its replica takes over once the others agree it failed.`,
      );
    });
  }
  console.log(`\n${formatClusterTable(await cluster.describe())}`);
  console.log(`\nSeed nodes for a cluster client: ${cluster.seeds.join(' ')}`);
  console.log(`Ready in ${process.uptime().toFixed(1)} s. Press Ctrl-C to stop the cluster.`);
  await stopSignal;
  closing = true;
  await cluster.close();
  return 0;
}
