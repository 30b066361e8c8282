// Checkpoint 10, on a real six-node Valkey cluster started for this file (startValkeyCluster on
// free ports): the keys each multi-key command names share a hash slot, different articles do
// not; a plain client gets MOVED; the wiki's tags, trending, readers, limiter and cache work on
// the cluster; reads can go to replicas; and the app keeps writing through a failover.
// Needs valkey-server and valkey-cli: skipped with the reason when they are missing here, never
// in CI (a missing Valkey fails there).

import { fileURLToPath } from 'node:url';
import {
  findValkeyTools,
  startValkeyCluster,
  type ValkeyCluster,
  valkeyMissingMessage,
} from '@workshop/cli/cluster';
import { servicesRequested, useTestStack } from '@workshop/test-support';
import { startTestWeb, type TestWeb } from '@workshop/web/testing';
import type { Cluster, Redis } from 'iovalkey';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articleHashKey } from '../src/article-hash.ts';
import { createViewCounter, viewsKey } from '../src/counters.ts';
import { measureFailover } from '../src/failover.ts';
import { createRateLimiter } from '../src/rate-limit.ts';
import { createReaders, dailyReadersKey, readersKey } from '../src/readers.ts';
import { clusterNodes, keySlot, ownerOf, sendOnTheWire } from '../src/slots.ts';
import { articleTagsKey, createTags, tagKey } from '../src/tags.ts';
import { createTrending, hourKey, hourOf } from '../src/trending.ts';
import {
  asWikiClient,
  CLUSTER_URLS_VARIABLE,
  type ClusterSeed,
  connectValkeyCluster,
} from '../src/valkey-cluster.ts';
import { createValkeyStore } from '../src/valkey-store.ts';
import { createWiki } from '../src/wiki.ts';

const missing = valkeyMissingMessage(findValkeyTools());
const required = Boolean(process.env.CI) && process.platform !== 'win32';
// The cluster uses none of the real services: `pnpm test` has run these checkpoints already.
const skip = servicesRequested() || (missing !== undefined && !required);
if (servicesRequested()) console.warn('Skipping lesson 10 here: `pnpm test` runs it.');
else if (skip) console.warn(`Skipping lesson 10's checkpoints (no Valkey cluster): ${missing}`);

const stack = useTestStack();
const LESSON_DIR = fileURLToPath(new URL('..', import.meta.url));
const DAY_MS = 24 * 60 * 60 * 1000;

let valkey: ValkeyCluster;
let seeds: ClusterSeed[];
let cluster: Cluster;
const clients: Cluster[] = [];

beforeAll(async () => {
  if (skip) return;
  // Two test runs at once (practice mutations runs several copies) can pick the same free port
  // before either binds it: the start that loses fails, and tries other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      valkey = await startValkeyCluster({ port: 0 });
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  seeds = valkey.nodes.map(({ host, port }) => ({ host, port }));
  cluster = await connectValkeyCluster({ seeds });
  clients.push(cluster);
}, 180_000);

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await valkey?.close();
});

/** The primaries that own the slots of `keys`, by port. */
async function primariesOf(keys: string[]): Promise<Set<number>> {
  const nodes = await clusterNodes(cluster);
  const ports = new Set<number>();
  for (const key of keys) ports.add(ownerOf(nodes, await keySlot(cluster, key))?.port ?? 0);
  return ports;
}

const slotsOf = async (keys: string[]) =>
  new Set(await Promise.all(keys.map((key) => keySlot(cluster, key))));
const slugs = Array.from({ length: 30 }, (_, i) => `article-${String(i + 1).padStart(5, '0')}`);

