// Shared pieces of the random command generators (generators-<family>.ts): a seeded random
// source, so a failing sequence can be replayed from its seed, and pickers over small pools so
// random commands keep hitting the same few keys and members.

import type { Reply } from '../../src/protocol/reply.ts';
import { type Arg, type Compare, compareReplies, type Step } from './harness.ts';

/** Returns numbers in [0, 1), like Math.random. */
export type Rng = () => number;

/** A small, fast seeded generator (mulberry32): the same seed gives the same sequence. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` commands from `generate`, after a string key `str` is planted (for WRONGTYPE paths),
 * then the `finalState` reads.
 */
export function randomSequence(
  seed: number,
  count: number,
  generate: (rng: Rng) => Step,
  finalState: Step[],
): Step[] {
  const rng = seededRng(seed);
  const steps: Step[] = [{ cmd: ['SET', 'str', 'a string'] }];
  for (let i = 0; i < count; i++) steps.push(generate(rng));
  return [...steps, ...finalState];
}

/** Collection keys three times as often as `str` (WRONGTYPE) and `missing`. */
export function weighKeys(keys: readonly string[]): string[] {
  return keys.flatMap((k) => (k === 'str' || k === 'missing' ? [k] : [k, k, k]));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** 1 to `max` distinct-or-not picks from `items`. */
export function some<T>(rng: Rng, items: readonly T[], max = 3): T[] {
  return Array.from({ length: int(rng, 1, max) }, () => pick(rng, items));
}

export function step(cmd: Arg[], compare?: Compare): Step {
  return compare === undefined ? { cmd } : { cmd, compare };
}

/** Binary-safe members: a NUL, a high byte and invalid UTF-8 go through untouched. */
export const BINARY = Buffer.from([0x00, 0xff, 0xc3, 0x28]);

/**
 * A SCAN-family reply from a collection Redis keeps as a hash table: same cursor (0 when the
 * whole collection fits in one COUNT) and the same elements, in any order. `pairs` compares
 * [field, value] pairs (HSCAN, ZSCAN) instead of single elements (SSCAN).
 */
export function scanUnordered(pairs: boolean): Compare {
  return (engine: Reply, redis: Reply) => {
    if (!Array.isArray(engine) || !Array.isArray(redis)) {
      return compareReplies(engine, redis, 'exact', 'scan reply');
    }
    const [engineCursor, engineItems] = engine;
    const [redisCursor, redisItems] = redis;
    compareReplies(engineCursor as Reply, redisCursor as Reply, 'exact', 'scan cursor');
    compareReplies(
      engineItems as Reply,
      redisItems as Reply,
      pairs ? 'pairs-unordered' : 'unordered',
      'scan elements',
    );
  };
}
