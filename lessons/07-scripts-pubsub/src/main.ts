// `pnpm lesson 7`: the wiki of lesson 06 with an edit lock (SET NX PX, released and extended by
// Lua scripts), @upstash/ratelimit's sliding window in place of lesson 04's fixed one, and an
// in-process cache in front of the store, kept correct across processes with pub/sub.

import { cpus, loadavg } from 'node:os';
import { connectUpstash, exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool, getArticle } from '@workshop/db';
import { burstAcrossBoundary } from './boundary-burst.ts';
import { createEditLocks, isHeld } from './lock.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createSlidingLimiter } from './sliding-limit.ts';
import {
  INVALIDATION_CHANNEL,
  subscribeOverRest,
  subscribeOverTcp,
  withLocalTier,
} from './two-tier.ts';
import { connectValkeyStore, createValkeyStoreClient } from './valkey-store.ts';
import { createWiki } from './wiki.ts';
import { commandsSentDuring } from './wire.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(7);

const config = loadConfig();
const pool = createPool(config);
const { client, store } = await connectValkeyStore(config);
const upstash = await connectUpstash(config);
const closers: (() => unknown)[] = [];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The median of `rounds` calls, in ms. */
async function p50(rounds: number, call: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? Number.NaN;
}

const run = Date.now();
try {
  console.log('Lesson 07: scripts, pub/sub and the libraries\n');
  // The timings below depend on how busy the machine is: say so next to them.
  console.log(
    `The store: ${config.valkeyUrl}; ${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}\n`,
  );

  console.log('1. An edit lock: SET NX PX to take it, a Lua script to release it');
  // ada's locks last 100 ms, so hers can expire mid-release; grace's last 10 s.
  const locks = createEditLocks(client, { ttlMs: 100 });
  const graceLocks = createEditLocks(client, { ttlMs: 10_000 });
  const ada = await locks.acquire(`lock-demo-${run}`, 'ada');
  const grace = await graceLocks.acquire(`lock-demo-${run}`, 'grace');
  console.log(`   ada asks:   ${isHeld(ada) ? 'locked' : 'refused'}`);
  console.log(`   grace asks: ${isHeld(grace) ? 'locked' : `refused, held by ${grace.heldBy}`}`);
  // The race: ada pauses between her GET and her DEL; her lock expires; grace takes it.
  for (const [label, release] of [
    ['GET, then DEL', locks.releaseWithGetThenDel],
    ['the release script', locks.release],
  ] as const) {
    const slug = `lock-race-${run}-${label.length}`;
    const held = await locks.acquire(slug, 'ada');
    if (!isHeld(held)) continue;
    let graceLock = false;
    const pause = async () => {
      await sleep(150);
      graceLock = isHeld(await graceLocks.acquire(slug, 'grace'));
    };
    if (label === 'GET, then DEL') await locks.releaseWithGetThenDel(held, pause);
    else {
      await pause();
      await release(held);
    }
    const holder = (await client.get(`lock:edit:${slug}`))?.split(':')[0] ?? 'nobody';
    console.log(
      `   ada releases late with ${label.padEnd(18)} grace took it: ${graceLock}; now held by: ${holder}`,
    );
  }

  console.log(
    '\n2. The sliding window (@upstash/ratelimit), 3 per minute, on the Upstash endpoint',
  );
  const sliding = createSlidingLimiter(upstash, {
    name: `demo-${run}`,
    limit: 3,
    windowSeconds: 60,
  });
  for (let i = 1; i <= 4; i++) {
    const decision = await sliding.hit('ada');
    console.log(
      `   create ${i}: ${decision.allowed ? `allowed (${decision.remaining} left)` : `refused, retry in ${decision.retryAfterSeconds} s`}`,
    );
  }
  await upstash.scriptFlush(); // forget every script: the library must send its own, whole
  const sent = await commandsSentDuring(() => sliding.hit('grace'));
  const evalCall = sent.find((command) => String(command[0]).toUpperCase() === 'EVAL');
  console.log(`   on the wire: ${sent.map((command) => String(command[0])).join(', ')}`);
  if (evalCall) {
    const script = String(evalCall[1]).trim().split('\n').slice(0, 6);
    for (const line of script) console.log(`      | ${line}`);
  }

  console.log(
    '\n3. The boundary burst: limit 5 per 2 s, 4 requests just before a boundary, 5 just after',
  );
  const fixed = createRateLimiter({ store, name: `burst-${run}`, limit: 5, windowSeconds: 2 });
  const slidingBurst = createSlidingLimiter(upstash, {
    name: `burst-${run}`,
    limit: 5,
    windowSeconds: 2,
  });
  const [f, s] = await Promise.all([
    burstAcrossBoundary((caller) => fixed.hit(caller), { caller: 'f', limit: 5, windowMs: 2000 }),
    burstAcrossBoundary((caller) => slidingBurst.hit(caller), {
      caller: 's',
      limit: 5,
      windowMs: 2000,
    }),
  ]);
  console.log(
    `   fixed window (lesson 04):  ${f.beforeBoundary} + ${f.afterBoundary} = ${f.inBurst} allowed within ~350 ms`,
  );
  console.log(
    `   sliding window:            ${s.beforeBoundary} + ${s.afterBoundary} = ${s.inBurst} allowed within ~350 ms`,
  );

  console.log('\n4. Two tiers: an in-process LRU in front of the store');
  const wiki = createWiki({ pool, store, client, ttlSeconds: 60 });
  const processA = withLocalTier(wiki, {
    localTtlMs: 5000,
    publish: (message) => client.publish(INVALIDATION_CHANNEL, message),
  });
  const slug = 'article-00042';
  await processA.wiki.getArticle(slug);
  const local = await p50(500, () => processA.wiki.getArticle(slug));
  const inStore = await p50(500, () => wiki.getArticle(slug));
  const inPostgres = await p50(100, () => getArticle(pool, slug));
  console.log(`   median of reads of ${slug}:`);
  console.log(`   in-process LRU  ${local.toFixed(4)} ms`);
  console.log(`   the store       ${inStore.toFixed(3)} ms`);
  console.log(`   Postgres        ${inPostgres.toFixed(3)} ms`);

  console.log(
    '\n5. A write in one process, seen by another (two processes, simulated in this one)',
  );
  for (const over of ['TCP (SUBSCRIBE)', 'REST (SSE)'] as const) {
    const publish = (message: string) =>
      over === 'REST (SSE)'
        ? upstash.publish(INVALIDATION_CHANNEL, message)
        : client.publish(INVALIDATION_CHANNEL, message);
    const a = withLocalTier(wiki, { localTtlMs: 5000, publish });
    const b = withLocalTier(wiki, { localTtlMs: 5000, publish });
    const subscription =
      over === 'REST (SSE)'
        ? await subscribeOverRest(upstash, b.onMessage)
        : await subscribeOverTcp(createValkeyStoreClient(config.valkeyUrl), b.onMessage);
    closers.push(subscription.close);
    const demo = `two-tier-${run}-${over.length}`;
    await a.wiki.createArticle({ slug: demo, title: 'Before', body: 'x', author: 'ada' });
    await b.wiki.getArticle(demo);
    const start = performance.now();
    await a.wiki.updateArticle(demo, { title: 'After' });
    while ((await b.wiki.getArticle(demo))?.title !== 'After') await sleep(1);
    console.log(
      `   over ${over.padEnd(16)} b saw the new title ${(performance.now() - start).toFixed(1)} ms after a's write`,
    );
    await a.wiki.deleteArticle(demo);
  }
  console.log(
    '   A process that misses the message keeps its copy until its local TTL (5 s here).',
  );
} finally {
  for (const close of closers) await close();
  await pool.end();
  await client.quit();
}
