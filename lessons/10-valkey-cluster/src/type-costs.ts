// What each type costs, measured on the server the client is connected to: the bytes one edit
// sends, MEMORY USAGE of a set against a HyperLogLog of the same readers (and the HLL's error),
// and OBJECT ENCODING as a hash and a set grow. `src/measure.ts` prints these; the checkpoints
// check their shape on every backend.

import type { Article } from '@workshop/db';
import type { Redis as ValkeyClient } from 'iovalkey';
import { toHash } from './article-hash.ts';

// #region bytes-sent
/** Bytes written on the client's socket while `send` runs: what went over the wire. */
async function bytesSent(client: ValkeyClient, send: () => Promise<unknown>): Promise<number> {
  const before = client.stream.bytesWritten;
  await send();
  return client.stream.bytesWritten - before;
}

/** One edit to an article's title: the whole JSON again, or one field of a hash. */
export async function bytesForOneFieldChange(client: ValkeyClient, article: Article) {
  const edited = { ...article, title: `${article.title} (edited)` };
  const asJson = await bytesSent(client, () =>
    client.set(`bytes:json:${article.slug}`, JSON.stringify(edited), 'EX', 60),
  );
  const hashKey = `bytes:hash:${article.slug}`;
  await client.hset(hashKey, toHash(article));
  const asHashField = await bytesSent(client, () => client.hset(hashKey, 'title', edited.title));
  await client.del(`bytes:json:${article.slug}`, hashKey);
  return { asJson, asHashField };
}
// #endregion bytes-sent

// #region readers
/** `n` different readers, in a set and in a HyperLogLog: their memory and the HLL's error. */
export async function readersCost(client: ValkeyClient, n: number, prefix = 'cost') {
  const setKey = `${prefix}:readers:set:${n}`;
  const hllKey = `${prefix}:readers:hll:${n}`;
  await client.del(setKey, hllKey);
  // 1,000 readers per command, 50 commands per round trip: a million readers in 20 round trips.
  const CHUNK = 1000;
  let pipeline = client.pipeline();
  for (let start = 0; start < n; start += CHUNK) {
    const readers = Array.from(
      { length: Math.min(CHUNK, n - start) },
      (_, i) => `reader-${start + i}`,
    );
    pipeline.sadd(setKey, ...readers).pfadd(hllKey, ...readers);
    if (pipeline.length >= 100) {
      await pipeline.exec();
      pipeline = client.pipeline();
    }
  }
  await pipeline.exec();
  const exact = await client.scard(setKey);
  const approximate = await client.pfcount(hllKey);
  // SAMPLES 0: measure every member, not an estimate from the first five.
  const setBytes = Number(await client.call('MEMORY', 'USAGE', setKey, 'SAMPLES', '0'));
  const hllBytes = Number(await client.call('MEMORY', 'USAGE', hllKey));
  const setEncoding = String(await client.call('OBJECT', 'ENCODING', setKey));
  await client.del(setKey, hllKey);
  return {
    readers: n,
    exact,
    approximate,
    errorPercent: (100 * (approximate - exact)) / exact,
    setBytes,
    hllBytes,
    setEncoding,
  };
}
// #endregion readers

// #region encodings
/** A size limit from CONFIG GET, or Redis 7.0's default when the server does not say. */
async function limit(client: ValkeyClient, name: string, fallback: number): Promise<number> {
  const reply = (await client.config('GET', name).catch(() => [])) as string[];
  const value = Number(reply[1]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * OBJECT ENCODING of a hash and of a set just below and just above the sizes where the server
 * switches to a bigger encoding. The limits are settings (Valkey 8 keeps hashes of up to 512
 * fields in a listpack, Redis 7.0 up to 128), so they are read from the server first.
 */
export async function encodingsAsTheyGrow(client: ValkeyClient, prefix = 'cost') {
  const key = `${prefix}:encoding`;
  const hashEntries = await limit(client, 'hash-max-listpack-entries', 128);
  const hashValue = await limit(client, 'hash-max-listpack-value', 64);
  const intsetEntries = await limit(client, 'set-max-intset-entries', 512);
  const steps: { what: string; encoding: string; bytes: number }[] = [];
  async function look(what: string) {
    const encoding = String(await client.call('OBJECT', 'ENCODING', key));
    const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    steps.push({ what, encoding, bytes });
  }
  const fields = (n: number) => Array.from({ length: n }, (_, i) => [`field${i}`, 'x']).flat();
  await client.del(key);
  await client.hset(key, ...fields(hashEntries));
  await look(`hash, ${hashEntries} short fields`);
  await client.hset(key, `field${hashEntries}`, 'x');
  await look(`hash, ${hashEntries + 1} short fields`);
  await client.del(key);
  await client.hset(key, 'body', 'x'.repeat(hashValue));
  await look(`hash, one ${hashValue}-byte value`);
  await client.hset(key, 'body', 'x'.repeat(hashValue + 1));
  await look(`hash, one ${hashValue + 1}-byte value`);

  const numbers = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
  await client.del(key);
  await client.sadd(key, ...numbers(1, intsetEntries));
  await look(`set, ${intsetEntries} integers`);
  await client.sadd(key, String(intsetEntries + 1));
  await look(`set, ${intsetEntries + 1} integers`);
  await client.del(key);
  await client.sadd(key, ...numbers(1, 100).map((n) => `reader-${n}`));
  await look('set, 100 short strings');
  await client.del(key);
  return steps;
}
// #endregion encodings
