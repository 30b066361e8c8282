// Checkpoint 01: the object store answers exactly like Redis for the commands the wiki uses.
// Time is faked (vi.useFakeTimers), so expiry is checked to the millisecond without waiting.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createObjectStore } from '../src/store.ts';

const NOT_AN_INTEGER = 'ERR value is not an integer or out of range';

/** The message a promise rejects with, so the assertion can name what was expected. */
async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return '(no error: it resolved)';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('GET, SET, DEL, EXISTS', () => {
  it('returns null for a key that was never set', async () => {
    const store = createObjectStore();
    expect(
      await store.get('missing'),
      'GET on a missing key must resolve to null (not undefined, not an error)',
    ).toBeNull();
  });

  it('stores values as strings, as Redis does', async () => {
    const store = createObjectStore();
    expect(await store.set('greeting', 'hello'), 'SET resolves to "OK"').toBe('OK');
    expect(await store.get('greeting'), 'GET after SET must return the stored value').toBe('hello');
    await store.set('answer', 42);
    expect(
      await store.get('answer'),
      'a number goes in as its decimal text: Redis only stores strings, so GET returns "42"',
    ).toBe('42');
  });

  it('replaces the old value on SET', async () => {
    const store = createObjectStore();
    await store.set('k', 'one');
    await store.set('k', 'two');
    expect(await store.get('k'), 'a second SET must overwrite the first').toBe('two');
  });

  it('DEL removes keys and counts only the ones that existed', async () => {
    const store = createObjectStore();
    await store.set('a', '1');
    await store.set('b', '2');
    expect(await store.del('a', 'b', 'never-set'), 'DEL a b never-set removes two keys').toBe(2);
    expect(await store.get('a'), 'a deleted key must read as null').toBeNull();
    expect(await store.del('a'), 'deleting an already deleted key counts 0').toBe(0);
  });

  it('EXISTS counts existing keys, a repeated key once per mention', async () => {
    const store = createObjectStore();
    await store.set('a', '1');
    expect(await store.exists('a'), 'EXISTS on a set key is 1').toBe(1);
    expect(await store.exists('nope'), 'EXISTS on a missing key is 0').toBe(0);
    expect(
      await store.exists('a', 'a', 'nope'),
      'Redis counts a key named twice twice: EXISTS a a nope is 2',
    ).toBe(2);
  });

  it('treats every key name as just a key', async () => {
    const store = createObjectStore();
    expect(
      await store.exists('constructor', 'toString', '__proto__'),
      'keys nobody set must not exist: a plain {} inherits "constructor" and friends, use Object.create(null)',
    ).toBe(0);
    await store.set('__proto__', 'a value like any other');
    expect(
      await store.get('__proto__'),
      'SET __proto__ must store a value, not change the prototype of the object',
    ).toBe('a value like any other');
  });

  it('keeps each store to itself', async () => {
    const one = createObjectStore();
    const other = createObjectStore();
    await one.set('k', 'v');
    expect(
      await other.get('k'),
      'two stores share a module-level object: keep the data inside createObjectStore()',
    ).toBeNull();
  });
});

describe('INCR', () => {
  it('treats a missing key as 0', async () => {
    const store = createObjectStore();
    expect(await store.incr('visits'), 'INCR on a missing key starts from 0 and returns 1').toBe(1);
    expect(await store.get('visits'), 'the new count is stored as the string "1"').toBe('1');
  });

  it('adds one to an integer and returns the new value as a number', async () => {
    const store = createObjectStore();
    await store.set('visits', '41');
    expect(await store.incr('visits'), 'INCR on "41" resolves to the number 42').toBe(42);
    await store.set('below', '-1');
    expect(await store.incr('below'), 'negative integers count up too: -1 becomes 0').toBe(0);
  });

  it("rejects what is not an integer with Redis's error", async () => {
    const store = createObjectStore();
    for (const value of ['hello', '1.5', ' 1', '1 ', '+1', '01', '', '9223372036854775808']) {
      await store.set('k', value);
      expect(
        await rejectionOf(store.incr('k')),
        `INCR on "${value}" must reject with Redis's exact message "${NOT_AN_INTEGER}"`,
      ).toContain(NOT_AN_INTEGER);
      expect(await store.get('k'), 'a refused INCR must leave the value untouched').toBe(value);
    }
  });

  it('refuses to go past the largest 64-bit integer', async () => {
    const store = createObjectStore();
    await store.set('k', '9223372036854775807');
    expect(
      await rejectionOf(store.incr('k')),
      'Redis counts in 64-bit integers and refuses to overflow',
    ).toContain('ERR increment or decrement would overflow');
  });

  it('keeps the expiry of the key it increments', async () => {
    const store = createObjectStore();
    await store.set('hits', '1', { ex: 60 });
    expect(
      await store.ttl('hits'),
      'right after SET ... EX 60 the TTL must be 60: EX counts seconds, and expiresAt is in ms (now() + ex * 1000)',
    ).toBe(60);
    await store.incr('hits');
    expect(
      await store.ttl('hits'),
      'INCR must not remove the TTL: copy the old expiry when you write the new value',
    ).toBe(60);
  });
});

