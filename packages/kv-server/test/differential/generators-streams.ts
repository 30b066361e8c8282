// Random stream commands for the differential fuzzer: a few keys, small pools of IDs, groups and
// consumers, so sequences keep colliding (equal and smaller IDs, pending entries claimed back
// and forth, groups created twice, consumers deleted while they own entries).

import type { Reply } from '../../src/protocol/reply.ts';
import { int, pick, type Rng, step, weighKeys } from './generators-shared.ts';
import { type Compare, compareReplies, type Step, show } from './harness.ts';

export const STREAM_KEYS = ['s1', 's2', 'str', 'missing'];
const GROUPS = ['g1', 'g2', 'nog'];
const CONSUMERS = ['c1', 'c2', 'c3'];
const FIELDS = ['f', 'g', 'field', '1', ''];

/** Replies that carry times (idle, seen-time, delivery time) compare within `tolerance` ms. */
export function timesClose(tolerance: number): Compare {
  const walk = (a: Reply, b: Reply, context: string, path: string): void => {
    if (typeof a === 'number' && typeof b === 'number' && a !== b) {
      const timeLike = context === 'time' || a > 1e12 || b > 1e12;
      if (timeLike && Math.abs(a - b) <= tolerance) return;
      throw new Error(`${path}: engine ${a}, redis ${b}`);
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((item, i) => {
        const prev = i > 0 ? a[i - 1] : undefined;
        const label = Buffer.isBuffer(prev) ? prev.toString('latin1') : '';
        walk(item as Reply, b[i] as Reply, label === 'idle' ? 'time' : '', `${path}[${i}]`);
      });
      return;
    }
    compareReplies(a, b, 'exact', path);
  };
  return (engine, redis) => walk(engine, redis, '', 'reply');
}

/** XPENDING's extended form: [id, consumer, idle, deliveries]: the idle time is a time. */
export function pendingClose(tolerance: number): Compare {
  return (engine, redis) => {
    if (!Array.isArray(engine) || !Array.isArray(redis) || engine.length !== redis.length) {
      compareReplies(engine, redis, 'exact', 'xpending');
      return;
    }
    engine.forEach((row, i) => {
      const other = redis[i] as Reply;
      if (Array.isArray(row) && Array.isArray(other) && row.length === 4 && other.length === 4) {
        compareReplies(row[0] as Reply, other[0] as Reply, 'exact', `row ${i} id`);
        compareReplies(row[1] as Reply, other[1] as Reply, 'exact', `row ${i} consumer`);
        compareReplies(row[3] as Reply, other[3] as Reply, 'exact', `row ${i} deliveries`);
        const a = row[2];
        const b = other[2];
        if (typeof a !== 'number' || typeof b !== 'number' || Math.abs(a - b) > tolerance) {
          throw new Error(`row ${i} idle: engine ${show(a as Reply)}, redis ${show(b as Reply)}`);
        }
      } else {
        compareReplies(row as Reply, other, 'exact', `row ${i}`);
      }
    });
  };
}

function id(rng: Rng): string {
  const r = rng();
  if (r < 0.05) return pick(rng, ['0-0', '-', '+', '0', 'x', '1-x', '99999999999999999999-1']);
  if (r < 0.15) return String(int(rng, 0, 6));
  return `${int(rng, 0, 6)}-${int(rng, 0, 4)}`;
}

function rangeId(rng: Rng): string {
  const r = rng();
  if (r < 0.2) return pick(rng, ['-', '+']);
  if (r < 0.35) return `(${id(rng)}`;
  return id(rng);
}

function fields(rng: Rng): string[] {
  const out: string[] = [];
  const n = int(rng, 1, 3);
  for (let i = 0; i < n; i++) out.push(pick(rng, FIELDS), `v${int(rng, 0, 99)}`);
  if (rng() < 0.03) out.pop(); // odd count: an arity error
  return out;
}

function trimArgs(rng: Rng): string[] {
  const r = rng();
  if (r < 0.6) return [];
  const strategy = rng() < 0.6 ? 'MAXLEN' : 'MINID';
  const out = [strategy];
  const mode = rng();
  if (mode < 0.3) out.push('~');
  else if (mode < 0.5) out.push('=');
  out.push(strategy === 'MAXLEN' ? String(int(rng, -1, 8)) : id(rng));
  if (rng() < 0.1) out.push('LIMIT', String(int(rng, -1, 5)));
  return out;
}

function idleArg(rng: Rng): string {
  // 0 claims everything; a large value claims nothing (neither depends on the clock).
  return pick(rng, ['0', '0', '100000000', '-5', 'x']);
}

