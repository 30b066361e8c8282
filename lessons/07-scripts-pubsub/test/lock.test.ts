import { useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { createEditLocks, editLockKey, isHeld, RELEASE_SCRIPT, runScript } from '../src/lock.ts';
import { backendsOf } from './backends.ts';

const stack = useTestStack({ postgres: false });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let n = 0;
const newSlug = () => `lock-${process.pid}-${Date.now()}-${++n}`;

describe.each(backendsOf(stack))('the edit lock, on $name', ({ connect }) => {
  it('goes to exactly one of 50 editors asking at once', async () => {
    const { client } = connect();
    const locks = createEditLocks(client);
    const slug = newSlug();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => locks.acquire(slug, `editor${i}`)),
    );
    expect(
      answers.filter(isHeld).length,
      'exactly one editor must get the lock: SET key token NX PX ttl',
    ).toBe(1);
    const pttl = await client.pttl(editLockKey(slug));
    expect(
      pttl,
      'the lock must expire on its own (PX), or a crashed editor holds it forever',
    ).toBeGreaterThan(0);
  });

  it('is released only by its holder', async () => {
    const { client } = connect();
    const locks = createEditLocks(client);
    const slug = newSlug();
    const mine = await locks.acquire(slug, 'ada');
    if (!isHeld(mine)) throw new Error('ada should have the lock');
    expect(
      await locks.release({ slug, token: 'grace:guessed' }),
      'a release with another token must not delete the lock (compare before DEL, in the script)',
    ).toBe(false);
    expect(await client.exists(editLockKey(slug))).toBe(1);
    expect(await locks.release(mine)).toBe(true);
    expect(await client.exists(editLockKey(slug))).toBe(0);
  });

  it('GET-then-DEL deletes the next holder’s lock; the script does not', async () => {
    const { client } = connect();
    const locks = createEditLocks(client, { ttlMs: 100 });
    const graceLocks = createEditLocks(client, { ttlMs: 10_000 });
    // The race, as it happens: ada's lock expires while she is between her GET and her DEL.
    const slug = newSlug();
    const ada = await locks.acquire(slug, 'ada');
    if (!isHeld(ada)) throw new Error('ada should have the lock');
    let grace: Awaited<ReturnType<typeof locks.acquire>> | undefined;
    await locks.releaseWithGetThenDel(ada, async () => {
      await sleep(150);
      grace = await graceLocks.acquire(slug, 'grace');
    });
    expect(grace && isHeld(grace), 'grace takes the lock once ada’s has expired').toBe(true);
    expect(
      await client.exists(editLockKey(slug)),
      'this is the race: GET-then-DEL deleted grace’s lock',
    ).toBe(0);

    // The same interleaving with the script: ada's release finds grace's token and does nothing.
    const slug2 = newSlug();
    const ada2 = await locks.acquire(slug2, 'ada');
    if (!isHeld(ada2)) throw new Error('ada should have the lock');
    await sleep(150);
    const grace2 = await graceLocks.acquire(slug2, 'grace');
    expect(isHeld(grace2)).toBe(true);
    expect(
      await locks.release(ada2),
      'releasing an expired lock must answer false: compare the token and DEL in one script',
    ).toBe(false);
    expect(await client.get(editLockKey(slug2)), 'grace must still hold her lock').toMatch(
      /^grace:/,
    );
  });

  it('releases in one step: a pause after a GET cannot make it delete another’s lock', async () => {
    const { client } = connect();
    const slug = newSlug();
    const graceLocks = createEditLocks(client, { ttlMs: 10_000 });
    // ada's client pauses after every GET; meanwhile her lock expires and grace takes it.
    let graceGotIt = false;
    const slowClient = new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'get') return Reflect.get(target, property, receiver);
        return async (key: string) => {
          const value = await target.get(key);
          await sleep(150);
          graceGotIt = isHeld(await graceLocks.acquire(slug, 'grace'));
          return value;
        };
      },
    });
    const adaLocks = createEditLocks(slowClient, { ttlMs: 100 });
    const ada = await adaLocks.acquire(slug, 'ada');
    if (!isHeld(ada)) throw new Error('ada should have the lock');
    await adaLocks.release(ada);
    const holder = await client.get(editLockKey(slug));
    expect(
      graceGotIt ? holder?.startsWith('grace:') : true,
      'release() must compare and delete in one script, not GET then DEL: another editor’s lock was deleted',
    ).toBe(true);
  });

  it('is extended only by its holder', async () => {
    const { client } = connect();
    const locks = createEditLocks(client, { ttlMs: 1000 });
    const slug = newSlug();
    const mine = await locks.acquire(slug, 'ada');
    if (!isHeld(mine)) throw new Error('ada should have the lock');
    expect(await locks.extend(mine, 60_000)).toBe(true);
    expect(await client.pttl(editLockKey(slug)), 'extend must set the new PEXPIRE').toBeGreaterThan(
      50_000,
    );
    expect(
      await locks.extend({ slug, token: 'grace:x' }, 60_000),
      'only the holder may extend the lock: compare the token in the extend script',
    ).toBe(false);
  });

  it('runs the script by SHA, and sends it whole when the server has forgotten it', async () => {
    const { client } = connect();
    await client.script('FLUSH');
    const key = editLockKey(newSlug());
    await client.set(key, 'token-1');
    expect(await runScript(client, RELEASE_SCRIPT, [key], ['token-1'])).toBe(1);
    expect(
      await client.script(
        'EXISTS',
        (await import('node:crypto')).createHash('sha1').update(RELEASE_SCRIPT).digest('hex'),
      ),
      'after NOSCRIPT, EVAL caches the script: the next EVALSHA finds it',
    ).toEqual([1]);
  });
});
