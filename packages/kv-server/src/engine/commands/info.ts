// INFO and MEMORY: what the server reports about itself, in Redis's field names, for redis-cli,
// bullmq and Redis Insight-style tools.

import { randomBytes } from 'node:crypto';
import { totalmem } from 'node:os';
import { cpuUsage, memoryUsage } from 'node:process';
import {
  err,
  fail,
  latin1,
  type Reply,
  SimpleString,
  VerbatimReply,
} from '../../protocol/reply.ts';
import { blockingOf } from '../blocking.ts';
import type { CommandContext, CommandSpec, Engine } from '../engine.ts';
import { BASE_USED_MEMORY, bytesToHuman } from '../memory.ts';
import { pubsubOf } from '../pubsub.ts';
import { configValue } from './config.ts';

/**
 * The Redis version this server says it is. 7.0: the engine's replies are checked byte for byte
 * against a real Redis 7.0 (the differential suite), and it has 7.0's additions that clients
 * gate on the version (LMPOP/BLMPOP, ZMPOP/BZMPOP, SINTERCARD, EXPIRETIME, 7.0's error texts).
 * Not 7.2: its changed replies and new commands (WAITAOF, 7.2's CLIENT options) are not all
 * here, and a client told 7.2 may rely on them. The patch number is 7.0's last release.
 */
export const REDIS_VERSION = '7.0.15';

/** Per engine, for the `run_id` line: random, fixed for the life of the engine. */
const runIds = new WeakMap<Engine, string>();

/** What the RESP server counts for the clients and stats sections (see `connectionOpened`). */
interface ConnectionStats {
  connected: number;
  received: number;
}
const connectionStats = new WeakMap<Engine, ConnectionStats>();

function statsOf(engine: Engine): ConnectionStats {
  let stats = connectionStats.get(engine);
  if (stats === undefined) {
    stats = { connected: 0, received: 0 };
    connectionStats.set(engine, stats);
  }
  return stats;
}

/** A RESP connection opened (total_connections_received, connected_clients). */
export function connectionOpened(engine: Engine): void {
  const stats = statsOf(engine);
  stats.connected++;
  stats.received++;
}

export function connectionClosed(engine: Engine): void {
  statsOf(engine).connected--;
}

type Section = (ctx: CommandContext) => string[];

const SECTIONS: Record<string, { title: string; lines: Section; default: boolean }> = {
  server: { title: 'Server', default: true, lines: serverSection },
  clients: { title: 'Clients', default: true, lines: clientsSection },
  memory: { title: 'Memory', default: true, lines: memorySection },
  persistence: { title: 'Persistence', default: true, lines: persistenceSection },
  stats: { title: 'Stats', default: true, lines: statsSection },
  replication: { title: 'Replication', default: true, lines: replicationSection },
  cpu: { title: 'CPU', default: true, lines: cpuSection },
  modules: { title: 'Modules', default: true, lines: () => [] },
  commandstats: { title: 'Commandstats', default: false, lines: () => [] },
  errorstats: { title: 'Errorstats', default: true, lines: () => [] },
  latencystats: { title: 'Latencystats', default: false, lines: () => [] },
  cluster: { title: 'Cluster', default: true, lines: () => ['cluster_enabled:0'] },
  keyspace: { title: 'Keyspace', default: true, lines: keyspaceSection },
};

function serverSection({ engine, db }: CommandContext): string[] {
  const now = db.now();
  const uptime = Math.floor((now - engine.startedAt) / 1000);
  let runId = runIds.get(engine);
  if (runId === undefined) {
    runId = randomBytes(20).toString('hex');
    runIds.set(engine, runId);
  }
  const hz = configValue(engine, 'hz') ?? '10';
  return [
    `redis_version:${REDIS_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    'redis_build_id:0',
    'redis_mode:standalone',
    `os:${process.platform} ${process.arch}`,
    `arch_bits:${process.arch.endsWith('64') ? 64 : 32}`,
    'multiplexing_api:node',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${runId}`,
    `tcp_port:${configValue(engine, 'port') ?? 0}`,
    `server_time_usec:${now * 1000}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${hz}`,
    `configured_hz:${hz}`,
    `lru_clock:${engine.memory.lruClock}`,
    `executable:${process.execPath}`,
    'config_file:',
    'io_threads_active:0',
    'kv_server_engine:workshop-kv-server',
    `kv_server_node_version:${process.version}`,
  ];
}

function clientsSection({ engine }: CommandContext): string[] {
  return [
    `connected_clients:${statsOf(engine).connected}`,
    'cluster_connections:0',
    `maxclients:${configValue(engine, 'maxclients') ?? 10000}`,
    `blocked_clients:${blockingOf(engine).blockedCount}`,
    'tracking_clients:0',
    'clients_in_timeout_table:0',
  ];
}

