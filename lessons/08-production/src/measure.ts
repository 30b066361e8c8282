// The figures of lesson 08 that take a while, on servers of this run's own (so nothing of
// yours is touched): KEYS against SCAN on a million keys, on the workshop engine and on a real
// valkey-server when one is installed; then big keys (valkey-cli --bigkeys) and MEMORY USAGE.
//
//   pnpm --filter @workshop/lesson-08-production measure

import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { scanKeys } from './keys.ts';
import {
  installedVersion,
  type ScratchServer,
  startScratchEngine,
  startScratchProgram,
} from './scratch-server.ts';
import { createValkeyStoreClient } from './valkey-store.ts';

const KEYS = 1_000_000;

// #region blocking
/**
 * While `work` runs on one connection, another sends PING after PING: the longest a PING waited
 * is how long the server answered nobody else.
 */
async function longestPingDuring(url: string, work: () => Promise<unknown>) {
  const pinger = createValkeyStoreClient(url);
  await pinger.ping();
  const waits: number[] = [];
  let running = true;
  const pinging = (async () => {
    while (running) {
      const start = performance.now();
      await pinger.ping();
      waits.push(performance.now() - start);
    }
  })();
  const start = performance.now();
  await work();
  const took = performance.now() - start;
  running = false;
  await pinging;
  pinger.disconnect();
  waits.sort((a, b) => a - b);
  return { took, longest: waits.at(-1) ?? 0, median: waits[Math.floor(waits.length / 2)] ?? 0 };
}
// #endregion blocking

async function keysAgainstScan(server: ScratchServer) {
  const client = createValkeyStoreClient(server.url);
  try {
    for (let start = 0; start < KEYS; start += 10_000) {
      const pipeline = client.pipeline();
      for (let i = start; i < start + 10_000; i += 100) {
        const pairs: string[] = [];
        for (let j = i; j < i + 100; j++) pairs.push(`user:${j}`, 'x');
        pipeline.mset(...pairs);
      }
      await pipeline.exec();
    }
    console.log(`   ${server.name}, ${await client.dbsize()} keys:`);
    const keys = await longestPingDuring(server.url, () => client.keys('session:*'));
    console.log(
      `   KEYS session:*          ${keys.took.toFixed(0).padStart(5)} ms in one command; PINGs meanwhile waited ${keys.median.toFixed(1)} ms (median), up to ${keys.longest.toFixed(1)} ms`,
    );
    const scan = await longestPingDuring(server.url, () => scanKeys(client, 'session:*', 1000));
    console.log(
      `   SCAN ... COUNT 1000     ${scan.took.toFixed(0).padStart(5)} ms in ~${KEYS / 1000} calls; PINGs meanwhile waited ${scan.median.toFixed(1)} ms (median), up to ${scan.longest.toFixed(1)} ms`,
    );
  } finally {
    client.disconnect();
    await server.close();
  }
}

async function bigKeys(server: ScratchServer) {
  const client = createValkeyStoreClient(server.url);
  try {
    // An article of the seed's size (about 1.5 KB of body), as JSON (v1) and as a hash (v2).
    const at = new Date().toISOString();
    const article = {
      slug: 'article-00042',
      title: 'Value Cache Eviction',
      body: 'Lorem ipsum dolor sit amet. '.repeat(55),
      author: 'ada',
      createdAt: at,
      updatedAt: at,
    };
    await client.hset('v2:article:article-00042', article);
    await client.set('v1:article:article-00042', JSON.stringify(article));
    // A big key: every reader of the site in one set.
    for (let start = 0; start < 200_000; start += 10_000) {
      await client.sadd(
        'readers:all',
        ...Array.from({ length: 10_000 }, (_, i) => `r${start + i}`),
      );
    }
    for (const key of ['v1:article:article-00042', 'v2:article:article-00042', 'readers:all']) {
      console.log(`   MEMORY USAGE ${key.padEnd(26)} ${await client.memory('USAGE', key)} bytes`);
    }
    const cli = spawnSync('valkey-cli', ['-s', server.url, '--bigkeys'], { encoding: 'utf8' });
    const summary = cli.stdout.split('\n').filter((line) => line.startsWith('Biggest'));
    for (const line of summary) console.log(`   valkey-cli --bigkeys: ${line.trim()}`);
  } finally {
    client.disconnect();
    await server.close();
  }
}

try {
  console.log(`${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}\n`);
  console.log(`1. KEYS against SCAN, on ${KEYS.toLocaleString('en')} keys (none of them match)`);
  await keysAgainstScan(await startScratchEngine());
  const valkey = installedVersion('valkey-server');
  if (valkey) await keysAgainstScan(await startScratchProgram('valkey-server'));
  console.log(`   (load average now ${loadavg()[0]?.toFixed(1)})`);

  console.log('\n2. Sizes on a real server: MEMORY USAGE and --bigkeys');
  if (valkey) await bigKeys(await startScratchProgram('valkey-server'));
  else console.log('   valkey-server is not installed: the engine estimates JS memory, not these.');
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
