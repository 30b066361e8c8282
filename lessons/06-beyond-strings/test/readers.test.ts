import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { createReaders, dailyReadersKey } from '../src/readers.ts';
import { encodingsAsTheyGrow, readersCost } from '../src/type-costs.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });
const DAY = 24 * 60 * 60 * 1000;

describe.each(backendsOf(stack))('unique readers, on $name', ({ connect }) => {
  it('counts each reader once, exactly (set) and about right (HyperLogLog)', async () => {
    const { client } = connect();
    const readers = createReaders(client);
    const slug = `readers-${process.pid}-${Date.now()}`;
    for (let i = 0; i < 500; i++) await readers.recordReader(slug, `r${i % 200}`);
    expect(await readers.exactReaders(slug), '500 views by 200 readers: SCARD must say 200').toBe(
      200,
    );
    const approx = await readers.readersToday(slug);
    expect(
      Math.abs(approx - 200),
      `PFCOUNT said ${approx} for 200 readers: PFADD every reader to today's HyperLogLog`,
    ).toBeLessThanOrEqual(6);
    expect(await client.ttl(dailyReadersKey(slug, new Date()))).toBeGreaterThan(7 * 24 * 3600);
  });

  it('adds a week of days without counting a reader twice (PFMERGE)', async () => {
    const { client } = connect();
    const readers = createReaders(client);
    const slug = `week-${process.pid}-${Date.now()}`;
    const now = new Date();
    for (let day = 0; day < 7; day++) {
      const when = new Date(now.getTime() - day * DAY);
      // The same 100 readers every day, and 10 new ones each day.
      for (let i = 0; i < 100; i++) await readers.recordReader(slug, `same-${i}`, when);
      for (let i = 0; i < 10; i++) await readers.recordReader(slug, `day${day}-${i}`, when);
    }
    // A reader from 8 days ago is outside the week.
    await readers.recordReader(slug, 'long-ago', new Date(now.getTime() - 8 * DAY));
    const week = await readers.readersThisWeek(slug, now);
    expect(
      Math.abs(week - 170),
      `170 different readers this week, PFMERGE of the 7 days said ${week}: merge the days, do not add their counts (that would be 770)`,
    ).toBeLessThanOrEqual(5);
  });

  it('HyperLogLog: 12 KB at most and under 2% off at 10,000 readers; the set grows', async () => {
    const { client } = connect();
    const small = await readersCost(client, 10, `cost-${process.pid}`);
    const big = await readersCost(client, 10_000, `cost-${process.pid}`);
    expect(big.exact).toBe(10_000);
    expect(
      Math.abs(big.errorPercent),
      'the HLL should be within 2% of the exact count',
    ).toBeLessThan(2);
    expect(small.approximate, 'a HyperLogLog of 10 readers counts them exactly').toBe(10);
    expect(big.hllBytes, 'a dense HyperLogLog is 12 KB and a header').toBeLessThan(16 * 1024);
    expect(small.hllBytes, 'a HyperLogLog of 10 readers is sparse: well under 1 KB').toBeLessThan(
      1024,
    );
    expect(big.setBytes, 'a set of 10,000 readers keeps every one').toBeGreaterThan(
      10 * big.hllBytes,
    );
  });

  it('switches encodings past the configured sizes (OBJECT ENCODING)', async () => {
    const { client } = connect();
    const steps = await encodingsAsTheyGrow(client, `cost-${process.pid}`);
    expect(steps.map((step) => step.encoding).slice(0, 6)).toEqual([
      'listpack',
      'hashtable',
      'listpack',
      'hashtable',
      'intset',
      'hashtable',
    ]);
  });
});