describe('expiry: SET ... EX, EXPIRE, TTL', () => {
  it('reports -2 for a missing key and -1 for a key without expiry', async () => {
    const store = createObjectStore();
    expect(await store.ttl('missing'), 'TTL on a missing key is -2').toBe(-2);
    await store.set('forever', 'x');
    expect(await store.ttl('forever'), 'TTL on a key without expiry is -1').toBe(-1);
  });

  it('forgets a key once its EX seconds are over', async () => {
    const store = createObjectStore();
    await store.set('session', 'abc', { ex: 10 });
    expect(await store.ttl('session'), 'right after SET ... EX 10 the TTL is 10').toBe(10);

    vi.advanceTimersByTime(9_000);
    expect(await store.get('session'), 'after 9 s of a 10 s TTL the key must still be there').toBe(
      'abc',
    );
    expect(await store.ttl('session'), 'after 9 s of a 10 s TTL, TTL is 1').toBe(1);

    vi.advanceTimersByTime(1_001);
    expect(
      await store.get('session'),
      'after 10 s the key must be gone: does get() compare the expiry with the current time?',
    ).toBeNull();
    expect(await store.exists('session'), 'an expired key does not EXIST').toBe(0);
    expect(await store.ttl('session'), 'an expired key is missing: TTL -2').toBe(-2);
  });

  it('keeps a key through its exact expiry millisecond, as Redis does', async () => {
    const store = createObjectStore();
    await store.set('k', 'v', { ex: 10 });
    vi.advanceTimersByTime(10_000); // now() === expiresAt
    expect(
      await store.get('k'),
      'at exactly its expiry time the key must still be there: Redis expires a key when now > expiresAt (use >, not >=)',
    ).toBe('v');
    vi.advanceTimersByTime(1);
    expect(
      await store.get('k'),
      'one millisecond after its expiry time the key is gone',
    ).toBeNull();
  });

  it('rounds the TTL to the nearest second, as Redis does', async () => {
    const store = createObjectStore();
    await store.set('k', 'v', { ex: 10 });
    vi.advanceTimersByTime(9_400); // 600 ms left
    expect(await store.ttl('k'), '600 ms left rounds to 1 s').toBe(1);
    vi.advanceTimersByTime(200); // 400 ms left
    expect(await store.ttl('k'), '400 ms left rounds to 0 s').toBe(0);
  });

  it('clears the expiry when SET is called without EX', async () => {
    const store = createObjectStore();
    await store.set('k', 'v', { ex: 10 });
    await store.set('k', 'w');
    expect(await store.ttl('k'), 'a plain SET replaces the value AND drops the old TTL').toBe(-1);
    vi.advanceTimersByTime(20_000);
    expect(await store.get('k'), 'the key set without EX must not expire').toBe('w');
  });

  it('refuses an EX that is not a positive integer', async () => {
    const store = createObjectStore();
    expect(
      await rejectionOf(store.set('k', 'v', { ex: 0 })),
      'SET ... EX 0 is an error in Redis',
    ).toContain("ERR invalid expire time in 'set' command");
    expect(
      await rejectionOf(store.set('k', 'v', { ex: 1.5 })),
      'SET ... EX 1.5 is an error in Redis: EX takes whole seconds',
    ).toContain(NOT_AN_INTEGER);
    expect(await store.get('k'), 'a refused SET must not store anything').toBeNull();
  });

  it('EXPIRE sets a TTL on an existing key only', async () => {
    const store = createObjectStore();
    expect(await store.expire('missing', 10), 'EXPIRE on a missing key returns 0').toBe(0);
    await store.set('k', 'v');
    expect(await store.expire('k', 5), 'EXPIRE on an existing key returns 1').toBe(1);
    expect(await store.ttl('k'), 'after EXPIRE k 5, TTL is 5').toBe(5);
    vi.advanceTimersByTime(5_001);
    expect(await store.get('k'), 'the key must be gone once the EXPIRE time is over').toBeNull();
  });

  it('EXPIRE with a time in the past deletes the key', async () => {
    const store = createObjectStore();
    await store.set('k', 'v');
    expect(await store.expire('k', 0), 'EXPIRE k 0 still answers 1: the key existed').toBe(1);
    expect(await store.get('k'), 'EXPIRE with 0 or a negative time deletes the key').toBeNull();
  });
});
