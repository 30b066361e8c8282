// Page views per article, counted in the store with INCR.
//
// INCR is a read-modify-write that runs inside the server, one command at a time, so two
// viewers can never both read 41 and both write 42. It also RETURNS the new value: that
// number is ours alone, which is what makes milestones fire exactly once.

import type { CountingStore } from './store.ts';

// #region keys
// One key per article for its count, one sorted set for the ranking of all articles.
export const viewsKey = (slug: string) => `views:${slug}`;
export const RANKING_KEY = 'views:ranking';
// #endregion keys

// #region milestones
export const MILESTONES = [10, 50, 100, 1000];

// Decided from INCR's reply: exactly one caller ever receives 10 for a given article, so
// exactly one caller announces it. Reading the count back with GET instead would let two
// callers both see 10 (or neither see it).
export function milestoneFor(views: number): number | null {
  return MILESTONES.includes(views) ? views : null;
}
// #endregion milestones

export interface ViewCounterOptions {
  store: CountingStore;
  /** Called once per article and milestone: when the count reaches 10, 50, 100, 1000. */
  onMilestone?: (slug: string, views: number) => void;
}

export function createViewCounter({ store, onMilestone }: ViewCounterOptions) {
  // #region record-view
  async function recordView(slug: string): Promise<number> {
    const views = await store.incr(viewsKey(slug));
    // The ranking is a second command: if the process dies in between, the ranking is one
    // view behind. A most-viewed list can live with that; the count itself stays exact.
    await store.zincrby(RANKING_KEY, 1, slug);
    const milestone = milestoneFor(views);
    if (milestone !== null) onMilestone?.(slug, milestone);
    return views;
  }
  // #endregion record-view

  async function views(slug: string): Promise<number> {
    // A counter nobody has incremented yet does not exist: GET answers null, which is 0 views.
    const value = await store.get(viewsKey(slug));
    return value === null ? 0 : Number(value);
  }

  // #region most-viewed
  async function mostViewed(limit = 5): Promise<{ slug: string; views: number }[]> {
    // ZRANGE ... REV WITHSCORES answers a flat list: member, score, member, score...
    const flat = await store.zrange(RANKING_KEY, 0, limit - 1, { rev: true, withScores: true });
    const top: { slug: string; views: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      top.push({ slug: String(flat[i]), views: Number(flat[i + 1]) });
    }
    return top;
  }
  // #endregion most-viewed

  return { recordView, views, mostViewed };
}

export type ViewCounter = ReturnType<typeof createViewCounter>;
