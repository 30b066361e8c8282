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

export function createClusterClient(
  seeds: ClusterSeed[],
  { readFrom = 'primaries' }: ClusterClientOptions = {},
): Cluster {
  // TODO: reads. With readFrom 'replicas', read-only commands (GET, HGETALL...) must go to a
  // replica of the key's slot; iovalkey's option for that is `scaleReads`.
  // TODO: failover. While a primary is down, commands for its slots fail for a few seconds,
  // until its replica takes over. iovalkey waits `retryDelayOnFailover` ms between attempts
  // (`retryDelayOnClusterDown` after a CLUSTERDOWN), at most `maxRedirections` times; its
  // defaults, 100 ms x 16, give up before a failover is over.
  void readFrom;
  const client = new Cluster(seeds, {});
  client.on('error', () => {});
  return client;
}

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
