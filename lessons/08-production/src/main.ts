// `pnpm lesson 8`: the wiki of lesson 07, run as production would: a memory limit and what
// happens at it, the hit ratio from both ends, keys that can be invalidated by group, TTLs that
// do not expire together, stale-while-revalidate, read-your-writes on Upstash, and what a
// connection costs a short-lived function.

import { cpus, loadavg } from 'node:os';
import { connectUpstash, exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import type { CacheEvent } from './cache.ts';
import { coldHttpGet, coldTcpGet, medianMs, warmTcpGet } from './connection-cost.ts';
import { measureExpirySpike } from './expiry-spike.ts';
import { createKeyGroup } from './keys.ts';
import { fill, limitMemory, usedMemory } from './memory.ts';
import { withRetry } from './retry.ts';
import {
  installedVersion,
  type ScratchServer,
  startScratchEngine,
  startScratchProgram,
} from './scratch-server.ts';
import { createHitCounter, serverStats, statusReport } from './stats.ts';
import { createSwrCache } from './swr.ts';
import { syncTokensDuring } from './sync-token.ts';
import { connectValkeyStore, createValkeyStore, createValkeyStoreClient } from './valkey-store.ts';
import { createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(8);

const config = loadConfig();
const pool = createPool(config);
const { client, store } = await connectValkeyStore(config);
const upstash = await connectUpstash(config);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (values: (string | null)[]) => values.filter((v) => v !== null).length;
const keysOf = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Section 1 on one server of our own: noeviction, allkeys-lru, volatile-ttl. */
async function memoryDemo(server: ScratchServer) {
  const scratch = createValkeyStoreClient(server.url);
  try {
    console.log(`   on ${server.name}:`);
    // noeviction: the store refuses writes; the wiki answers from Postgres anyway.
    const events: CacheEvent[] = [];
    const wiki = createWiki({
      pool,
      store: createValkeyStore(scratch),
      client: scratch,
      onCacheEvent: (event) => events.push(event),
    });
    let restore = await limitMemory(
      scratch,
      (await usedMemory(scratch)) + 256 * 1024,
      'noeviction',
    );
    const { refused } = await fill(scratch, { prefix: 'filler:', count: 1000, valueBytes: 1024 });
    const article = await wiki.getArticle('article-00002');
    const full = events.filter((event) => event.kind === 'store-full').length;
    console.log(
      `   noeviction    1000 writes of 1 KB past a 256 KB headroom: ${refused} refused with OOM;`,
    );
    console.log(
      `                 the wiki still answered "${article?.title}" (from Postgres; store-full reported ${full}x)`,
    );
    await restore();
    await scratch.flushall('SYNC');

    // allkeys-lru: the keys read recently stay; the others go.
    restore = await limitMemory(scratch, (await usedMemory(scratch)) + 512 * 1024, 'allkeys-lru');
    await scratch.config('SET', 'maxmemory-samples', '10');
    await fill(scratch, { prefix: 'hot:', count: 50, valueBytes: 1024 });
    await fill(scratch, { prefix: 'cold:', count: 200, valueBytes: 1024 });
    await sleep(1100); // the LRU clock ticks once a second
    // Read the hot keys, write 10 new ones, again, until 100 keys have been evicted.
    for (let round = 0; round < 200 && (await serverStats(scratch)).evictedKeys < 100; round++) {
      await scratch.mget(...keysOf('hot:', 50));
      await fill(scratch, { prefix: `more${round}:`, count: 10, valueBytes: 1024 });
    }
    const lru = await serverStats(scratch);
    console.log(
      `   allkeys-lru   evicted_keys ${lru.evictedKeys}; hot keys left ${count(await scratch.mget(...keysOf('hot:', 50)))}/50, cold keys left ${count(await scratch.mget(...keysOf('cold:', 200)))}/200`,
    );
    await restore();
    await scratch.flushall('SYNC');

    // volatile-ttl: only keys with a TTL are candidates, the shortest TTL first.
    restore = await limitMemory(scratch, (await usedMemory(scratch)) + 256 * 1024, 'volatile-ttl');
    await fill(scratch, { prefix: 'forever:', count: 100, valueBytes: 1024 });
    await fill(scratch, { prefix: 'short:', count: 150, valueBytes: 1024, ttlSeconds: () => 100 });
    await fill(scratch, {
      prefix: 'long:',
      count: 150,
      valueBytes: 1024,
      ttlSeconds: () => 10_000,
    });
    console.log(
      `   volatile-ttl  no TTL: ${count(await scratch.mget(...keysOf('forever:', 100)))}/100 left; TTL 100 s: ${count(await scratch.mget(...keysOf('short:', 150)))}/150; TTL 10000 s: ${count(await scratch.mget(...keysOf('long:', 150)))}/150`,
    );
    await restore();
  } finally {
    scratch.disconnect();
    await server.close();
  }
}

try {
  console.log('Lesson 08: going to production\n');
  // The timings below depend on how busy the machine is: say so next to them.
  console.log(
    `The store: ${config.valkeyUrl}; ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}\n`,
  );

  console.log('1. Memory is finite: maxmemory and the eviction policy, on servers of our own');
  await memoryDemo(await startScratchEngine());
  if (installedVersion('valkey-server'))
    await memoryDemo(await startScratchProgram('valkey-server'));
  else console.log('   (valkey-server is not installed: the engine only)');

  console.log('\n2. The hit ratio: 300 article reads, 4 in 5 of them on 10 popular articles');
  const counter = createHitCounter();
  const wiki = createWiki({ pool, store, client, onCacheEvent: counter.record });
  const before = await serverStats(client);
  for (let i = 0; i < 300; i++) {
    const n = Math.random() < 0.8 ? 1 + (i % 10) : 11 + Math.floor(Math.random() * 900);
    await wiki.getArticle(`article-${String(n).padStart(5, '0')}`);
  }
  const after = await serverStats(client);
  for (const section of statusReport(counter.counts(), after)) {
    for (const [name, value] of section.rows) console.log(`   ${name.padEnd(28)} ${value}`);
  }
  console.log(
    `   this run's lookups on the server: ${after.keyspaceHits - before.keyspaceHits} hits, ${after.keyspaceMisses - before.keyspaceMisses} misses`,
  );

  console.log('\n3. Key design: a group invalidated by one INCR');
  const lists = createKeyGroup(client, 'lists');
  const page = await lists.key('page:1');
  await client.set(page, 'the first page', 'EX', 60);
  await lists.invalidate();
  const next = await lists.key('page:1');
  console.log(
    `   before: ${page}  after invalidate(): ${next} (empty: ${(await client.get(next)) === null})`,
  );
  console.log(
    '   KEYS against SCAN on a million keys: pnpm --filter @workshop/lesson-08-production measure',
  );

  console.log('\n4. Expiry: 500 copies cached at once, TTL 2 s, all read every 100 ms for 3 s');
  for (const spread of [0, 0.5]) {
    const { loadsPerRound, busiest } = await measureExpirySpike(client, {
      keys: 500,
      ttlMs: 2000,
      spread,
      roundMs: 100,
      rounds: 30,
    });
    const label = spread === 0 ? 'one TTL (2 s)    ' : 'jittered (1-2 s) ';
    console.log(
      `   ${label} busiest 100 ms: ${String(busiest).padStart(3)} loads; per round: ${loadsPerRound.join(' ')}`,
    );
  }
  const swr = createSwrCache({ client, freshSeconds: 1, staleSeconds: 60 });
  let reloads = 0;
  const slowLoad = async () => {
    reloads++;
    await sleep(200); // a slow query
    return 'the page';
  };
  const swrKey = `swr-demo:${Date.now()}`;
  await swr.read(swrKey, slowLoad);
  await sleep(1100);
  reloads = 0;
  const start = performance.now();
  const reads = await Promise.all(Array.from({ length: 50 }, () => swr.read(swrKey, slowLoad)));
  const answered = performance.now() - start;
  await swr.settled();
  console.log(
    `   stale-while-revalidate: 50 callers of a stale copy answered in ${answered.toFixed(1)} ms (${reads.filter((r) => r.state === 'stale').length} stale), ${reloads} reload (200 ms) behind them`,
  );

  console.log('\n5. Read-your-writes on Upstash: the sync token');
  const tokens = await syncTokensDuring(async () => {
    await upstash.set('ryw-demo', 'written');
    await upstash.get('ryw-demo');
  });
  for (const [i, { sent, received }] of tokens.entries()) {
    console.log(`   ${i === 0 ? 'SET' : 'GET'}  sent ${sent ?? '(none)'}, received ${received}`);
  }

  console.log('\n6. A connection per invocation: median of 200 GETs each');
  const coldTcp = await medianMs(200, () => coldTcpGet(config.valkeyUrl, 'cost'));
  const coldHttp = await medianMs(200, () => coldHttpGet(config.upstash, 'cost'));
  const warmTcp = await medianMs(200, () => warmTcpGet(client, 'cost'));
  const warmHttp = await medianMs(200, () => upstash.get('cost'));
  console.log(`   new TCP connection + ready check + GET  ${coldTcp.toFixed(2)} ms`);
  console.log(`   one HTTP request, new connection        ${coldHttp.toFixed(2)} ms`);
  console.log(`   HTTP on a kept-alive connection         ${warmHttp.toFixed(2)} ms`);
  console.log(`   GET on a warm TCP connection            ${warmTcp.toFixed(2)} ms`);

  console.log('\n   Retries with backoff, against a port where nothing listens:');
  const began = performance.now();
  await withRetry((signal) => fetch('http://127.0.0.1:9/', { signal }), {
    onRetry: (attempt, error, delayMs) =>
      console.log(
        `   attempt ${attempt} failed after ${(performance.now() - began).toFixed(0)} ms (${(error as Error).message}); next in ${delayMs} ms`,
      ),
  }).catch((error: Error) =>
    console.log(
      `   gave up after 4 attempts, ${(performance.now() - began).toFixed(0)} ms: ${error.message}`,
    ),
  );
} finally {
  await pool.end();
  await client.quit();
}
