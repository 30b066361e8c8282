import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { createTrending, hourKey, hourOf } from '../src/trending.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });
const HOUR = 60 * 60 * 1000;

describe.each(backendsOf(stack))('trending, on $name', ({ connect }) => {
  it('ranks by views in the last 24 hours, a view 6 hours old weighing half', async () => {
    const { client } = connect();
    await client.flushdb();
    const trending = createTrending(client, { halfLifeHours: 6 });
    // A fixed clock far from now, so no other test's views land in these hours.
    const now = new Date(Date.UTC(2030, 0, 1, 12, 30));
    const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);
    for (let i = 0; i < 10; i++) await trending.recordView('yesterday-hit', ago(30)); // too old
    for (let i = 0; i < 8; i++) await trending.recordView('morning', ago(6));
    for (let i = 0; i < 5; i++) await trending.recordView('now', now);
    const top = await trending.top(5, now);
    expect(
      top.map((entry) => entry.slug),
      'views older than 24 hours must not count; 5 views now (5) beat 8 views 6 hours ago (8 x 0.5 = 4)',
    ).toEqual(['now', 'morning']);
    expect(top[0]?.score).toBeCloseTo(5, 5);
    expect(top[1]?.score, 'ZUNIONSTORE ... WEIGHTS: 8 views 6 hours ago weigh 8 x 0.5').toBeCloseTo(
      4,
      5,
    );
  });

  it('keeps one sorted set per hour, each expiring after a day', async () => {
    const { client } = connect();
    const trending = createTrending(client);
    const now = new Date(Date.UTC(2030, 0, 2, 8, 0));
    await trending.recordView('a', now);
    const key = hourKey(hourOf(now));
    expect(await client.zscore(key, 'a')).toBe('1');
    const ttl = await client.ttl(key);
    expect(
      ttl,
      'an hour set must expire (EXPIRE after ZINCRBY), after about 25 hours',
    ).toBeGreaterThan(24 * 3600);
    expect(ttl).toBeLessThanOrEqual(25 * 3600);
  });
});
