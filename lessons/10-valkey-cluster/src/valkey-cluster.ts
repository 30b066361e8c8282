// The wiki's client for a Valkey cluster: iovalkey's `Cluster`. It asks any node for the map of
// the 16384 hash slots (CLUSTER SLOTS), sends each command straight to the primary that owns its
// key's slot, follows MOVED when the map changed, and retries while a failover is under way.

import { ServiceError } from '@workshop/config';
import { Cluster, type Redis } from 'iovalkey';

/** Where the cluster is: its nodes' URLs, separated by commas or spaces. */
export const CLUSTER_URLS_VARIABLE = 'VALKEY_CLUSTER_URLS';

export interface ClusterSeed {
  host: string;
  port: number;
}

/** The seed nodes in VALKEY_CLUSTER_URLS ("redis://127.0.0.1:7101,redis://127.0.0.1:7102"). */
export function clusterSeeds(env: NodeJS.ProcessEnv = process.env): ClusterSeed[] {
  const raw = env[CLUSTER_URLS_VARIABLE]?.trim() ?? '';
  return raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((url) => {
      const { hostname, port } = new URL(url);
      return { host: hostname, port: Number(port || 6379) };
    });
}

export interface ClusterClientOptions {
  /**
   * Where read-only commands (GET, HGETALL, ZRANGE...) go: the slot's primary (always the
   * latest value), or one of its replicas (takes load off the primaries; may be behind).
   */
  readFrom?: 'primaries' | 'replicas';
}

// #region client
export function createClusterClient(
  seeds: ClusterSeed[],
  { readFrom = 'primaries' }: ClusterClientOptions = {},
): Cluster {
  const client = new Cluster(seeds, {
    // iovalkey still calls replicas "slave" here: 'slave' sends read-only commands to a replica.
    scaleReads: readFrom === 'replicas' ? 'slave' : 'master',
    // While a primary is down, commands for its slots fail ("Connection is closed", then
    // CLUSTERDOWN) until its replica takes over, a few seconds later. The client waits this long
    // between attempts, asking for the slot map again each time, up to maxRedirections times:
    // 16 x 500 ms = 8 s, longer than a failover takes, so a write waits instead of failing.
    retryDelayOnFailover: 500,
    retryDelayOnClusterDown: 500,
    maxRedirections: 16,
  });
  // A node that goes away emits 'error' on every reconnection attempt; the retries above are
  // what handles it.
  client.on('error', () => {});
  return client;
}
// #endregion client

/**
 * The wiki's files are typed with iovalkey's `Redis`, the one-server client. `Cluster` has the
 * same command methods (both are iovalkey's Commander) and sends each to the right node, so the
 * wiki runs on it unchanged; TypeScript only has no name for "either client".
 */
export const asWikiClient = (cluster: Cluster) => cluster as unknown as Redis;

// #region connect
/**
 * The cluster client, once the cluster answers and says cluster_state:ok. Without seed nodes
 * (VALKEY_CLUSTER_URLS), or when nothing answers, a ServiceError says what to do.
 */
export async function connectValkeyCluster({
  seeds = clusterSeeds(),
  readFrom = 'primaries',
}: ClusterClientOptions & { seeds?: ClusterSeed[] } = {}): Promise<Cluster> {
  if (seeds.length === 0) {
    throw new ServiceError(
      `${CLUSTER_URLS_VARIABLE} is not set: run this lesson with \`pnpm lesson 10\` (it starts a cluster), or start one with \`pnpm stack --cluster\` and set ${CLUSTER_URLS_VARIABLE} to the seed URLs it prints.`,
    );
  }
  const where = seeds.map(({ host, port }) => `${host}:${port}`).join(', ');
  const client = createClusterClient(seeds, { readFrom });
  try {
    // Without an answer, iovalkey would keep trying to connect (and the command waiting) forever.
    const info = String(await within(5000, client.cluster('INFO')));
    if (!/^cluster_state:ok/m.test(info)) throw new Error('cluster_state is not ok');
    if (readFrom === 'replicas') await untilReplicasKnown(client);
  } catch (error) {
    client.disconnect();
    throw new ServiceError(
      `The Valkey cluster at ${where} does not answer (${(error as Error).message}): start it with \`pnpm stack --cluster\`, or fix ${CLUSTER_URLS_VARIABLE}.`,
    );
  }
  return client;
}
// #endregion connect

/**
 * A node leaves a replica out of CLUSTER SLOTS (the map clients read) until that replica has
 * received something from its primary: on a new, idle cluster, for up to 10 s. Until the client's
 * map has a replica per primary, asks for the map again.
 */
async function untilReplicasKnown(client: Cluster, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (client.nodes('slave').length < client.nodes('master').length) {
    if (Date.now() > deadline) throw new Error('no replica to read from');
    await new Promise((resolve) => setTimeout(resolve, 250));
    await new Promise((resolve) => client.refreshSlotsCache(() => resolve(undefined)));
  }
}

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref(),
    ),
  ]);
}
