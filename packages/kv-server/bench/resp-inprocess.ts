// The RESP path's own JavaScript, without the network: the RESP server of src/resp on a fake
// socket, fed 16-command batches of redis-benchmark's nine commands, reporting CPU time (this
// process's user + system) per command. No write system call and no other process is in it,
// so it moves far less with the machine's load than req/s do: compare two versions of the code
// by running it on each, alternately, a few times, and keeping the best of each.
//   pnpm exec tsx bench/resp-inprocess.ts [set get ...]   (BATCHES, P, ROUNDS, RANDOM tune it)
// Profile it with `node --cpu-prof --import tsx bench/resp-inprocess.ts set`.

import { EventEmitter } from 'node:events';
import { createEngine } from '../src/engine/index.ts';
import { engineHandler } from '../src/resp/engine-handler.ts';
import { createRespServer } from '../src/resp/resp-server.ts';

const engine = createEngine();
const server = createRespServer({ createHandler: (info) => engineHandler(engine, info) });

/** What the RESP server uses of a net.Socket; writes are counted and dropped. */
class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  remotePort = 50000;
  localAddress = '127.0.0.1';
  localPort = 6379;
  destroyed = false;
  writableLength = 0;
  written = 0;
  setNoDelay(): void {}
  write(data: string | Buffer): boolean {
    this.written += data.length;
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
  pause(): void {}
  resume(): void {}
}
const socket = new FakeSocket();
server.emit('connection', socket);

function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}
// The commands and keys redis-benchmark sends (without -r, keys keep their __rand_int__ text).
const KEY = 'key:__rand_int__';
const TESTS: Record<string, string> = {
  set: command('SET', KEY, 'xxx'),
  get: command('GET', KEY),
  incr: command('INCR', 'counter:__rand_int__'),
  lpush: command('LPUSH', 'mylist', 'xxx'),
  lpop: command('LPOP', 'mylist'),
  sadd: command('SADD', 'myset', 'element:__rand_int__'),
  hset: command('HSET', 'myhash', 'element:__rand_int__', 'xxx'),
  zadd: command('ZADD', 'myzset', '0', 'element:__rand_int__'),
  mset: command('MSET', ...Array.from({ length: 10 }, () => [KEY, 'xxx']).flat()),
};
/**
 * RANDOM=1: as `redis-benchmark -r 1000000`, each __rand_int__ becomes 12 random digits (of the
 * same length, so keys differ only in their digits), different in every command of the batch.
 */
const RANDOM = process.env.RANDOM === '1';

/** P copies of a command, with random keys under RANDOM=1. */
function batch(one: string): string {
  if (!RANDOM) return one.repeat(P);
  const digits = () => String(Math.floor(Math.random() * 1_000_000)).padStart(12, '0');
  return Array.from({ length: P }, () => one.replaceAll('__rand_int__', digits)).join('');
}

const only = process.argv.slice(2);
const P = Number(process.env.P ?? 16);
const BATCHES = Number(process.env.BATCHES ?? 30_000);
/** Runs of each command; the best is printed (the machine's load only ever adds). */
const ROUNDS = Number(process.env.ROUNDS ?? 1);

for (const [name, one] of Object.entries(TESTS)) {
  if (only.length > 0 && !only.includes(name)) continue;
  // A fresh Buffer per 'data' event, as socket reads give (64 of them, reused in turn).
  const reads = Array.from({ length: 64 }, () => Buffer.from(batch(one), 'latin1'));
  for (let i = 0; i < BATCHES / 4; i++) socket.emit('data', reads[i & 63]); // warm-up (JIT)
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < BATCHES; i++) socket.emit('data', reads[i & 63]);
    const used = process.cpuUsage(start);
    best = Math.min(best, ((used.user + used.system) * 1000) / (BATCHES * P));
  }
  console.log(`${name.padEnd(6)} ${best.toFixed(0).padStart(6)} ns of CPU per command`);
}
process.exit(0);
