import { useTestStack } from '@workshop/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { createViewCounter, MILESTONES, RANKING_KEY } from '../src/counters.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });

// The same checkpoint as lesson 04, once per backend.
describe.each(backendsOf(stack))('$name', ({ connect, flush }) => {
  beforeAll(flush); // both backends may share one server: start each from an empty database

  function setup() {
    const store = connect();
    const milestones: { slug: string; views: number }[] = [];
    const counter = createViewCounter({
      store,
      onMilestone: (slug, views) => milestones.push({ slug, views }),
    });
    return { store, counter, milestones };
  }

  describe('page views with INCR', () => {
    it('counts 1,000 concurrent views of one article exactly', async () => {
      const { counter } = setup();
      await Promise.all(Array.from({ length: 1000 }, () => counter.recordView('exact-count')));
      expect(
        await counter.views('exact-count'),
        '1,000 views recorded at the same time did not add up to 1,000: is recordView reading the count (GET) and writing it back (SET) instead of using INCR?',
      ).toBe(1000);
    });

    it('answers 0 for an article nobody has viewed', async () => {
      const { counter } = setup();
      expect(
        await counter.views('never-viewed'),
        'an article without views should count 0: GET on a missing key answers null, which views() should turn into 0',
      ).toBe(0);
    });

    it('returns the new count from recordView', async () => {
      const { counter } = setup();
      const first = await counter.recordView('returns-count');
      const second = await counter.recordView('returns-count');
      expect(
        [first, second],
        'recordView should return the count INCR answered (1, then 2): the milestones are decided from it',
      ).toEqual([1, 2]);
    });

    it('keeps each count under views:<slug>, apart from every other key', async () => {
      const { store, counter } = setup();
      await counter.recordView('namespaced');
      expect(
        [await store.get('views:namespaced'), await store.exists('namespaced')],
        'the count must live under views:<slug> and nothing under the bare slug: a key without its namespace collides with any other key of that name (a cache entry, a limiter, another app)',
      ).toEqual(['1', 0]);
    });
  });

  describe('milestones', () => {
    it(`fire exactly once each (${MILESTONES.join(', ')}) under 1,000 concurrent views`, async () => {
      const { counter, milestones } = setup();
      await Promise.all(Array.from({ length: 1000 }, () => counter.recordView('popular')));
      const fired = milestones.map((m) => m.views).sort((a, b) => a - b);
      expect(
        fired,
        'each milestone should fire once and only once: decide it from the value INCR returns, not from a separate GET (two callers can read the same count, or none reads exactly 10)',
      ).toEqual([10, 50, 100, 1000]);
      expect(
        milestones.every((m) => m.slug === 'popular'),
        'the milestone callback should receive the slug of the article that reached it',
      ).toBe(true);
    });

    it('do not fire again for an article past its milestones', async () => {
      const { counter, milestones } = setup();
      for (let i = 0; i < 12; i++) await counter.recordView('past-ten');
      expect(
        milestones.map((m) => m.views),
        'after 12 views only the 10-views milestone should have fired, once',
      ).toEqual([10]);
    });
  });

  describe('most viewed (sorted set)', () => {
    it('lists articles by views, highest first, with their counts', async () => {
      const { store, counter } = setup();
      await store.del(RANKING_KEY); // start from an empty ranking: other tests in this file view articles too
      const views = { 'ranking-a': 3, 'ranking-b': 7, 'ranking-c': 5 };
      for (const [slug, n] of Object.entries(views)) {
        await Promise.all(Array.from({ length: n }, () => counter.recordView(slug)));
      }
      expect(
        await counter.mostViewed(2),
        'mostViewed(2) should list the two most viewed articles, highest first: ZINCRBY on every view, then ZRANGE ... REV WITHSCORES',
      ).toEqual([
        { slug: 'ranking-b', views: 7 },
        { slug: 'ranking-c', views: 5 },
      ]);
    });
  });
});
