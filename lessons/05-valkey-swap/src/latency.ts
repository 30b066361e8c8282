// TCP against HTTP, measured side by side: the same commands, one after the other, to the same
// Valkey, once over RESP with iovalkey and once over REST with @upstash/redis through a local
// Upstash-compatible endpoint that forwards to that Valkey. Run it with `pnpm latency` in this
// folder (the local stack must be running, or VALKEY_URL set in .env).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createUpstashClient, createValkeyClient, loadConfig } from '@workshop/db';
import { startKvServer } from '@workshop/kv-server';
import { createValkeyStore } from './valkey-store.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 2000);
const config = loadConfig();

type Store = {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  incr(key: string): Promise<number>;
};

async function measure(store: Store, command: 'SET' | 'GET' | 'INCR') {
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS + 200; i++) {
    const start = performance.now();
    if (command === 'SET') await store.set('latency:value', 'hello');
    else if (command === 'GET') await store.get('latency:value');
    else await store.incr('latency:counter');
    // The first 200 rounds warm up connections and the JIT; they are not counted.
    if (i >= 200) samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) =>
    samples[Math.min(samples.length - 1, Math.floor(p * samples.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]+)/m);
    if (release?.[1]) return release[1];
  } catch {}
  return `${os.type()} ${os.release()}`;
}

const valkey = createValkeyClient(config);
const forwarder = await startKvServer({
  restPort: 0,
  respPort: false,
  forwardTo: config.valkeyUrl,
});
const upstash = createUpstashClient({
  upstash: { url: forwarder.restUrl, token: forwarder.token, source: 'local' },
});
const tcp = createValkeyStore(valkey);

try {
  const info = await valkey.info('server').catch(() => '');
  const valkeyVersion = info.match(/^valkey_version:(.+)$/m)?.[1]?.trim();
  const redisVersion = info.match(/^redis_version:(.+)$/m)?.[1]?.trim();
  const server = valkeyVersion
    ? `Valkey ${valkeyVersion}`
    : redisVersion
      ? `Redis ${redisVersion}`
      : "the local stack's kv-server";
  console.log(`Backend: ${server} at ${config.valkeyUrl}`);
  console.log(
    `Machine: ${osName()}, ${os.cpus().length} cores, Node ${process.versions.node}; ${ROUNDS} sequential calls per row, after 200 warm-up calls\n`,
  );
  console.log('command  TCP p50   TCP p99   HTTP p50  HTTP p99  HTTP/TCP (p50)');
  for (const command of ['SET', 'GET', 'INCR'] as const) {
    const overTcp = await measure(tcp, command);
    const overHttp = await measure(upstash, command);
    const ms = (n: number) => `${n.toFixed(3)} ms`.padEnd(10);
    console.log(
      `${command.padEnd(9)}${ms(overTcp.p50)}${ms(overTcp.p99)}${ms(overHttp.p50)}${ms(overHttp.p99)}${(overHttp.p50 / overTcp.p50).toFixed(1)}x`,
    );
  }
  await valkey.del('latency:value', 'latency:counter');
} finally {
  valkey.disconnect();
  await forwarder.close();
}
