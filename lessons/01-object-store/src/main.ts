// `pnpm lesson 1`: the wiki reads articles through a store kept in one JavaScript object, then
// shows the three ways that object lets you down.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import { createObjectStore } from './store.ts';
import { articleKey, createWiki } from './wiki.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(1);

const config = loadConfig();
const pool = createPool(config);
// #region setup
const store = createObjectStore();
const wiki = createWiki({ pool, store });
// #endregion setup

const ms = (start: number) => `${(performance.now() - start).toFixed(2)} ms`;

try {
  console.log('Lesson 01: the world’s biggest JavaScript object\n');

  // 1. A miss, then a hit.
  const [first] = await wiki.listArticles();
  if (!first) throw new Error('The articles table is empty: run `pnpm stack` once to seed it.');
  const slug = first.slug;
  console.log(`1. Reading "${slug}" twice through the store`);
  for (let i = 0; i < 2; i++) {
    const wasStored = (await store.exists(articleKey(slug))) === 1;
    const start = performance.now();
    await wiki.getArticle(slug);
    const source = wasStored ? 'hit   from the object' : 'miss  from Postgres  ';
    console.log(`   ${source}  getArticle("${slug}")  ${ms(start)}`);
  }

  // 2. The same commands, with the same replies, as Redis.
  console.log('\n2. It answers like Redis');
  console.log(`   set('visits', 41)         -> ${await store.set('visits', 41)}`);
  console.log(`   incr('visits')            -> ${await store.incr('visits')}`);
  console.log(
    `   get('visits')             -> '${await store.get('visits')}' (a string, as in Redis)`,
  );
  console.log(`   get('nobody')             -> ${await store.get('nobody')}`);
  await store.set('greeting', 'hello');
  await store.incr('greeting').catch((error: Error) => {
    console.log(`   incr('greeting')          -> rejects: ${error.message}`);
  });
  // Expiry, on a store with a clock of its own: moving that clock 1.1 s on shows the same as
  // waiting 1.1 s, without making you wait.
  let clock = Date.now();
  const timed = createObjectStore({ now: () => clock });
  await timed.set('session', 'abc', { ex: 1 });
  console.log(
    `   set('session', 'abc', { ex: 1 }); ttl('session') -> ${await timed.ttl('session')}`,
  );
  clock += 1100;
  console.log(
    `   1.1 s later: get('session') -> ${await timed.get('session')}, ttl -> ${await timed.ttl('session')}`,
  );

  // 3. Why one object is not enough.
  console.log('\n3. Why it breaks down');
  // #region another-process
  const script = fileURLToPath(new URL('./another-process.ts', import.meta.url));
  const output = execFileSync(process.execPath, [...process.execArgv, script, articleKey(slug)]);
  // #endregion another-process
  console.log(`   This process holds ${await store.dbsize()} keys.`);
  console.log(`   ${output.toString().trim()}`);
  console.log('   A restart is the same story: when this process exits, every key goes with it.');

  const before = process.memoryUsage().heapUsed;
  const copy = (await store.get(articleKey(slug))) ?? '';
  for (let i = 0; i < 100_000; i++) await store.set(`article:copy-${i}`, copy);
  const grownBy = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
  console.log(
    `   100,000 more keys: ${await store.dbsize()} keys, heap +${grownBy.toFixed(0)} MB. Nothing is ` +
      'ever evicted: the object grows until the process runs out of memory.',
  );
  console.log('\nNext: lesson 02 keeps the same wiki and moves the store out of the process.');
} finally {
  await pool.end();
}
