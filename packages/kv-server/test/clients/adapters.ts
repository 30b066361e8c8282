// The mainstream clients, each behind one small interface, connected with default options (what
// a new user writes): node-redis 4, 5 and 6 (6 opens with HELLO 3), ioredis 5 and 6, iovalkey,
// and redis-cli run non-interactively. The scenarios in scenarios.ts use only this interface.

import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis as IORedis5 } from 'ioredis';
import { Redis as IORedis6 } from 'ioredis6';
import { Redis as Valkey } from 'iovalkey';
import * as redis4 from 'redis4';
import * as redis5 from 'redis5';
import * as redis6 from 'redis6';

export interface Connection {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
  incr(key: string): Promise<number>;
  expire(key: string, seconds: number): Promise<unknown>;
  ttl(key: string): Promise<number>;
  /** MULTI; INCR key; INCR key; GET key; EXEC: the three replies. */
  multiIncr(key: string): Promise<unknown[]>;
  /** Every key matching `match`, by SCAN iteration with a small COUNT. */
  scanAll(match: string): Promise<string[]>;
  /** Any command, replies as the client gives them. */
  call(...argv: string[]): Promise<unknown>;
  /**
   * PSUBSCRIBE on this connection (which then stays a subscriber): resolves once subscribed;
   * each message goes to `onMessage`.
   */
  psubscribe(pattern: string, onMessage: (channel: string, message: string) => void): Promise<void>;
  /** PUBLISH: the number of receivers. */
  publish(channel: string, message: string): Promise<number>;
  /** RPUSH one value. */
  rpush(key: string, value: string): Promise<unknown>;
  /** BLPOP one key: [key, element], or null on timeout. */
  blpop(key: string, timeoutSeconds: number): Promise<[string, string] | null>;
  close(): Promise<void>;
}

export interface ClientAdapter {
  name: string;
  connect(url: string): Promise<Connection>;
}

