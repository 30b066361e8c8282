// The CLI server's collection after a burst (memory.ts's IdleCollector): when it collects, and
// that the collection it is given is V8's real one.

import { describe, expect, it } from 'vitest';
import { fullCollection, IdleCollector } from '../../src/engine/memory.ts';

const MB = 1024 * 1024;

/** A collector over a heap size the test sets, counting its collections. */
function setup(heap = 10 * MB) {
  const state = { heap, collections: 0 };
  const collector = new IdleCollector(
    () => {
      state.collections++;
    },
    () => state.heap,
  );
  return { state, collector };
}

describe('IdleCollector', () => {
  it('collects 1 s into the idle spell after a burst, and again 7 s in', () => {
    const { state, collector } = setup();
    collector.tick(0);
    // A burst: commands every second while the heap grows by 40 MB.
    for (let s = 1; s <= 5; s++) {
      state.heap += 8 * MB;
      collector.tick(s * 100_000);
    }
    expect(state.collections).toBe(0);
    collector.tick(500_000); // 1 s idle
    expect(state.collections).toBe(1);
    for (let s = 2; s <= 6; s++) collector.tick(500_000);
    expect(state.collections).toBe(1);
    collector.tick(500_000); // 7 s idle
    expect(state.collections).toBe(2);
    // Staying idle does not collect again.
    for (let s = 8; s <= 60; s++) collector.tick(500_000);
    expect(state.collections).toBe(2);
  });

  it('never collects under steady traffic, however much the heap grows', () => {
    const { state, collector } = setup();
    for (let s = 0; s < 100; s++) {
      state.heap += 4 * MB;
      collector.tick(s * 1000);
    }
    expect(state.collections).toBe(0);
  });

  it('leaves an idle server alone when the heap grew by less than 16 MB', () => {
    const { state, collector } = setup();
    collector.tick(1);
    state.heap += 15 * MB;
    collector.tick(2);
    for (let s = 0; s < 30; s++) collector.tick(2);
    expect(state.collections).toBe(0);
  });

  it('counts growth from the heap the last collection left', () => {
    const { state, collector } = setup();
    state.heap += 40 * MB;
    collector.tick(1);
    collector.tick(1);
    expect(state.collections).toBe(1);
    // The collection returned little (live data): a small later burst is not worth a pause.
    state.heap -= 5 * MB;
    for (let s = 0; s < 10; s++) collector.tick(1);
    expect(state.collections).toBe(2);
    state.heap += 10 * MB;
    collector.tick(2);
    for (let s = 0; s < 10; s++) collector.tick(2);
    expect(state.collections).toBe(2);
    state.heap += 10 * MB;
    collector.tick(3);
    collector.tick(3);
    expect(state.collections).toBe(3);
  });

  it('a burst that resumes before the second collection starts the count again', () => {
    const { state, collector } = setup();
    state.heap += 40 * MB;
    collector.tick(1);
    collector.tick(1); // 1 s idle: first collection
    expect(state.collections).toBe(1);
    collector.tick(1);
    collector.tick(1);
    collector.tick(2); // traffic again at 3 s
    for (let s = 0; s < 6; s++) collector.tick(2);
    expect(state.collections).toBe(1);
    collector.tick(2); // 7 s into the new idle spell
    expect(state.collections).toBe(2);
  });
});

describe('fullCollection', () => {
  it("is V8's real full collection: an unreachable object is gone after it", async () => {
    const collect = fullCollection();
    expect(collect).toBeTypeOf('function');
    let target: object | undefined = { big: new Array(1000).fill(1) };
    const ref = new WeakRef(target);
    target = undefined;
    // A WeakRef's target is kept until the end of the current job.
    await new Promise((r) => setTimeout(r, 0));
    collect?.();
    expect(ref.deref()).toBeUndefined();
  });
});
