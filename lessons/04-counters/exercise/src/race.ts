// EXERCISE (lesson 4): one TODO(lesson 4) below.
// Two ways to add one to a counter, raced against each other: the side-by-side run that
// `pnpm lesson 4` prints (section 5), and the checkpoint repeats.

import type { KeyValueStore } from './store.ts';

// Read, add one in JavaScript, write back: three steps with a gap between the read and the
// write. Every caller that reads before anyone writes reads the same number, and they all
// write the same "+1": the other increments are lost.
export async function incrementWithGetSet(store: KeyValueStore, key: string): Promise<void> {
  const current = Number((await store.get(key)) ?? 0);
  await store.set(key, current + 1);
}

// TODO(lesson 4): the same page view as one command, so the server reads, adds and writes with
// nothing in between. As given, it is the GET+SET above, and loses updates too.
export async function incrementWithIncr(store: KeyValueStore, key: string): Promise<void> {
  await incrementWithGetSet(store, key);
}

export interface RaceResult {
  strategy: 'GET+SET' | 'INCR';
  concurrency: number;
  expected: number;
  counted: number;
  lost: number;
}

/**
 * `visits` page views by `concurrency` visitors at once, each visitor viewing one page after
 * the other (like that many browser tabs refreshing the same article).
 */
export async function race(
  store: KeyValueStore,
  strategy: 'GET+SET' | 'INCR',
  { visits, concurrency }: { visits: number; concurrency: number },
): Promise<RaceResult> {
  const key = strategy === 'INCR' ? 'race:incr' : 'race:get-set';
  const increment = strategy === 'INCR' ? incrementWithIncr : incrementWithGetSet;
  await store.del(key);
  const visitor = async (views: number) => {
    for (let i = 0; i < views; i++) await increment(store, key);
  };
  const perVisitor = Math.floor(visits / concurrency);
  await Promise.all(Array.from({ length: concurrency }, () => visitor(perVisitor)));
  const expected = perVisitor * concurrency;
  const counted = Number((await store.get(key)) ?? 0);
  return { strategy, concurrency, expected, counted, lost: expected - counted };
}
