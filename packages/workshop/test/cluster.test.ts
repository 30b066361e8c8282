// A real six-node Valkey cluster (lesson 10's ground): started on free ports, used through
// iovalkey's Cluster client and a plain client, a primary killed for a failover, and
// `workshop stack --cluster` stopped by Ctrl-C and recovered after a crash.
// Needs valkey-server and valkey-cli: skipped with the reason when they are missing locally,
// never in CI (except on Windows, where Valkey runs only inside WSL).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Cluster, Redis } from 'iovalkey';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterNodeRow,
  findValkeyTools,
  startValkeyCluster,
  type ValkeyCluster,
  valkeyMissingMessage,
} from '../src/cluster.ts';
import {
  cleanEnv,
  interrupt,
  isRunning,
  runCli,
  startCli,
  stopLeftovers,
  temporaryFolder,
} from './cli.ts';

const missing = valkeyMissingMessage(findValkeyTools());
const required = Boolean(process.env.CI) && process.platform !== 'win32';
// The cluster uses none of the real services (pnpm test:services leaves this project out).
const skip = missing !== undefined && !required;
if (skip) console.warn(`Skipping the Valkey cluster tests: ${missing}`);

// Real processes on a shared 2-core machine: generous bounds, so a busy moment is not a failure.
const SLOW = { timeout: 60_000 };

afterEach(stopLeftovers);

const plain = (port: number) =>
  new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });

async function clusterInfo(port: number): Promise<string> {
  const client = plain(port);
  try {
    await client.connect();
    return (await client.call('CLUSTER', 'INFO')) as string;
  } finally {
    client.disconnect();
  }
}

/** Whether `slot` is within a CLUSTER NODES slot list such as "0-5460 5462". */
function owns(row: ClusterNodeRow, slot: number): boolean {
  return row.slots.split(' ').some((range) => {
    const [from, to = from] = range.split('-').map(Number);
    return from !== undefined && to !== undefined && slot >= from && slot <= to;
  });
}

