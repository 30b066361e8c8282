// `pnpm lesson 10`: the wiki on a real Valkey cluster (six valkey-server processes, three
// primaries and three replicas, started by the workshop). Hash slots and MOVED, the CROSSSLOT
// errors of lesson 06's multi-key commands and the hash tags that fix them, a hot key, reads from
// replicas and their staleness, and a primary killed under load.

import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import type { Cluster, Redis } from 'iovalkey';
import { articleHashKey } from './article-hash.ts';
import { viewsKey } from './counters.ts';
import { measureFailover } from './failover.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createReaders } from './readers.ts';
import { measureStaleness } from './replica-reads.ts';
import {
  type ClusterNode,
  clusterNodes,
  describeNode,
  keySlot,
  ownerOf,
  sendOnTheWire,
} from './slots.ts';
import { createTags } from './tags.ts';
import { createTrending } from './trending.ts';
import {
  asWikiClient,
  CLUSTER_URLS_VARIABLE,
  clusterSeeds,
  connectValkeyCluster,
} from './valkey-cluster.ts';
import { createValkeyStore } from './valkey-store.ts';
import { createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(10);

// Without Valkey installed there is no cluster, and this lesson never fakes one: it shows what a
// run on a real one printed instead.
if (clusterSeeds().length === 0) {
  const reason =
    process.env.WORKSHOP_CLUSTER_UNAVAILABLE ??
    `${CLUSTER_URLS_VARIABLE} is not set (\`pnpm lesson 10\` starts a cluster when Valkey is installed).`;
  console.log(`No Valkey cluster: ${reason}\n`);
  console.log('What a run on a real six-node cluster printed (recorded/lesson-10.txt):\n');
  console.log(readFileSync(new URL('../recorded/lesson-10.txt', import.meta.url), 'utf8'));
  process.exit(0);
}

const config = loadConfig();
const pool = createPool(config);
const cluster = await connectValkeyCluster();
const client = asWikiClient(cluster);
const closers: (() => void)[] = [];
const store = createValkeyStore(client);

const table = (nodes: ClusterNode[]) =>
  nodes
    .map(
      (node) =>
        `   ${node.id.slice(0, 8)}  ${node.host}:${node.port}  ${describeNode(node, nodes)}${node.failed ? '  FAILED' : ''}`,
    )
    .join('\n');
const portOfKey = async (key: string, nodes?: ClusterNode[]) =>
  ownerOf(nodes ?? (await clusterNodes(cluster)), await keySlot(cluster, key))?.port;
/** Calls of `command` each primary has answered so far (INFO commandstats), by port. */
async function callsPerPrimary(command: string) {
  const calls = new Map<number, number>();
  for (const node of cluster.nodes('master')) {
    const stats = String(await node.info('commandstats'));
    calls.set(
      Number(node.options.port),
      Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0),
    );
  }
  return calls;
}
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'no error',
    (error: Error) => error.message,
  );

