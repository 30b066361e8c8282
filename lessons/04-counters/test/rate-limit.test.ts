import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../src/rate-limit.ts';
import { createUpstashStore } from '../src/upstash.ts';

const stack = useTestStack({ postgres: false });

function setup(name: string, limit: number, windowSeconds: number) {
  const store = createUpstashStore(stack.upstash);
  return { store, limiter: createRateLimiter({ store, name, limit, windowSeconds }) };
}

async function hits(
  limiter: { hit(id: string): Promise<{ allowed: boolean }> },
  id: string,
  n: number,
) {
  const allowed: boolean[] = [];
  for (let i = 0; i < n; i++) allowed.push((await limiter.hit(id)).allowed);
  return allowed;
}

// Three tests let a window's time pass: stack.passTime moves the store's clock on at once (on
// real Redis it waits). They run one after another, so no test's time jumps in the middle of
// another's.
describe('fixed-window rate limiter', () => {
  it('allows N hits per window, then refuses', async () => {
    const { limiter } = setup('limit', 3, 60);
    expect(
      await hits(limiter, 'alice', 5),
      'with a limit of 3, the first 3 hits should pass and the next 2 be refused: compare the count INCR returns with the limit',
    ).toEqual([true, true, true, false, false]);
  });

  it('allows again once the window is over', async () => {
    const { store, limiter } = setup('reset', 1, 2);
    await hits(limiter, 'amy', 2); // the second one is refused
    // Let the window's key expire (on a real server, a busy machine may need a little longer
    // than 2 s).
    for (let waited = 0; (await store.ttl('ratelimit:reset:amy')) > -2 && waited < 5_000; ) {
      await stack.passTime(250);
      waited += 250;
    }
    expect(
      (await limiter.hit('amy')).allowed,
      'after the 2-second window the caller should be allowed again: does the window key get an EXPIRE, and is a fresh window counted from 1?',
    ).toBe(true);
  });

  it('gives the window key a TTL on the first hit', async () => {
    const { store, limiter } = setup('ttl', 5, 60);
    await limiter.hit('bob');
    const ttl = await store.ttl('ratelimit:ttl:bob');
    expect(
      ttl > 0 && ttl <= 60,
      `the window key should expire within the 60-second window after the first hit, but TTL answered ${ttl} (-1: no EXPIRE was set; -2: the key is not named ratelimit:<name>:<caller>)`,
    ).toBe(true);
  });

  it('does not push the end of the window back on later hits', async () => {
    const { store, limiter } = setup('fixed', 10, 10);
    await limiter.hit('carol');
    await stack.passTime(1_100);
    await limiter.hit('carol');
    const ttl = await store.ttl('ratelimit:fixed:carol');
    expect(
      ttl,
      'a second hit 1.1 s into a 10-second window should leave at most 9 s, not restart the window: EXPIRE only when the window starts (count 1, or EXPIRE ... NX)',
    ).toBeLessThanOrEqual(9);
  });

  it('says how long to wait when it refuses', async () => {
    const { limiter } = setup('retry', 1, 30);
    await limiter.hit('dave');
    await stack.passTime(1_100);
    const refused = await limiter.hit('dave');
    expect(
      refused.allowed === false && refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 30,
      `a refused hit should carry retryAfterSeconds between 1 and 30 (the window's TTL), got ${JSON.stringify(refused)}`,
    ).toBe(true);
    expect(
      refused.retryAfterSeconds,
      `1.1 s into a 30-second window, retryAfterSeconds was ${refused.retryAfterSeconds}: answer with the window key's TTL (what is left), not the whole window`,
    ).toBeLessThanOrEqual(29);
  });

  it('keeps two limiters with different names apart', async () => {
    const { limiter: login } = setup(`login-${Date.now()}`, 1, 60);
    const { limiter: search } = setup(`search-${Date.now()}`, 1, 60);
    await login.hit('hank');
    expect(
      (await search.hit('hank')).allowed,
      "a hit on one limiter counted against another: put the limiter's name in its key (ratelimit:<name>:<caller>)",
    ).toBe(true);
  });

  it('counts each caller separately', async () => {
    const { limiter } = setup('callers', 2, 60);
    await hits(limiter, 'erin', 3);
    expect(
      (await limiter.hit('frank')).allowed,
      "one caller using up their hits should not refuse another: is the caller's id part of the key?",
    ).toBe(true);
  });

  it('repairs a window key left without a TTL (a crash between INCR and EXPIRE)', async () => {
    const { store, limiter } = setup('crash', 100, 60);
    // What a process that died right after INCR leaves behind: a count with no expiry.
    await store.incr('ratelimit:crash:gina');
    await limiter.hit('gina');
    expect(
      await store.get('ratelimit:crash:gina'),
      'the limiter did not count in ratelimit:<name>:<caller> (here ratelimit:crash:gina): name its key that way',
    ).toBe('2');
    expect(
      await store.ttl('ratelimit:crash:gina'),
      'a window key without a TTL should get one on the next hit, or that caller is limited forever: send INCR and EXPIRE ... NX together in one MULTI transaction',
    ).toBeGreaterThan(0);
  });
});
