// Checkpoint 08, stale-while-revalidate: a fresh copy is served as is; a stale one is served at
// once to every caller while exactly one of them reloads it, even across processes; and the next
// read gets the reloaded value.

import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { createSwrCache } from '../src/swr.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(backendsOf(stack))('on $name', (backend) => {
  it('serves a stale copy at once while exactly one caller refreshes it', async () => {
    const { client } = backend.connect();
    // Two processes, each with its own cache object over the same store.
    const a = createSwrCache({ client, freshSeconds: 1, staleSeconds: 60 });
    const b = createSwrCache({
      client: backend.connect().client,
      freshSeconds: 1,
      staleSeconds: 60,
    });
    const key = `swr-test:${Date.now()}`;
    let version = 1;
    let loads = 0;
    const load = async () => {
      loads++;
      // The refresh is a slow query: nobody should wait for it once a copy exists. (The first
      // load, with no copy yet, has nothing to prove by being slow.)
      if (version === 2) await sleep(1000);
      return { version };
    };

    const first = await a.read(key, load);
    expect(first).toEqual({ value: { version: 1 }, state: 'miss' });
    expect((await a.read(key, load)).state, 'a copy younger than freshSeconds is fresh').toBe(
      'fresh',
    );
    expect(loads).toBe(1);

    await sleep(1100); // now stale
    version = 2;
    loads = 0;
    const started = performance.now();
    const reads = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).read(key, load)),
    );
    const waited = performance.now() - started;
    await Promise.all([a.settled(), b.settled()]);
    expect(loads, 'exactly one caller, in all processes, may refresh a stale copy').toBe(1);
    for (const read of reads) {
      expect(read.state).toBe('stale');
      expect(read.value, 'while the refresh runs, callers get the stale copy').toEqual({
        version: 1,
      });
    }
    expect(waited, 'serve the stale value at once: no caller waits for the reload').toBeLessThan(
      700,
    );

    const next = await b.read(key, load);
    expect(next, 'after the refresh, reads get the new value, fresh').toEqual({
      value: { version: 2 },
      state: 'fresh',
    });
  });

  it('keeps the stale copy when the refresh fails, and lets a later read try again', async () => {
    const { client } = backend.connect();
    const errors: unknown[] = [];
    const cache = createSwrCache({
      client,
      freshSeconds: 1,
      staleSeconds: 60,
      onRefreshError: (_key, error) => errors.push(error),
    });
    const key = `swr-fail:${Date.now()}`;
    await cache.read(key, async () => 'old');
    await sleep(1100);
    const read = await cache.read(key, async () => {
      throw new Error('Postgres is down');
    });
    expect(read).toEqual({ value: 'old', state: 'stale' });
    await cache.settled();
    expect(errors).toHaveLength(1);
    const retry = await cache.read(key, async () => 'new');
    expect(retry.value, 'the stale copy is still served while the next refresh runs').toBe('old');
    await cache.settled();
    expect(
      (await cache.read(key, async () => 'newer')).value,
      'a failed refresh must release the lock: the next caller refreshes',
    ).toBe('new');
  });
});