export function randomStreamCommand(rng: Rng): Step {
  const key = pick(rng, weighKeys(STREAM_KEYS));
  const group = pick(rng, GROUPS);
  const consumer = pick(rng, CONSUMERS);
  const r = int(rng, 0, 22);
  switch (r) {
    case 0:
    case 1:
    case 2: {
      const opts = rng() < 0.1 ? ['NOMKSTREAM'] : [];
      const idArg = rng() < 0.15 ? `${int(rng, 0, 6)}-*` : id(rng);
      return step(['XADD', key, ...opts, ...trimArgs(rng), idArg, ...fields(rng)]);
    }
    case 3:
      return step(['XDEL', key, id(rng), ...(rng() < 0.5 ? [id(rng)] : [])]);
    case 4: {
      const t = trimArgs(rng);
      return step(['XTRIM', key, ...(t.length ? t : ['MAXLEN', String(int(rng, 0, 5))])]);
    }
    case 5:
    case 6: {
      const count = rng() < 0.3 ? ['COUNT', String(int(rng, -1, 3))] : [];
      const cmd = rng() < 0.5 ? 'XRANGE' : 'XREVRANGE';
      return step([cmd, key, rangeId(rng), rangeId(rng), ...count]);
    }
    case 7:
      return step(['XLEN', key]);
    case 8: {
      const count = rng() < 0.3 ? ['COUNT', String(int(rng, 0, 3))] : [];
      const keys = rng() < 0.3 ? [key, pick(rng, STREAM_KEYS)] : [key];
      const ids = keys.map(() => (rng() < 0.2 ? '$' : id(rng)));
      return step(['XREAD', ...count, 'STREAMS', ...keys, ...ids]);
    }
    case 9: {
      const opts: string[] = [];
      if (rng() < 0.3) opts.push('MKSTREAM');
      if (rng() < 0.15) opts.push('ENTRIESREAD', String(int(rng, -2, 6)));
      return step(['XGROUP', 'CREATE', key, group, rng() < 0.3 ? '$' : id(rng), ...opts]);
    }
    case 10: {
      const sub = pick(rng, ['SETID', 'DESTROY', 'CREATECONSUMER', 'DELCONSUMER']);
      if (sub === 'SETID') {
        const extra = rng() < 0.2 ? ['ENTRIESREAD', String(int(rng, -1, 6))] : [];
        return step(['XGROUP', 'SETID', key, group, rng() < 0.3 ? '$' : id(rng), ...extra]);
      }
      if (sub === 'DESTROY') return step(['XGROUP', 'DESTROY', key, group]);
      return step(['XGROUP', sub, key, group, consumer]);
    }
    case 11:
    case 12:
    case 13: {
      const opts: string[] = [];
      if (rng() < 0.4) opts.push('COUNT', String(int(rng, 0, 3)));
      if (rng() < 0.15) opts.push('NOACK');
      const start = rng() < 0.7 ? '>' : id(rng);
      return step(['XREADGROUP', 'GROUP', group, consumer, ...opts, 'STREAMS', key, start]);
    }
    case 14:
      return step(['XACK', key, group, id(rng), ...(rng() < 0.5 ? [id(rng)] : [])]);
    case 15:
      return step(['XPENDING', key, group]);
    case 16: {
      const consumerArg = rng() < 0.4 ? [consumer] : [];
      const idle = rng() < 0.2 ? ['IDLE', idleArg(rng)] : [];
      return step(
        [
          'XPENDING',
          key,
          group,
          ...idle,
          rangeId(rng),
          rangeId(rng),
          String(int(rng, -1, 5)),
          ...consumerArg,
        ],
        pendingClose(1000),
      );
    }
    case 17: {
      const opts: string[] = [];
      if (rng() < 0.2) opts.push('JUSTID');
      if (rng() < 0.2) opts.push('FORCE');
      if (rng() < 0.2) opts.push('RETRYCOUNT', String(int(rng, 0, 5)));
      if (rng() < 0.1) opts.push('LASTID', id(rng));
      if (rng() < 0.05) opts.push('BOGUS');
      return step(['XCLAIM', key, group, consumer, idleArg(rng), id(rng), ...opts]);
    }
    case 18: {
      const opts: string[] = [];
      if (rng() < 0.4) opts.push('COUNT', String(int(rng, 0, 3)));
      if (rng() < 0.2) opts.push('JUSTID');
      return step(['XAUTOCLAIM', key, group, consumer, idleArg(rng), rangeId(rng), ...opts]);
    }
    case 19:
      return rng() < 0.5
        ? step(['XINFO', 'GROUPS', key])
        : step(['XINFO', 'CONSUMERS', key, group], timesClose(1000));
    case 20:
      return step(['XINFO', 'STREAM', key, ...(rng() < 0.4 ? ['FULL'] : [])], timesClose(1000));
    case 22: {
      // The generic key commands on streams: a stream moves, expires and goes like any value.
      const other = pick(rng, STREAM_KEYS);
      return pick(rng, [
        step(['RENAME', key, other]),
        step(['RENAMENX', key, other]),
        step(['DEL', key]),
        step(['PEXPIRE', key, '100000']),
        step(['PERSIST', key]),
        step(['EXISTS', key]),
        step(['TYPE', key]),
      ]);
    }
    default: {
      const opts: string[] = [];
      if (rng() < 0.3) opts.push('ENTRIESADDED', String(int(rng, -1, 12)));
      if (rng() < 0.3) opts.push('MAXDELETEDID', id(rng));
      return step(['XSETID', key, id(rng), ...opts]);
    }
  }
}

/** What each stream key holds at the end. */
export function streamFinalState(): Step[] {
  return STREAM_KEYS.flatMap((key) => [
    step(['TYPE', key]),
    step(['XRANGE', key, '-', '+']),
    step(['XINFO', 'STREAM', key, 'FULL'], timesClose(1000)),
    step(['XINFO', 'GROUPS', key]),
  ]);
}