function memorySection({ engine }: CommandContext): string[] {
  const memory = engine.memory;
  const used = memory.used;
  const rss = memoryUsage.rss();
  const peak = Math.max(memory.peak, used);
  const heap = memoryUsage();
  return [
    `used_memory:${used}`,
    `used_memory_human:${bytesToHuman(used)}`,
    `used_memory_rss:${rss}`,
    `used_memory_rss_human:${bytesToHuman(rss)}`,
    `used_memory_peak:${peak}`,
    `used_memory_peak_human:${bytesToHuman(peak)}`,
    `used_memory_peak_perc:${((used * 100) / peak).toFixed(2)}%`,
    `used_memory_overhead:${BASE_USED_MEMORY}`,
    `used_memory_startup:${BASE_USED_MEMORY}`,
    `used_memory_dataset:${memory.dataBytes}`,
    `used_memory_dataset_perc:${used === 0 ? '0.00' : ((memory.dataBytes * 100) / used).toFixed(2)}%`,
    `total_system_memory:${totalmem()}`,
    `total_system_memory_human:${bytesToHuman(totalmem())}`,
    `maxmemory:${configValue(engine, 'maxmemory') ?? 0}`,
    `maxmemory_human:${bytesToHuman(memory.maxmemory)}`,
    `maxmemory_policy:${memory.policy}`,
    `mem_fragmentation_ratio:${(rss / used).toFixed(2)}`,
    `mem_fragmentation_bytes:${rss - used}`,
    'mem_not_counted_for_evict:0',
    'mem_allocator:v8',
    'lazyfree_pending_objects:0',
    // The JS heap, for whoever wonders where RSS goes (not Redis fields).
    `kv_server_heap_used:${heap.heapUsed}`,
    `kv_server_heap_total:${heap.heapTotal}`,
    `kv_server_external:${heap.external}`,
  ];
}

function persistenceSection({ engine }: CommandContext): string[] {
  // This server keeps no RDB/AOF of Redis's kind (--snapshot is its own file): reported as a
  // Redis with persistence off, which is what bullmq and redis-cli expect to parse.
  return [
    'loading:0',
    'async_loading:0',
    'current_cow_peak:0',
    'current_cow_size:0',
    'current_fork_perc:0.00',
    'rdb_changes_since_last_save:0',
    'rdb_bgsave_in_progress:0',
    `rdb_last_save_time:${Math.floor(engine.startedAt / 1000)}`,
    'rdb_last_bgsave_status:ok',
    'rdb_last_bgsave_time_sec:-1',
    'rdb_current_bgsave_time_sec:-1',
    'rdb_saves:0',
    'aof_enabled:0',
    'aof_rewrite_in_progress:0',
    'aof_rewrite_scheduled:0',
    'aof_last_rewrite_time_sec:-1',
    'aof_current_rewrite_time_sec:-1',
    'aof_last_bgrewrite_status:ok',
    'aof_rewrites:0',
    'aof_last_write_status:ok',
    'module_fork_in_progress:0',
  ];
}

function statsSection({ engine }: CommandContext): string[] {
  const memory = engine.memory;
  memory.sampleOps(engine.clock());
  const pubsub = pubsubOf(engine);
  return [
    `total_connections_received:${statsOf(engine).received}`,
    `total_commands_processed:${memory.commandsProcessed}`,
    `instantaneous_ops_per_sec:${memory.instantaneousOps}`,
    'rejected_connections:0',
    `expired_keys:${memory.expiredKeys}`,
    `evicted_keys:${memory.evictedKeys}`,
    'evicted_clients:0',
    `keyspace_hits:${memory.keyspaceHits}`,
    `keyspace_misses:${memory.keyspaceMisses}`,
    `pubsub_channels:${pubsub.activeChannels(false, undefined).length}`,
    `pubsub_patterns:${pubsub.patternCount}`,
    `pubsubshard_channels:${pubsub.activeChannels(true, undefined).length}`,
    'latest_fork_usec:0',
    'total_forks:0',
  ];
}

function replicationSection(): string[] {
  return [
    'role:master',
    'connected_slaves:0',
    'master_failover_state:no-failover',
    `master_replid:${'0'.repeat(40)}`,
    `master_replid2:${'0'.repeat(40)}`,
    'master_repl_offset:0',
    'second_repl_offset:-1',
    'repl_backlog_active:0',
    'repl_backlog_size:1048576',
    'repl_backlog_first_byte_offset:0',
    'repl_backlog_histlen:0',
  ];
}

function cpuSection(): string[] {
  const { system, user } = cpuUsage();
  const seconds = (micros: number) => (micros / 1e6).toFixed(6);
  return [
    `used_cpu_sys:${seconds(system)}`,
    `used_cpu_user:${seconds(user)}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${seconds(system)}`,
    `used_cpu_user_main_thread:${seconds(user)}`,
  ];
}

