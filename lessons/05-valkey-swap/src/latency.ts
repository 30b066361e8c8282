// TCP against HTTP, measured side by side: the same commands, one after the other, to the same
// Valkey, once over TCP with iovalkey (through the adapter) and once over HTTP with
// @upstash/redis, through a local Upstash-compatible endpoint that forwards to that Valkey.
//
//   pnpm stack                                               (in one terminal, or VALKEY_URL in .env)
//   pnpm --filter @workshop/lesson-05-valkey-swap latency    (in another)

import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, type } from 'node:os';
import { loadConfig } from '@workshop/config';
import { startKvServer } from '@workshop/kv-server';
import type { KeyValueStore } from './store.ts';
import { createUpstashStore } from './upstash.ts';
import { connectValkeyStore } from './valkey-store.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 2000);
const WARM_UP = 200;

const config = loadConfig();
const { client, store: overTcp } = await connectValkeyStore(config);
const forwarder = await startKvServer({
  restPort: 0,
  respPort: false,
  forwardTo: config.valkeyUrl,
});
const overHttp = createUpstashStore({ url: forwarder.restUrl, token: forwarder.token });

const commands = {
  SET: (store: KeyValueStore) => store.set('latency:value', 'hello'),
  GET: (store: KeyValueStore) => store.get('latency:value'),
  INCR: (store: KeyValueStore) => store.incr('latency:counter'),
};

/** Milliseconds per call, `ROUNDS` calls one after the other, after `WARM_UP` unmeasured ones. */
async function measure(store: KeyValueStore, call: (store: KeyValueStore) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < WARM_UP + ROUNDS; i++) {
    const start = performance.now();
    await call(store);
    if (i >= WARM_UP) samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) =>
    samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/** "Valkey 8.0.1", from INFO; the workshop's engine reports a Redis version, so it is named. */
async function serverName(): Promise<string> {
  const info = await client.info('server').catch(() => '');
  const field = (name: string) => info.match(new RegExp(`^${name}:(.+)$`, 'm'))?.[1]?.trim();
  if (field('valkey_version')) return `Valkey ${field('valkey_version')}`;
  if (field('kv_server_engine')) return "the workshop's own engine (the kv-server), not Valkey";
  const redis = field('redis_version');
  return redis ? `Redis ${redis}` : 'a server that answers no INFO';
}

function machine(): string {
  let os = `${type()} ${release()}`;
  try {
    os = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)/m)?.[1] ?? os;
  } catch {}
  // Other programs share the machine: the load average says how busy it was.
  const load = loadavg()[0]?.toFixed(1);
  return `${os}, ${cpus().length} cores, Node ${process.versions.node}, load average ${load}`;
}

try {
  console.log(`backend:  ${await serverName()} at ${config.valkeyUrl}`);
  console.log(`machine:  ${machine()}`);
  console.log(`calls:    ${ROUNDS} per row, one after the other, after ${WARM_UP} warm-up calls\n`);
  console.log('command   TCP p50    TCP p99    HTTP p50   HTTP p99   HTTP/TCP (p50)');
  for (const [name, call] of Object.entries(commands)) {
    const tcp = await measure(overTcp, call);
    const http = await measure(overHttp, call);
    const ms = (n: number) => `${n.toFixed(3)} ms`.padEnd(11);
    const ratio = `${(http.p50 / tcp.p50).toFixed(1)}x`;
    console.log(
      `${name.padEnd(10)}${ms(tcp.p50)}${ms(tcp.p99)}${ms(http.p50)}${ms(http.p99)}${ratio}`,
    );
  }
  await overTcp.del('latency:value', 'latency:counter');
} finally {
  await client.quit();
  await forwarder.close();
}
