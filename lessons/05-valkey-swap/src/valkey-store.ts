// The thin adapter this lesson is about: the app calls the store with `@upstash/redis`'s call
// shapes; iovalkey speaks Redis's own argument lists over TCP. This file translates one into
// the other, and nothing else in the app changes.
import type { Redis as ValkeyClient } from 'iovalkey';

// #region json
// `@upstash/redis` JSON-encodes what it stores and JSON-decodes what it reads (store "1", read
// back the number 1). iovalkey hands over the raw string. Copying Upstash's rule here keeps
// the cached article list an array of objects, whichever backend is plugged in.
function encode(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

function decode(raw: string | null): unknown {
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    // Like @upstash/redis: a number that would lose digits (a huge id) stays a string.
    return typeof parsed === 'number' && String(parsed) !== raw ? raw : parsed;
  } catch {
    return raw;
  }
}
// #endregion json

// #region adapter
export function createValkeyStore(client: ValkeyClient) {
  return {
    get: async (key: string) => decode(await client.get(key)),

    // { ex: 60 } becomes the arguments EX 60; { nx: true } becomes NX.
    async set(key: string, value: unknown, options: { ex?: number; nx?: boolean } = {}) {
      const args: (string | number)[] = [key, encode(value)];
      if (options.ex !== undefined) args.push('EX', options.ex);
      if (options.nx) args.push('NX');
      // iovalkey's typings list each argument combination; the command is the same SET.
      return (await client.call('SET', ...args)) as 'OK' | null;
    },

    del: (...keys: string[]) => client.del(...keys),
    exists: (...keys: string[]) => client.exists(...keys),
    incr: (key: string) => client.incr(key),
    ttl: (key: string) => client.ttl(key),
    expire: (key: string, seconds: number, option?: 'NX') =>
      option ? client.expire(key, seconds, option) : client.expire(key, seconds),

    // Redis answers scores as strings ("3"); @upstash/redis has already turned them into numbers.
    zincrby: async (key: string, increment: number, member: string) =>
      Number(await client.zincrby(key, increment, member)),
    async zrange(key: string, start: number, stop: number, options: { rev?: boolean; withScores?: boolean } = {}) {
      const args: (string | number)[] = [key, start, stop];
      if (options.rev) args.push('REV');
      if (options.withScores) args.push('WITHSCORES');
      const flat = (await client.call('ZRANGE', ...args)) as string[];
      return flat.map((item) => decode(item));
    },

    // Upstash's multi() answers a plain array of results; iovalkey's exec() answers
    // [error, result] pairs (or null when a WATCHed key changed). Unwrap them the same way.
    multi() {
      const transaction = client.multi();
      const chain = {
        incr(key: string) {
          transaction.incr(key);
          return chain;
        },
        expire(key: string, seconds: number, option?: 'NX') {
          if (option) transaction.expire(key, seconds, option);
          else transaction.expire(key, seconds);
          return chain;
        },
        async exec(): Promise<unknown[]> {
          const replies = await transaction.exec();
          if (replies === null) throw new Error('the transaction was aborted (a WATCHed key changed)');
          return replies.map(([error, result]) => {
            if (error) throw error;
            return result;
          });
        },
      };
      return chain;
    },
  };
}
// #endregion adapter

export type ValkeyStore = ReturnType<typeof createValkeyStore>;