try {
  console.log('Lesson 10: scaling out, a Valkey cluster\n');
  console.log(
    `The cluster: ${process.env[CLUSTER_URLS_VARIABLE]}; ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}\n`,
  );

  console.log('1. Six nodes, three primaries: CLUSTER NODES');
  const before = await clusterNodes(cluster);
  console.log(table(before));

  console.log('\n2. Every key has a hash slot (CLUSTER KEYSLOT), every slot one primary');
  const slug = 'article-00001';
  for (const key of [
    articleHashKey(slug),
    articleHashKey('article-00002'),
    viewsKey(slug),
    'views:ranking',
    'tag:redis',
    '{tags}:tag:redis',
    '{tags}:tag:caching',
    `readers:{article:${slug}}`,
    `readers:hll:{article:${slug}}:2026-12-06`,
  ]) {
    const slot = await keySlot(cluster, key);
    console.log(
      `   ${key.padEnd(42)} slot ${String(slot).padStart(5)}  on ${await portOfKey(key)}`,
    );
  }

  console.log('\n3. MOVED: a plain TCP connection asks the wrong node');
  const key = articleHashKey(slug);
  const owner = await portOfKey(key);
  const wrong = before.find((node) => node.role === 'primary' && node.port !== owner);
  if (wrong) {
    const reply = await sendOnTheWire(wrong.host, wrong.port, ['GET', key]);
    console.log(`   GET ${key} sent to ${wrong.port}  ->  ${JSON.stringify(reply)}`);
    console.log(`   iovalkey's Cluster client asks ${owner} directly: it knows the slot map.`);
  }

  console.log('\n4. Multi-key commands across slots: CROSSSLOT');
  const views = [viewsKey('article-00001'), viewsKey('article-00002'), viewsKey('article-00003')];
  console.log(`   MGET ${views.join(' ')}\n      -> ${await errorOf(cluster.mget(...views))}`);
  console.log(
    `   SINTER tag:redis tag:caching (lesson 06's keys)\n      -> ${await errorOf(cluster.sinter('tag:redis', 'tag:caching'))}`,
  );
  console.log(
    `   ZUNIONSTORE trending:top 2 trending:1 trending:2 (lesson 06's keys)\n      -> ${await errorOf(cluster.zunionstore('trending:top', 2, 'trending:1', 'trending:2'))}`,
  );
  console.log(
    `   MULTI SADD readers:${slug} + PFADD readers:hll:${slug}:day (lesson 06's keys)\n      -> ${await errorOf(cluster.multi().sadd(`readers:${slug}`, 'ada').pfadd(`readers:hll:${slug}:day`, 'ada').exec())}`,
  );
  const limiter = createRateLimiter({ store, name: 'create', limit: 3, windowSeconds: 60 });
  const decision = await limiter.hit(`ada-${Date.now()}`);
  console.log(
    `   the limiter's MULTI (INCR + EXPIRE of one key) -> allowed: ${decision.allowed}, ${decision.remaining} left`,
  );

  console.log(
    '\n   With hash tags ({tags}, {trending}, {article:<slug>}), the same features work:',
  );
  const tags = createTags({ pool, client });
  await client.del('tags:loaded'); // load the tag sets under their new keys
  await tags.loadFromPostgres();
  // The first article with two tags or more: which articles carry both of them?
  let tagged: string[] = [];
  for (let i = 1; tagged.length < 2 && i <= 100; i++) {
    tagged = await tags.tagsOf(`article-${String(i).padStart(5, '0')}`);
  }
  const [first, second] = tagged;
  if (first && second) {
    const both = await tags.taggedAll(first, second);
    console.log(`   articles tagged ${first} and ${second} (SINTER): ${both.length}`);
  }
  const trending = createTrending(client);
  for (const s of ['article-00001', 'article-00002', 'article-00001']) await trending.recordView(s);
  console.log(
    `   trending (ZUNIONSTORE of 24 hours): ${(await trending.top(2)).map((t) => `${t.slug} ${t.score}`).join(', ')}`,
  );
  const readers = createReaders(client);
  for (const reader of ['ada', 'grace', 'ada']) await readers.recordReader(slug, reader);
  console.log(
    `   readers of ${slug} this week (MULTI, PFMERGE): ${await readers.readersThisWeek(slug)}`,
  );

  console.log('\n5. What must not share a slot: where the wiki keys land');
  const wiki = createWiki({ pool, store, client, ttlSeconds: 60 });
  const slugs = Array.from({ length: 300 }, (_, i) => `article-${String(i + 1).padStart(5, '0')}`);
  const perNode = new Map<number, number>();
  for (const s of slugs) {
    const port = (await portOfKey(articleHashKey(s), before)) ?? 0;
    perNode.set(port, (perNode.get(port) ?? 0) + 1);
  }
  console.log(
    `   the cached hashes of 300 articles, per primary: ${[...perNode].map(([port, n]) => `${port}: ${n}`).join(', ')}`,
  );
  console.log(`   every tag set ({tags}) is on ${await portOfKey('{tags}:tag:redis')} alone`);
  const beforeHot = await callsPerPrimary('incr');
  await Promise.all(Array.from({ length: 3000 }, () => cluster.incr(viewsKey('article-00042'))));
  const afterHot = await callsPerPrimary('incr');
  await Promise.all(
    slugs.flatMap((s) => Array.from({ length: 10 }, () => cluster.incr(viewsKey(s)))),
  );
  const afterSpread = await callsPerPrimary('incr');
  const diff = (a: Map<number, number>, b: Map<number, number>) =>
    [...b].map(([port, n]) => `${port}: ${n - (a.get(port) ?? 0)}`).join(', ');
  console.log(`   3000 INCR of one hot key, per primary:      ${diff(beforeHot, afterHot)}`);
  console.log(`   3000 INCR over 300 articles, per primary:   ${diff(afterHot, afterSpread)}`);

  console.log('\n6. Reads from replicas (scaleReads: "slave"): how stale?');
  const replicaReader = await connectValkeyCluster({ readFrom: 'replicas' });
  closers.push(() => replicaReader.disconnect());
  const staleKey = `stale:${Date.now()}`;
  const staleness = await measureStaleness({
    incr: () => cluster.incr(staleKey),
    readFromPrimary: () => cluster.get(staleKey),
    readFromReplica: () => replicaReader.get(staleKey),
    rounds: 500,
  });
  console.log(
    `   4 writers INCR one key; of ${staleness.rounds} replica reads sent with a primary read, ${staleness.staleReads} saw less than the primary`,
  );
  console.log(
    `   (up to ${staleness.maxWritesBehind} behind); caught up ${staleness.medianCatchUpMs.toFixed(2)} ms later (median), ${staleness.maxCatchUpMs.toFixed(2)} ms (longest)`,
  );

  console.log('\n7. Failover: a primary killed while the app reads and writes');
  await failover(before, wiki.getArticle);
} finally {
  for (const close of closers) close();
  cluster.disconnect();
  await pool.end();
}

