import { useTestStack } from '@workshop/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { race } from '../src/race.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });

// The same checkpoint as lesson 04, once per backend.
describe.each(backendsOf(stack))('$name', ({ connect, flush }) => {
  beforeAll(flush); // both backends may share one server: start each from an empty database

  describe('GET+SET against INCR, side by side', () => {
    it('GET+SET counts right when visitors come one at a time', async () => {
      const store = connect();
      const result = await race(store, 'GET+SET', { visits: 20, concurrency: 1 });
      expect(
        result.counted,
        'with a single visitor GET+SET has nobody to race with and should count every visit: does the race start from a deleted key?',
      ).toBe(20);
    });

    it('waits for every INCR before it reads the count', async () => {
      const store = connect();
      // The real store, with INCR made slow: an INCR that is not awaited lands after the read.
      const slowIncr = {
        ...store,
        incr: async (key: string) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          return store.incr(key);
        },
      };
      const result = await race(slowIncr, 'INCR', { visits: 20, concurrency: 2 });
      // A count short of 20 means INCRs are still on their way: let them land before the next
      // test deletes the key. (When every INCR was awaited, none is still on its way.)
      if (result.counted !== 20) await new Promise((resolve) => setTimeout(resolve, 300));
      expect(
        result.counted,
        'the race read the count before its INCRs were done: await store.incr(key), each visitor one view after the other',
      ).toBe(20);
    });

    it('GET+SET loses updates under concurrency; INCR loses none', async () => {
      const store = connect();
      const getSet = await race(store, 'GET+SET', { visits: 1000, concurrency: 100 });
      const incr = await race(store, 'INCR', { visits: 1000, concurrency: 100 });
      expect(
        getSet.lost,
        '100 visitors doing GET then SET at the same time should lose updates: if none was lost, the GET+SET strategy is not reading and writing in two steps',
      ).toBeGreaterThan(0);
      expect(
        incr.counted,
        '1,000 INCRs from 100 concurrent visitors should count exactly 1,000',
      ).toBe(1000);
    });
  });
});
