// The figures the lesson quotes, measured on the store you point it at:
//
//   pnpm stack                                                (in one terminal, or VALKEY_URL in .env)
//   pnpm --filter @workshop/lesson-06-beyond-strings measure   (in another)
//
// It writes keys under `cost:` and deletes them again.

import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, type } from 'node:os';
import { loadConfig } from '@workshop/config';
import { createPool, getArticle } from '@workshop/db';
import { bytesForOneFieldChange, encodingsAsTheyGrow, readersCost } from './type-costs.ts';
import { connectValkeyStore } from './valkey-store.ts';

const config = loadConfig();
const pool = createPool(config);
const { client } = await connectValkeyStore(config);

/** "Valkey 8.0.1", from INFO; the local kv-server reports itself as a Redis version. */
async function serverName(): Promise<string> {
  const info = await client.info('server').catch(() => '');
  const valkey = info.match(/^valkey_version:(.+)$/m)?.[1]?.trim();
  const redis = info.match(/^redis_version:(.+)$/m)?.[1]?.trim();
  return valkey ? `Valkey ${valkey}` : redis ? `Redis ${redis} (as INFO reports it)` : 'unknown';
}

function machine(): string {
  let os = `${type()} ${release()}`;
  try {
    os = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)/m)?.[1] ?? os;
  } catch {}
  // Other programs share the machine: the load average says how busy it was.
  return `${os}, ${cpus().length} cores, Node ${process.versions.node}, load average ${loadavg()[0]?.toFixed(1)}`;
}

const kb = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${bytes} B`;

try {
  console.log(`server:   ${await serverName()} at ${config.valkeyUrl}`);
  console.log(`machine:  ${machine()}\n`);

  const article = await getArticle(pool, 'article-00042');
  if (!article) throw new Error('article-00042 is not in the database: was it deleted?');
  const { asJson, asHashField } = await bytesForOneFieldChange(client, article);
  console.log(`1. Changing the title of article-00042 (${article.body.length} characters of body)`);
  console.log(`   SET with the whole article as JSON:  ${asJson} bytes sent`);
  console.log(`   HSET of the title field alone:       ${asHashField} bytes sent\n`);

  console.log('2. Unique readers: a set against a HyperLogLog');
  console.log('   readers     SCARD     PFCOUNT   error    set memory   HLL memory   set encoding');
  for (const n of [10, 10_000, 1_000_000]) {
    const cost = await readersCost(client, n);
    console.log(
      `   ${String(n).padStart(9)} ${String(cost.exact).padStart(9)} ${String(cost.approximate).padStart(11)} ${`${cost.errorPercent.toFixed(2)}%`.padStart(7)} ${kb(cost.setBytes).padStart(12)} ${kb(cost.hllBytes).padStart(12)}   ${cost.setEncoding}`,
    );
  }

  console.log('\n3. OBJECT ENCODING as data grows (MEMORY USAGE beside it)');
  for (const step of await encodingsAsTheyGrow(client)) {
    console.log(`   ${step.what.padEnd(26)} ${step.encoding.padEnd(10)} ${kb(step.bytes)}`);
  }
} finally {
  client.disconnect();
  await pool.end();
}