async function failover(before: ClusterNode[], read: (slug: string) => Promise<unknown>) {
  const victimPort = await portOfKey(viewsKey('article-00001'));
  const victim = before.find((node) => node.port === victimPort);
  const replica = before.find((node) => node.primaryId === victim?.id && !node.failed);
  const connection = cluster.nodes('master').find((node) => node.options.port === victimPort) as
    | Redis
    | undefined;
  if (!victim || !replica || !connection) {
    console.log('   The primary of views:article-00001 has no live replica (an earlier run killed');
    console.log('   one): restart the cluster (`pnpm stack --cluster`) to see a failover again.');
    return;
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(victim.host)) {
    console.log(`   ${victim.host} is not this machine: this step kills only local nodes.`);
    return;
  }
  // Six keys on the primary that dies, three elsewhere (their writes never stop).
  const onVictim: string[] = [];
  const elsewhere: string[] = [];
  for (let i = 1; onVictim.length < 6 || elsewhere.length < 3; i++) {
    const key = viewsKey(`failover-${i}`);
    const list = (await portOfKey(key, before)) === victimPort ? onVictim : elsewhere;
    if (list.length < (list === onVictim ? 6 : 3)) list.push(key);
  }
  for (const key of [...onVictim, ...elsewhere]) await cluster.del(key);
  const pid = Number(/^process_id:(\d+)/m.exec(String(await connection.info('server')))?.[1]);
  console.log(`   cluster_state before: ${await clusterState(cluster)}`);
  console.log(
    `   killing primary ${victim.port} (pid ${pid}, SIGKILL); its replica is ${replica.port}`,
  );
  const report = await measureFailover({
    keys: [...onVictim, ...elsewhere],
    incr: (key) => cluster.incr(key),
    read: () => read('article-00001'),
    kill: () => {
      process.kill(pid, 'SIGKILL');
    },
    async recovered() {
      const nodes = await clusterNodes(cluster);
      return nodes.find((node) => node.port === replica.port)?.role === 'primary';
    },
  });
  console.log(`   cluster_state after: ${await clusterState(cluster)}`);
  console.log(table(await clusterNodes(cluster)));
  console.log(
    `   longest gap between two acknowledged writes: ${report.gapSeconds.toFixed(2)} s (${report.gapKey})`,
  );
  console.log(
    `   writes: ${report.writes} sent, ${report.failedWrites} failed after the client's retries, ${report.lostWrites} acknowledged then lost`,
  );
  console.log(`   reads of the wiki: ${report.reads}, failed: ${report.failedReads}`);
  console.log(
    `   The killed node stays down: restart the cluster for six nodes again (\`pnpm lesson 10\` starts a fresh one).`,
  );
}

async function clusterState(client: Cluster) {
  return /^cluster_state:(\w+)/m.exec(String(await client.cluster('INFO')))?.[1] ?? '?';
}
