import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { ACTIVITY_KEY, ACTIVITY_LENGTH, createActivity } from '../src/activity.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });

describe.each(backendsOf(stack))('recent activity, on $name', ({ connect }) => {
  it(`keeps the newest ${ACTIVITY_LENGTH} entries, newest first, under 200 concurrent writes`, async () => {
    const { client } = connect();
    await client.del(ACTIVITY_KEY);
    const activity = createActivity(client);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        activity.record({
          at: new Date(0).toISOString(),
          who: 'ada',
          what: 'edited',
          slug: `s${i}`,
        }),
      ),
    );
    expect(
      await client.llen(ACTIVITY_KEY),
      `the list must never hold more than ${ACTIVITY_LENGTH}: LTRIM after every LPUSH`,
    ).toBe(ACTIVITY_LENGTH);
    const recent = await activity.recent(3);
    expect(
      recent.map((entry) => entry.slug),
      'recent() must answer the newest first: LPUSH adds at the head',
    ).toEqual(['s199', 's198', 's197']);
  });
});
