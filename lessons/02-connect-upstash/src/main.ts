// `pnpm lesson 2`: the wiki from lesson 01 with its store on Upstash (or the local stack's
// Upstash-compatible endpoint), then a look at what travels on the wire and what can go wrong.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createUpstashClient, exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import { closedPort } from './closed-port.ts';
import { connectStore } from './upstash.ts';
import { articleKey, createWiki } from './wiki.ts';
import { watchTheWire } from './wire.ts';

// A service that is not there, or a wrong setting, gets one line saying what to do next.
exitOnFatalError(2);

const config = loadConfig();
const pool = createPool(config);
// #region setup
const store = await connectStore(config);
const wiki = createWiki({ pool, store });
// #endregion setup

const ms = (start: number) => `${(performance.now() - start).toFixed(2)} ms`;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

try {
  console.log('Lesson 02: connecting to Upstash\n');
  // The environment wins over .env (loadConfig's order): name the one the URL came from.
  const where =
    config.upstash.source === 'local'
      ? 'the local stack'
      : `UPSTASH_REDIS_REST_URL from ${process.env.UPSTASH_REDIS_REST_URL ? 'the environment' : '.env'}`;
  console.log(`The store: ${config.upstash.url} (${where})\n`);

  // 1. The same wiki, the store swapped.
  const [first] = await wiki.listArticles();
  if (!first) throw new Error('The articles table is empty: run `pnpm stack` once to seed it.');
  const slug = first.slug;
  await store.del(articleKey(slug)); // start from a miss, whatever an earlier run left
  console.log(`1. Reading "${slug}" twice through the store`);
  for (let i = 0; i < 2; i++) {
    const wasStored = (await store.exists(articleKey(slug))) === 1;
    const start = performance.now();
    await wiki.getArticle(slug);
    const source = wasStored ? 'hit   from the store ' : 'miss  from Postgres  ';
    console.log(`   ${source}  getArticle("${slug}")  ${ms(start)}`);
  }
  const script = fileURLToPath(new URL('./another-process.ts', import.meta.url));
  const output = execFileSync(process.execPath, [...process.execArgv, script, articleKey(slug)]);
  console.log(`   ${output.toString().trim()}`);
  console.log('   The store lives outside both processes: they share it, and a restart keeps it.');

  // 2. What the client sends. Each command is one JSON array in an HTTP POST.
  console.log('\n2. What travels on the wire');
  const stopWatching = watchTheWire((line) => console.log(`     ${line}`));
  try {
    console.log("   await store.set('demo:greeting', 'hello')");
    await store.set('demo:greeting', 'hello');
    console.log("   await store.get('demo:greeting')");
    await store.get('demo:greeting');
    console.log(
      "   await Promise.all([store.incr('demo:visits'), store.incr('demo:visits'), store.ttl('demo:visits')])",
    );
    await Promise.all([
      store.incr('demo:visits'),
      store.incr('demo:visits'),
      store.ttl('demo:visits'),
    ]);
  } finally {
    stopWatching();
  }
  console.log('   Replies come base64-encoded ("aGVsbG8=" is "hello"); the client decodes them.');
  console.log(
    '   Commands issued together travel together: auto-pipelining, one request per batch.',
  );

  // 3. The JSON surprise: a client with the default settings parses whatever looks like JSON.
  console.log('\n3. The JSON surprise');
  // #region json-surprise
  const defaultClient = createUpstashClient(config); // automaticDeserialization left on
  await defaultClient.set('demo:count', '1');
  await defaultClient.set('demo:doc', JSON.stringify({ title: 'Hello' }));
  const count = await defaultClient.get('demo:count');
  const doc = await defaultClient.get('demo:doc');
  // #endregion json-surprise
  console.log(`   default client: set '1', get -> ${JSON.stringify(count)} (a ${typeof count})`);
  console.log(
    `   default client: set '{"title":"Hello"}', get -> ${typeof doc === 'object' ? 'an object' : typeof doc}, so JSON.parse(it) fails:`,
  );
  try {
    JSON.parse(doc as string);
  } catch (error) {
    console.log(`     ${messageOf(error)}`);
  }
  const ours = [await store.get('demo:count'), await store.get('demo:doc')];
  console.log(
    `   our store (automaticDeserialization: false): ${ours.map((v) => JSON.stringify(v)).join(', ')}`,
  );
  await store.del('demo:greeting', 'demo:visits', 'demo:count', 'demo:doc');

  // 4. Mistakes, and what they say.
  console.log('\n4. Mistakes, and what they say');
  try {
    await connectStore({ upstash: { ...config.upstash, token: 'not-the-token', source: 'env' } });
  } catch (error) {
    console.log(`   a wrong token:\n     ${messageOf(error)}`);
  }
  try {
    loadConfig({
      UPSTASH_REDIS_REST_URL: 'redis://default:secret@your-database.upstash.io:6379',
      UPSTASH_REDIS_REST_TOKEN: 'secret',
    });
  } catch (error) {
    console.log(`   a redis:// URL in UPSTASH_REDIS_REST_URL:\n     ${messageOf(error)}`);
  }
  const dead = {
    url: `http://127.0.0.1:${await closedPort()}`,
    token: 'any',
    source: 'env' as const,
  };
  console.log(`   nothing listening at ${dead.url}:`);
  let start = performance.now();
  await createUpstashClient({ upstash: dead })
    .get('anything')
    .catch((error) =>
      console.log(`     the client retried for ${ms(start)}, then: ${messageOf(error)}`),
    );
  start = performance.now();
  await connectStore({ upstash: dead }).catch((error) =>
    console.log(`     connectStore() took ${ms(start)}: ${messageOf(error)}`),
  );
  console.log('\nNext: lesson 03 caches the slow article list, with a TTL.');
} finally {
  await pool.end();
}
