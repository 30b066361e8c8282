// Unique readers, two ways. A set per article remembers every reader: exact, and it grows with
// them (tens of bytes each). A HyperLogLog remembers none of them: at most 12 KB per key, however
// many readers, for a count that is off by about 0.81% (its standard error). One per article
// and day; PFMERGE (or PFCOUNT over several keys) adds days up without counting anyone twice.

import type { Redis as ValkeyClient } from 'iovalkey';

// #region keys
// Lesson 10: an article's reader keys are written in one MULTI and merged by PFMERGE, so they
// share a slot: the hash tag `{article:<slug>}`. Different articles still land on different nodes.
export const readersKey = (slug: string) => `readers:{article:${slug}}`;
/** `readers:hll:{article:<slug>}:2026-12-06`: one HyperLogLog per article and UTC day. */
export const dailyReadersKey = (slug: string, day: Date) =>
  `readers:hll:{article:${slug}}:${day.toISOString().slice(0, 10)}`;
// #endregion keys

const DAY_MS = 24 * 60 * 60 * 1000;

export function createReaders(client: ValkeyClient) {
  // #region record
  async function recordReader(slug: string, reader: string, now = new Date()): Promise<void> {
    const daily = dailyReadersKey(slug, now);
    await client
      .multi()
      .sadd(readersKey(slug), reader) // exact: every reader kept
      .pfadd(daily, reader) // approximate: 12 KB at most, whoever reads
      .expire(daily, 8 * 24 * 60 * 60) // a week's days, and one to spare
      .exec();
  }
  // #endregion record

  // #region count
  /** Exactly how many different readers: SCARD. */
  const exactReaders = (slug: string) => client.scard(readersKey(slug));

  /** About how many different readers today: PFCOUNT. */
  const readersToday = (slug: string, now = new Date()) =>
    client.pfcount(dailyReadersKey(slug, now));

  /** About how many different readers in the last 7 days: the 7 daily HLLs merged, then counted. */
  async function readersThisWeek(slug: string, now = new Date()): Promise<number> {
    const days = Array.from({ length: 7 }, (_, i) =>
      dailyReadersKey(slug, new Date(now.getTime() - i * DAY_MS)),
    );
    const week = `readers:hll:{article:${slug}}:week`;
    // A reader seen on three days is counted once: PFMERGE keeps the maximum of each register.
    const [, [, count]] = (await client
      .multi()
      .pfmerge(week, ...days)
      .pfcount(week)
      .expire(week, 60)
      .exec()) as [unknown, [Error | null, number]];
    return count;
  }
  // #endregion count

  return { recordReader, exactReaders, readersToday, readersThisWeek };
}

export type Readers = ReturnType<typeof createReaders>;