describe.skipIf(skip)('a real Valkey cluster', SLOW, () => {
  let cluster: ValkeyCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startValkeyCluster({ dir: temporaryFolder('workshop-cluster-'), port: 0 });
    client = new Cluster(
      cluster.nodes.map(({ host, port }) => ({ host, port })),
      { clusterRetryStrategy: () => 100 },
    );
    client.on('error', () => {}); // a node killed on purpose below
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await cluster?.close();
  });

  it('has three primaries covering the 16384 slots, a replica each, cluster_state:ok everywhere', async () => {
    for (const node of cluster.nodes) {
      expect(await clusterInfo(node.port), `node ${node.port}`).toMatch(/^cluster_state:ok\r$/m);
    }
    const rows = await cluster.describe();
    const primaries = rows.filter((row) => row.role === 'primary');
    expect(primaries).toHaveLength(3);
    expect(
      rows
        .filter((row) => row.role === 'replica')
        .map((row) => row.primaryPort)
        .sort(),
    ).toEqual(primaries.map((row) => row.port).sort());
    for (const slot of [0, 5460, 5461, 10922, 10923, 16383]) {
      expect(
        primaries.filter((row) => owns(row, slot)),
        `slot ${slot}`,
      ).toHaveLength(1);
    }
  });

  it("sets and gets keys across every primary through iovalkey's Cluster client", async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `article:${i}`);
    await Promise.all(keys.map((key, i) => client.set(key, `body ${i}`)));
    expect(await Promise.all(keys.map((key) => client.get(key)))).toEqual(
      keys.map((_, i) => `body ${i}`),
    );
    const primaries = (await cluster.describe()).filter((row) => row.role === 'primary');
    for (const primary of primaries) {
      const node = plain(primary.port);
      await node.connect();
      expect(await node.dbsize(), `keys on primary ${primary.port}`).toBeGreaterThan(0);
      node.disconnect();
    }
  });

  it('answers a plain client with MOVED to the node that owns the slot', async () => {
    const rows = await cluster.describe();
    const first = rows.find((row) => row.role === 'primary') as ClusterNodeRow;
    const node = plain(first.port);
    await node.connect();
    try {
      // A key whose slot another primary owns.
      let key = '';
      let slot = 0;
      for (let i = 0; ; i++) {
        key = `page:${i}`;
        slot = (await node.call('CLUSTER', 'KEYSLOT', key)) as number;
        if (!owns(first, slot)) break;
      }
      const owner = rows.find((row) => row.role === 'primary' && owns(row, slot));
      const error = await node.get(key).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toBe(`MOVED ${slot} 127.0.0.1:${owner?.port}`);
      const right = plain(owner?.port as number);
      await right.connect();
      await right.set(key, 'found');
      expect(await right.get(key)).toBe('found');
      right.disconnect();
    } finally {
      node.disconnect();
    }
  });

  it('fails over: a killed primary is replaced by its replica, and the client writes again', async () => {
    const key = 'views:failover';
    const slot = (await client.call('CLUSTER', 'KEYSLOT', key)) as number;
    const rows = await cluster.describe();
    const primary = rows.find((row) => row.role === 'primary' && owns(row, slot)) as ClusterNodeRow;
    // Replication is asynchronous: a write just before the kill may not have reached the replica
    // (and is then lost). WAIT makes sure this one did, so the count below is exact.
    const direct = plain(primary.port);
    await direct.connect();
    await direct.set(key, '1');
    expect(await direct.call('WAIT', 1, 5000), 'the replica acknowledged the write').toBe(1);
    direct.disconnect();
    const replica = rows.find((row) => row.primaryPort === primary.port) as ClusterNodeRow;
    const victim = cluster.nodes.find((node) => node.port === primary.port);
    expect(victim).toBeDefined();

    const killedAt = performance.now();
    process.kill(victim?.pid as number, 'SIGKILL');
    // The client retries a write for a while (reconnecting, following MOVED) and then rejects
    // it; the app tries again until one goes through: what the app sees of the failover.
    let failed = 0;
    let value: number | undefined;
    while (value === undefined && performance.now() - killedAt < 20_000) {
      try {
        value = await client.incr(key);
      } catch {
        failed++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const gap = (performance.now() - killedAt) / 1000;
    console.log(
      `Failover: a write went through ${gap.toFixed(2)} s after the primary was killed, after ${failed} failed attempt(s) (cluster-node-timeout 2 s).`,
    );
    expect(gap, 'the replica must take over within 20 s').toBeLessThan(20);
    // The replica had the value written before the kill; a rejected write was not applied.
    expect(value).toBe(2);
    const after = await cluster.describe();
    expect(after.find((row) => row.port === replica.port)?.role).toBe('primary');
    expect(after.find((row) => row.port === primary.port)?.failed).toBe(true);
    expect(await clusterInfo(replica.port)).toMatch(/^cluster_state:ok\r$/m);
  });

  it('close() leaves no process, no lock and no folder behind', async () => {
    const other = await startValkeyCluster({ port: 0 }); // in a temporary folder of its own
    const dir = dirname(other.nodes[0]?.dir as string);
    expect(existsSync(join(dir, 'cluster.lock.json'))).toBe(true);
    await other.close();
    for (const node of other.nodes) expect(isRunning(node.pid), `node ${node.port}`).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

/** The pid of the valkey-server on each port of the table `workshop stack --cluster` printed. */
async function tablePids(output: string): Promise<number[]> {
  const ports = [...output.matchAll(/^ {2}[0-9a-f]{8}\s+(\d+)\s+(primary|replica)/gm)].map(
    (match) => Number(match[1]),
  );
  expect(ports).toHaveLength(6);
  return Promise.all(
    ports.map(async (port) => {
      const node = plain(port);
      await node.connect();
      const text = (await node.info('server')) as string;
      node.disconnect();
      return Number(/^process_id:(\d+)/m.exec(text)?.[1]);
    }),
  );
}

describe.skipIf(skip)('workshop stack --cluster', SLOW, () => {
  it('recovers after being killed, then stops on Ctrl-C leaving no process and no lock', async () => {
    const dataDir = temporaryFolder('workshop-data-');
    const lock = join(dataDir, 'cluster', 'cluster.lock.json');
    const env = cleanEnv({ WORKSHOP_DATA_DIR: dataDir, WORKSHOP_CLUSTER_PORT: '0' });

    const crashed = startCli(['stack', '--cluster'], env);
    const first = await crashed.waitFor(/Press Ctrl-C/);
    expect(first).toMatch(/^ {2}node\s+port\s+role\s+slots$/m);
    const leftovers = await tablePids(first);
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(leftovers.every(isRunning), 'the nodes outlive a killed CLI').toBe(true);
    expect(existsSync(lock)).toBe(true);

    const next = startCli(['stack', '--cluster'], env);
    const second = await next.waitFor(/Press Ctrl-C/);
    expect(second).toMatch(/left behind by an earlier run/);
    expect(leftovers.some(isRunning), 'the leftovers are stopped').toBe(false);
    const pids = await tablePids(second);

    interrupt(next.child);
    expect(await next.exited, next.output()).toBe(0);
    expect(pids.some(isRunning), 'no node left running').toBe(false);
    expect(existsSync(lock)).toBe(false);
  });
});

describe('workshop stack --cluster without Valkey', () => {
  it('says in one line how to install it on each system', async () => {
    const env = cleanEnv({ WORKSHOP_DATA_DIR: temporaryFolder('workshop-data-') });
    // A PATH with nothing on it (Windows spells the key Path: replace that one too).
    for (const key of Object.keys(env)) if (key.toUpperCase() === 'PATH') delete env[key];
    env.PATH = temporaryFolder('empty-path-');
    const run = await runCli(['stack', '--cluster'], env);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^valkey-server and valkey-cli are not installed .*brew install valkey.*bookworm-backports.*WSL/,
    );
  });
});