function keyspaceSection({ engine }: CommandContext): string[] {
  const lines: string[] = [];
  engine.databases.forEach((db, index) => {
    if (db.size > 0) {
      lines.push(`db${index}:keys=${db.size},expires=${db.expiresCount},avg_ttl=${db.avgTtl}`);
    }
  });
  return lines;
}

/** INFO [section ...]: sections by name, or all/everything/default, in Redis's order. */
function info(ctx: CommandContext, argv: Buffer[]): Reply {
  const asked = new Set(argv.slice(1).map((a) => latin1(a).toLowerCase()));
  const everything = asked.has('everything') || asked.has('all');
  const defaults = asked.size === 0 || asked.has('default');
  const parts: string[] = [];
  for (const [name, section] of Object.entries(SECTIONS)) {
    if (!(everything || asked.has(name) || (defaults && section.default))) continue;
    parts.push([`# ${section.title}`, ...section.lines(ctx)].join('\r\n'));
  }
  const text = parts.length === 0 ? '' : `${parts.join('\r\n\r\n')}\r\n`;
  return ctx.session.protocol === 3
    ? new VerbatimReply(Buffer.from(text, 'latin1'))
    : Buffer.from(text, 'latin1');
}

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Print this help.',
];

function memory(ctx: CommandContext, argv: Buffer[]): Reply {
  const sub = latin1(argv[1]!).toLowerCase();
  const { engine, db } = ctx;
  const arity = (ok: boolean) => {
    if (!ok) fail(`ERR wrong number of arguments for 'memory|${sub}' command`);
  };
  switch (sub) {
    case 'usage': {
      arity(argv.length === 3 || argv.length === 5);
      if (argv.length === 5) {
        if (latin1(argv[3]!).toLowerCase() !== 'samples') fail('ERR syntax error');
        if (!/^-?\d+$/.test(latin1(argv[4]!))) fail('ERR value is not an integer or out of range');
      }
      // This estimate is exact for the whole value (kept incrementally), so SAMPLES changes nothing.
      return db.bytesOf(latin1(argv[2]!)) ?? null;
    }
    case 'stats': {
      arity(argv.length === 2);
      const m = engine.memory;
      const keys = engine.databases.reduce((n, d) => n + d.size, 0);
      const out: Reply[] = [
        Buffer.from('peak.allocated'),
        Math.max(m.peak, m.used),
        Buffer.from('total.allocated'),
        m.used,
        Buffer.from('startup.allocated'),
        BASE_USED_MEMORY,
        Buffer.from('overhead.total'),
        BASE_USED_MEMORY,
        Buffer.from('keys.count'),
        keys,
        Buffer.from('keys.bytes-per-key'),
        keys === 0 ? 0 : Math.floor(m.dataBytes / keys),
        Buffer.from('dataset.bytes'),
        m.dataBytes,
        Buffer.from('dataset.percentage'),
        Buffer.from(((m.dataBytes * 100) / m.used).toFixed(2)),
      ];
      engine.databases.forEach((d, index) => {
        if (d.size > 0) {
          out.push(Buffer.from(`db.${index}`), [
            Buffer.from('overhead.hashtable.main'),
            d.size * 40,
            Buffer.from('overhead.hashtable.expires'),
            d.expiresCount * 40,
          ]);
        }
      });
      return out;
    }
    case 'doctor': {
      arity(argv.length === 2);
      const m = engine.memory;
      const rss = memoryUsage.rss();
      const notes: string[] = [];
      if (m.maxmemory > 0 && m.used > m.maxmemory * 0.9) {
        notes.push(
          `used_memory (${bytesToHuman(m.used)}) is within 10% of maxmemory (${bytesToHuman(m.maxmemory)}), policy ${m.policy}.`,
        );
      }
      if (rss > m.used * 3 && rss - m.used > 64 * 1024 * 1024) {
        notes.push(
          `RSS (${bytesToHuman(rss)}) is much larger than used_memory (${bytesToHuman(m.used)}): the JS runtime keeps freed memory for a while; it is not counted against maxmemory.`,
        );
      }
      const text =
        notes.length === 0
          ? 'No memory problems found in this kv-server instance.'
          : `Memory notes for this kv-server instance:\n\n * ${notes.join('\n * ')}\n`;
      return ctx.session.protocol === 3 ? new VerbatimReply(Buffer.from(text)) : Buffer.from(text);
    }
    case 'malloc-stats':
      arity(argv.length === 2);
      return Buffer.from('Stats not supported for the current allocator');
    case 'purge':
      arity(argv.length === 2);
      return new SimpleString('OK');
    case 'help':
      arity(argv.length === 2);
      return MEMORY_HELP.map((line) => new SimpleString(line));
    default:
      return err(`ERR unknown subcommand '${latin1(argv[1]!)}'. Try MEMORY HELP.`);
  }
}

export const infoCommands: CommandSpec[] = [
  { name: 'info', arity: -1, flags: ['loading', 'stale'], handler: info },
  { name: 'memory', arity: -2, flags: ['readonly'], handler: memory },
];
