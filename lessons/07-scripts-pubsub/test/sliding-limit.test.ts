import { createUpstashClient } from '@workshop/config';
import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { burstAcrossBoundary } from '../src/boundary-burst.ts';
import { createRateLimiter } from '../src/rate-limit.ts';
import { createSlidingLimiter } from '../src/sliding-limit.ts';
import { commandsSentDuring } from '../src/wire.ts';
import { backendsOf } from './backends.ts';
import { awayFromWindowEnd } from './window-edge.ts';

const stack = useTestStack();
const run = `${process.pid}-${Date.now()}`;

describe('the sliding window (@upstash/ratelimit)', () => {
  it('allows the limit, then refuses with a Retry-After inside the window', async () => {
    // A 5 s window, not the lesson's 60 s: the test may have to wait for the next one (below).
    const windowSeconds = 5;
    const limiter = createSlidingLimiter(createUpstashClient(stack.config), {
      name: 'create',
      limit: 3,
      windowSeconds,
    });
    const caller = `ada-${run}`;
    // Not in a window's last 1.5 s (window-edge.ts): four hits take well under that. (With a
    // 60 s window this waited up to 15 s, a quarter of the time.)
    await awayFromWindowEnd(windowSeconds * 1000, 1500);
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.hit(caller));
    expect(
      decisions.map((d) => d.allowed),
      'a limit of 3: three allowed, the fourth refused',
    ).toEqual([true, true, true, false]);
    const refused = decisions[3];
    expect(
      refused?.retryAfterSeconds,
      'a refused hit must say how long to wait: a Retry-After of at least 1 s',
    ).toBeGreaterThan(0);
    expect(
      refused?.retryAfterSeconds,
      `Retry-After must be seconds from now, within the ${windowSeconds} s window: reset is a time in ms since the epoch`,
    ).toBeLessThanOrEqual(2 * windowSeconds);
  });

  it('is one Lua script on the wire', async () => {
    const limiter = createSlidingLimiter(createUpstashClient(stack.config), {
      name: 'wire',
      limit: 3,
      windowSeconds: 60,
    });
    const sent = await commandsSentDuring(() => limiter.hit(`wire-${run}`));
    const names = sent.map((command) => String(command[0]).toUpperCase());
    expect(names.some((name) => name === 'EVALSHA' || name === 'EVAL')).toBe(true);
  });
});

describe.each(backendsOf(stack))('the boundary burst, fixed window on $name', ({ connect }) => {
  it('a fixed window lets nearly twice the limit through at its boundary; the sliding one does not', {
    timeout: 20_000,
  }, async () => {
    const { store } = connect();
    const limit = 5;
    const fixed = createRateLimiter({ store, name: `burst-${run}`, limit, windowSeconds: 2 });
    const sliding = createSlidingLimiter(createUpstashClient(stack.config), {
      name: `burst-${run}`,
      limit,
      windowSeconds: 2,
    });
    const [fixedBurst, slidingBurst] = await Promise.all([
      burstAcrossBoundary((caller) => fixed.hit(caller), { caller: 'f', limit, windowMs: 2000 }),
      burstAcrossBoundary((caller) => sliding.hit(caller), { caller: 's', limit, windowMs: 2000 }),
    ]);
    expect(
      fixedBurst.inBurst,
      'lesson 04’s fixed window should allow the whole burst across its boundary (limit - 1 + limit)',
    ).toBe(2 * limit - 1);
    expect(
      slidingBurst.inBurst,
      'the sliding window must keep any 2-second span near the limit: it weighs the previous window',
    ).toBeLessThanOrEqual(limit);
  });
});
