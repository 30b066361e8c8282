// biome-ignore-all lint/correctness/noUnusedFunctionParameters: a starting state, the learner fills it in (practice mode leaves this line out)
// EXERCISE (lesson 4): the three TODO(lesson 4) functions below.
// Page views per article, counted in the store with INCR.
//
// INCR is a read-modify-write that runs inside the server, one command at a time, so two
// viewers can never both read 41 and both write 42. It also RETURNS the new value: that
// number is ours alone, which is what makes milestones fire exactly once.

import type { CountingStore } from './store.ts';

// One key per article for its count, one sorted set for the ranking of all articles.
export const viewsKey = (slug: string) => `views:${slug}`;
export const RANKING_KEY = 'views:ranking';

export const MILESTONES = [10, 50, 100, 1000];

// Decided from INCR's reply: exactly one caller ever receives 10 for a given article, so
// exactly one caller announces it. Reading the count back with GET instead would let two
// callers both see 10 (or neither see it).
export function milestoneFor(views: number): number | null {
  return MILESTONES.includes(views) ? views : null;
}

export interface ViewCounterOptions {
  store: CountingStore;
  /** Called once per article and milestone: when the count reaches 10, 50, 100, 1000. */
  onMilestone?: (slug: string, views: number) => void;
}

export function createViewCounter({ store, onMilestone }: ViewCounterOptions) {
  // TODO(lesson 4): count one view of the article with INCR on viewsKey(slug), and add 1 to its
  // score in the RANKING_KEY sorted set (ZINCRBY). Resolve to the new count; when
  // milestoneFor(count) is a milestone, call onMilestone(slug, milestone). Decide it from
  // INCR's reply, not from a GET afterwards: only then does it fire exactly once.
  async function recordView(slug: string): Promise<number> {
    throw new Error(`TODO(lesson 4): recordView(${slug}) in src/counters.ts`);
  }

  // TODO(lesson 4): the article's count; an article nobody viewed has no key (0 views).
  async function views(slug: string): Promise<number> {
    throw new Error(`TODO(lesson 4): views(${slug}) in src/counters.ts`);
  }

  // TODO(lesson 4): the `limit` most viewed articles, highest first, from the sorted set:
  // ZRANGE with rev and withScores answers a flat list: member, score, member, score...
  async function mostViewed(limit = 5): Promise<{ slug: string; views: number }[]> {
    throw new Error(`TODO(lesson 4): mostViewed(${limit}) in src/counters.ts`);
  }

  return { recordView, views, mostViewed };
}

export type ViewCounter = ReturnType<typeof createViewCounter>;