/** Fails instead of hanging: a client that cannot connect retries forever by default. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// node-redis: the three majors share an API for what the scenarios use; 5 and 6 yield SCAN
// batches (arrays), 4 yields keys one by one.
type NodeRedisModule = { createClient(options: { url: string }): unknown };

function nodeRedis(name: string, module: NodeRedisModule): ClientAdapter {
  return {
    name,
    async connect(url) {
      // biome-ignore lint/suspicious/noExplicitAny: three majors' types differ; the calls used here do not
      const client = module.createClient({ url }) as any;
      client.on('error', () => {});
      try {
        await within(client.connect(), 5000, `${name} connect`);
      } catch (error) {
        client.destroy?.() ?? client.disconnect?.().catch(() => {});
        throw error;
      }
      return {
        set: (k, v) => client.set(k, v),
        get: async (k) => (await client.get(k)) as string | null,
        incr: async (k) => Number(await client.incr(k)),
        expire: (k, s) => client.expire(k, s),
        ttl: async (k) => Number(await client.ttl(k)),
        multiIncr: (k) => client.multi().incr(k).incr(k).get(k).exec(),
        async scanAll(match) {
          const keys: string[] = [];
          for await (const batch of client.scanIterator({ MATCH: match, COUNT: 3 })) {
            if (Array.isArray(batch)) keys.push(...batch);
            else keys.push(batch);
          }
          return keys;
        },
        call: (...argv) => client.sendCommand(argv),
        // The listener gets (message, channel) in all three majors.
        psubscribe: (pattern, onMessage) =>
          client.pSubscribe(pattern, (message: string, channel: string) =>
            onMessage(channel, message),
          ),
        publish: async (channel, message) => Number(await client.publish(channel, message)),
        rpush: (k, v) => client.rPush(k, v),
        async blpop(k, timeout) {
          const reply = await client.sendCommand(['BLPOP', k, String(timeout)]);
          return reply === null ? null : (reply as [string, string]);
        },
        async close() {
          if (typeof client.close === 'function') await client.close();
          else await client.quit();
        },
      };
    },
  };
}

type IORedisClass = new (
  url: string,
) => {
  // biome-ignore lint/suspicious/noExplicitAny: ioredis and iovalkey share this API
  [command: string]: any;
};

function ioredis(name: string, Client: IORedisClass): ClientAdapter {
  return {
    name,
    async connect(url) {
      const client = new Client(url);
      client.on('error', () => {});
      try {
        await within(client.ping(), 5000, `${name} connect`);
      } catch (error) {
        client.disconnect();
        throw error;
      }
      return {
        set: (k, v) => client.set(k, v),
        get: (k) => client.get(k),
        incr: (k) => client.incr(k),
        expire: (k, s) => client.expire(k, s),
        ttl: (k) => client.ttl(k),
        async multiIncr(k) {
          const results = (await client.multi().incr(k).incr(k).get(k).exec()) as [
            Error | null,
            unknown,
          ][];
          return results.map(([error, value]) => error ?? value);
        },
        scanAll(match) {
          return new Promise((resolve, reject) => {
            const keys: string[] = [];
            const stream = client.scanStream({ match, count: 3 });
            stream.on('data', (batch: string[]) => keys.push(...batch));
            stream.on('end', () => resolve(keys));
            stream.on('error', reject);
          });
        },
        call: (...argv) => client.call(...argv),
        async psubscribe(pattern, onMessage) {
          client.on('pmessage', (_pattern: string, channel: string, message: string) =>
            onMessage(channel, message),
          );
          await client.psubscribe(pattern);
        },
        publish: (channel, message) => client.publish(channel, message),
        rpush: (k, v) => client.rpush(k, v),
        blpop: (k, timeout) => client.blpop(k, timeout),
        async close() {
          await client.quit();
        },
      };
    },
  };
}

const run = promisify(execFile);

/** redis-cli, one process per command (`redis-cli -u URL CMD ...`), its raw output as replies. */
const redisCli: ClientAdapter = {
  name: 'redis-cli',
  async connect(url) {
    const cli = async (...argv: string[]) => {
      const { stdout } = await run('redis-cli', ['-u', url, '--no-raw', ...argv], {
        timeout: 5000,
      });
      return stdout.trimEnd();
    };
    // redis-cli prints a bulk string quoted, an integer as `(integer) n`, nil as `(nil)`.
    const bulkOrNil = (out: string) => (out === '(nil)' ? null : out.replace(/^"|"$/g, ''));
    const integer = (out: string) => Number(out.replace('(integer) ', ''));
    await cli('PING');
    const children: ChildProcessWithoutNullStreams[] = [];
    return {
      set: (k, v) => cli('SET', k, v),
      get: async (k) => bulkOrNil(await cli('GET', k)),
      incr: async (k) => integer(await cli('INCR', k)),
      expire: (k, s) => cli('EXPIRE', k, String(s)),
      ttl: async (k) => integer(await cli('TTL', k)),
      async multiIncr(k) {
        // One connection for the whole transaction: the commands on stdin.
        const child = execFile('redis-cli', ['-u', url], { timeout: 5000 });
        let out = '';
        child.stdout?.on('data', (chunk: string) => {
          out += chunk;
        });
        child.stdin?.end(`MULTI\nINCR ${k}\nINCR ${k}\nGET ${k}\nEXEC\n`);
        await new Promise((resolve) => child.on('close', resolve));
        // Non-interactive output: OK QUEUED QUEUED QUEUED then the EXEC array, one per line.
        return out.trimEnd().split('\n').slice(4);
      },
      async scanAll(match) {
        const out = await run('redis-cli', ['-u', url, '--scan', '--pattern', match], {
          timeout: 5000,
        });
        return out.stdout.split('\n').filter((line) => line !== '');
      },
      call: (...argv) => cli(...argv),
      psubscribe(pattern, onMessage) {
        // A long-running `redis-cli PSUBSCRIBE`: not on a terminal it prints each element of
        // each reply on a line of its own (psubscribe, pattern, count; pmessage, pattern,
        // channel, message).
        const child = spawn('redis-cli', ['-u', url, 'PSUBSCRIBE', pattern]);
        children.push(child);
        let lines: string[] = [];
        let pending = '';
        return new Promise((resolve, reject) => {
          child.once('error', reject);
          child.stdout.on('data', (chunk: Buffer) => {
            pending += chunk.toString('utf8');
            const parts = pending.split('\n');
            pending = parts.pop() ?? '';
            lines.push(...parts);
            while (lines.length > 0) {
              if (lines[0] === 'psubscribe' && lines.length >= 3) {
                lines = lines.slice(3);
                resolve();
              } else if (lines[0] === 'pmessage' && lines.length >= 4) {
                onMessage(lines[2]!, lines[3]!);
                lines = lines.slice(4);
              } else break;
            }
          });
        });
      },
      publish: async (channel, message) => integer(await cli('PUBLISH', channel, message)),
      rpush: (k, v) => cli('RPUSH', k, v),
      async blpop(k, timeout) {
        const { stdout } = await run('redis-cli', ['-u', url, 'BLPOP', k, String(timeout)], {
          timeout: 5000 + timeout * 1000,
        });
        const lines = stdout.split('\n').filter((line) => line !== '');
        return lines.length === 2 ? [lines[0]!, lines[1]!] : null;
      },
      async close() {
        for (const child of children) child.kill();
      },
    };
  },
};

export const adapters: ClientAdapter[] = [
  nodeRedis('node-redis 4', redis4),
  nodeRedis('node-redis 5', redis5),
  nodeRedis('node-redis 6', redis6),
  ioredis('ioredis 5', IORedis5 as unknown as IORedisClass),
  ioredis('ioredis 6', IORedis6 as unknown as IORedisClass),
  ioredis('iovalkey', Valkey as unknown as IORedisClass),
  redisCli,
];
