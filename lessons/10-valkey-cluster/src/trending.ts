// Trending: views in the last 24 hours, recent ones counting more. Lesson 04's ranking counted
// every view since the beginning, so an article popular last year stays on top forever. Here
// each hour has its own sorted set (ZINCRBY into the current hour's), and the ranking is their
// union with a weight per hour that halves every `halfLifeHours`: ZUNIONSTORE ... WEIGHTS.

import type { Redis as ValkeyClient } from 'iovalkey';

const HOUR_MS = 60 * 60 * 1000;
export const TRENDING_HOURS = 24;

// #region keys
/**
 * `{trending}:<hours since 1970>`: one sorted set per hour of views. Lesson 10: ZUNIONSTORE adds
 * 24 of them up into a destination key, so all of them share the slot of "trending".
 */
export const hourKey = (hour: number) => `{trending}:${hour}`;
export const hourOf = (time: Date) => Math.floor(time.getTime() / HOUR_MS);
// #endregion keys

export function createTrending(client: ValkeyClient, { halfLifeHours = 6 } = {}) {
  // #region record
  async function recordView(slug: string, now = new Date()): Promise<void> {
    const key = hourKey(hourOf(now));
    await client
      .multi()
      .zincrby(key, 1, slug)
      // An hour's set is read for 24 hours, then nobody needs it: it expires on its own.
      .expire(key, (TRENDING_HOURS + 1) * 60 * 60)
      .exec();
  }
  // #endregion record

  // #region top
  async function top(limit = 5, now = new Date()): Promise<{ slug: string; score: number }[]> {
    const current = hourOf(now);
    const hours = Array.from({ length: TRENDING_HOURS }, (_, age) => current - age);
    // A view this hour weighs 1, one 6 hours ago 0.5, 12 hours ago 0.25...
    const weights = hours.map((_, age) => 0.5 ** (age / halfLifeHours));
    const destination = `{trending}:top:${current}`;
    const replies = await client
      .multi()
      .zunionstore(destination, hours.length, ...hours.map(hourKey), 'WEIGHTS', ...weights)
      .zrevrange(destination, 0, limit - 1, 'WITHSCORES')
      .expire(destination, 60)
      .exec();
    const flat = (replies?.[1]?.[1] ?? []) as string[];
    const ranking: { slug: string; score: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      ranking.push({ slug: String(flat[i]), score: Number(flat[i + 1]) });
    }
    return ranking;
  }
  // #endregion top

  return { recordView, top };
}

export type Trending = ReturnType<typeof createTrending>;