// The cluster is shared by every test below, and the failover test takes a primary down for good:
// they run in this order even under vitest --sequence.shuffle.
describe('on one cluster', { shuffle: false }, () => {
  describe.skipIf(skip)('hash slots', () => {
    it('puts the keys of each multi-key command in one slot (hash tags)', async () => {
      expect(
        (await slotsOf([tagKey('redis'), tagKey('caching'), articleTagsKey('article-00001')])).size,
        'SINTER and the MULTI of setTags need every tag set in one slot: put the same {hash tag} in tagKey and articleTagsKey',
      ).toBe(1);
      const hour = hourOf(new Date());
      expect(
        (await slotsOf([hourKey(hour), hourKey(hour - 23), hourKey(hour - 11)])).size,
        "ZUNIONSTORE adds 24 hours' sets up: hourKey must give every hour the same {hash tag}",
      ).toBe(1);
      const now = new Date();
      expect(
        (
          await slotsOf([
            readersKey('article-00001'),
            dailyReadersKey('article-00001', now),
            dailyReadersKey('article-00001', new Date(now.getTime() - 6 * DAY_MS)),
          ])
        ).size,
        "an article's reader keys are written in one MULTI and merged by PFMERGE: readersKey and dailyReadersKey need the same {hash tag} for one article",
      ).toBe(1);
    });

    it('spreads different articles over the three primaries', async () => {
      expect(
        (await primariesOf(slugs.map(articleHashKey))).size,
        "30 articles' cached hashes should land on all three primaries",
      ).toBe(3);
      expect(
        (await primariesOf(slugs.map(readersKey))).size,
        "the readers' hash tag must include the slug: with one tag for every article, all readers sit on one node",
      ).toBe(3);
      expect(
        (await primariesOf(slugs.map(viewsKey))).size,
        'view counters of different articles should land on all three primaries',
      ).toBe(3);
    });

    it('answers MOVED, with the owner, to a plain client that asks the wrong node', async () => {
      const key = articleHashKey('article-00001');
      const slot = await keySlot(cluster, key);
      const nodes = await clusterNodes(cluster);
      const owner = ownerOf(nodes, slot);
      const wrong = nodes.find((node) => node.role === 'primary' && node !== owner);
      expect(owner && wrong).toBeTruthy();
      const reply = await sendOnTheWire(wrong?.host ?? '', wrong?.port ?? 0, ['GET', key]);
      expect(reply).toBe(`-MOVED ${slot} ${owner?.host}:${owner?.port}\r\n`);
    });
  });

  describe.skipIf(skip)('the wiki on the cluster', () => {
    it('answers tag questions with SINTER and SUNION, and moves an article between tags', async () => {
      const tags = createTags({ pool: stack.pool, client: asWikiClient(cluster) });
      await tags.setTags('article-00001', ['cluster-a', 'cluster-b']);
      await tags.setTags('article-00002', ['cluster-a']);
      expect(
        await tags.taggedAll('cluster-a', 'cluster-b'),
        'SINTER of two tag sets must work on the cluster (CROSSSLOT means their keys are in different slots)',
      ).toEqual(['article-00001']);
      expect(await tags.taggedAny('cluster-a', 'cluster-b')).toEqual([
        'article-00001',
        'article-00002',
      ]);
      await tags.setTags('article-00002', ['cluster-b']);
      expect(await tags.taggedAll('cluster-a', 'cluster-b')).toEqual(['article-00001']);
      expect(await tags.tagsOf('article-00002')).toEqual(['cluster-b']);
    });

    it("ranks trending articles with ZUNIONSTORE over the last 24 hours' sets", async () => {
      const trending = createTrending(asWikiClient(cluster));
      const now = new Date();
      const earlier = new Date(now.getTime() - 6 * 60 * 60 * 1000);
      for (let i = 0; i < 3; i++) await trending.recordView('article-00003', now);
      await trending.recordView('article-00004', earlier);
      // Only this test's two articles: others may have been viewed this hour (the web test).
      const top = (await trending.top(10, now)).filter(
        (entry) => entry.slug === 'article-00003' || entry.slug === 'article-00004',
      );
      expect(
        top.map((entry) => entry.slug),
        'ZUNIONSTORE of the hourly sets must work on the cluster',
      ).toEqual(['article-00003', 'article-00004']);
      expect(top[1]?.score).toBeCloseTo(0.5);
    });

    it("counts an article's readers exactly and this week's with PFMERGE", async () => {
      const readers = createReaders(asWikiClient(cluster));
      const now = new Date();
      for (const [reader, daysAgo] of [
        ['ada', 0],
        ['grace', 2],
        ['ada', 3],
      ] as const) {
        await readers.recordReader(
          'article-00005',
          reader,
          new Date(now.getTime() - daysAgo * DAY_MS),
        );
      }
      expect(
        await readers.exactReaders('article-00005'),
        "recordReader's MULTI must work on the cluster",
      ).toBe(2);
      expect(await readers.readersThisWeek('article-00005', now)).toBe(2);
    });

    it('caches articles, counts views and limits through the same store adapter', async () => {
      const client = asWikiClient(cluster);
      const store = createValkeyStore(client);
      const wiki = createWiki({ pool: stack.pool, store, client });
      const article = await wiki.getArticle('article-00006');
      expect(article?.slug).toBe('article-00006');
      expect(await cluster.exists(articleHashKey('article-00006'))).toBe(1);
      await wiki.updateArticle('article-00006', { title: 'On a cluster' });
      expect((await wiki.getArticle('article-00006'))?.title).toBe('On a cluster');
      const views = createViewCounter({ store });
      expect(await views.recordView('article-00006')).toBe(1);
      const limiter = createRateLimiter({ store, name: 'cluster', limit: 2, windowSeconds: 60 });
      const decisions = [];
      for (let i = 0; i < 3; i++) decisions.push((await limiter.hit('ada')).allowed);
      expect(decisions).toEqual([true, true, false]);
    });

    it('serves the wiki in the browser, with the cluster on /status', {
      timeout: 120_000,
    }, async () => {
      process.env[CLUSTER_URLS_VARIABLE] = valkey.seeds.join(',');
      let site: TestWeb | undefined;
      try {
        site = await startTestWeb(LESSON_DIR, stack.config);
        expect((await site.get('/articles/article-00007')).status).toBe(200);
        expect((await site.get('/articles/article-00007')).cache).toBe('HIT');
        const status = await site.get('/status');
        expect(status.status).toBe(200);
        expect(status.html).toContain('cluster_state:ok');
        expect(status.html.match(/primary, slots/g)).toHaveLength(3);
        expect(
          status.html,
          '/status must say which node holds the cached hash of the listed articles',
        ).toMatch(/article-\d+[^<]*<\/th><td>slot \d+, on 127\.0\.0\.1:\d+/);
      } finally {
        await site?.close();
        delete process.env[CLUSTER_URLS_VARIABLE];
      }
    });
  });

  /** Calls of GET each node has answered (INFO commandstats), by port. */
  async function getCalls(client: Cluster): Promise<Map<number, number>> {
    const calls = new Map<number, number>();
    for (const node of client.nodes('all')) {
      const stats = String(await node.info('commandstats'));
      calls.set(
        Number(node.options.port),
        Number(/^cmdstat_get:calls=(\d+)/m.exec(stats)?.[1] ?? 0),
      );
    }
    return calls;
  }

  describe.skipIf(skip)('reads from replicas', () => {
    it('sends GET to a replica with readFrom: replicas, fresh once WAIT says it has the write', async () => {
      const replicaReader = await connectValkeyCluster({ seeds, readFrom: 'replicas' });
      clients.push(replicaReader);
      const nodes = await clusterNodes(cluster);
      const replicas = new Set(nodes.filter((n) => n.role === 'replica').map((n) => n.port));
      const key = viewsKey('article-00009');
      await cluster.set(key, 'before');
      // WAIT on the connection that wrote: until one replica has acknowledged our writes.
      const owner = ownerOf(nodes, await keySlot(cluster, key));
      const writer = cluster.nodes('master').find((n) => n.options.port === owner?.port) as Redis;
      expect(Number(await writer.call('WAIT', 1, 2000)), 'one replica has the write').toBe(1);

      const before = await getCalls(replicaReader);
      for (let i = 0; i < 20; i++) {
        expect(await replicaReader.get(key), 'a replica that acknowledged the write has it').toBe(
          'before',
        );
      }
      const after = await getCalls(replicaReader);
      const onReplicas = [...after].filter(([port]) => replicas.has(port));
      const served = onReplicas.reduce((sum, [port, n]) => sum + n - (before.get(port) ?? 0), 0);
      expect(
        served,
        "with readFrom: 'replicas', the client must send GET to the replicas (iovalkey's scaleReads: 'slave')",
      ).toBeGreaterThanOrEqual(20);
    });
  });

  // Last: it takes a primary down for good.
  describe.skipIf(skip)('failover', () => {
    it('keeps the app writing while a replica takes over from a killed primary', {
      timeout: 90_000,
    }, async () => {
      const client = await connectValkeyCluster({ seeds });
      clients.push(client);
      const wiki = createWiki({
        pool: stack.pool,
        store: createValkeyStore(asWikiClient(client)),
        client: asWikiClient(client),
      });
      const nodes = await clusterNodes(client);
      const victim = ownerOf(nodes, await keySlot(client, viewsKey('failover-1')));
      const replica = nodes.find((node) => node.primaryId === victim?.id);
      const pid = valkey.nodes.find((node) => node.port === victim?.port)?.pid;
      expect(victim && replica && pid).toBeTruthy();
      const keys = [];
      for (let i = 1; keys.length < 4; i++) {
        const key = viewsKey(`failover-${i}`);
        if (ownerOf(nodes, await keySlot(client, key)) === victim) keys.push(key);
      }

      const report = await measureFailover({
        keys,
        incr: (key) => client.incr(key),
        read: () => wiki.getArticle('article-00010'),
        kill: () => {
          process.kill(pid as number, 'SIGKILL');
        },
        recovered: async () =>
          (await clusterNodes(client)).find((node) => node.port === replica?.port)?.role ===
          'primary',
        warmupMs: 500,
        timeoutMs: 20_000,
      });
      console.log(
        `Failover: longest gap between acknowledged writes ${report.gapSeconds.toFixed(2)} s; ${report.writes} writes, ${report.failedWrites} failed, ${report.lostWrites} lost; ${report.reads} reads, ${report.failedReads} failed.`,
      );
      const after = await clusterNodes(client);
      expect(after.find((node) => node.port === replica?.port)?.role, 'the replica took over').toBe(
        'primary',
      );
      // One write caught at the wrong moment on a slow machine may still fail (seen once in 11
      // runs, with two clusters on two busy cores); iovalkey's default retry budget fails every
      // write of the seconds the failover takes past 1.6 s, six or more here.
      expect(
        report.failedWrites,
        'no write may fail during the failover: the client must retry for longer than a failover takes (retryDelayOnFailover x maxRedirections, a few seconds)',
      ).toBeLessThanOrEqual(1);
      expect(report.gapSeconds, 'writes to the failed slots must resume within 15 s').toBeLessThan(
        15,
      );
      expect(
        report.failedReads,
        'the wiki must keep answering reads (from Postgres if need be)',
      ).toBe(0);
    });
  });
});
