// An edit lock per article, so two editors cannot overwrite each other's work. Taking it is one
// command (SET NX PX); releasing and extending it take a Lua script, because each is a
// read-then-write that must happen with nothing in between: "delete the lock, if it is still
// mine". A GET followed by a DEL leaves a gap, and another editor's lock can fall into it.

import { createHash, randomUUID } from 'node:crypto';
import type { Redis as ValkeyClient } from 'iovalkey';

export const editLockKey = (slug: string) => `lock:edit:${slug}`;

// #region scripts
// KEYS[1] is the lock, ARGV[1] the token its holder was given. Redis runs a script whole, with no
// other command in between: the GET and the DEL see the same lock.
export const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;
// #endregion scripts

// #region evalsha
/**
 * Runs a script by its SHA1 (EVALSHA: 40 bytes on the wire instead of the whole script). A server
 * that has not seen it yet (a restart, a new replica, SCRIPT FLUSH) answers NOSCRIPT: then send
 * it whole once with EVAL, which also caches it for the next EVALSHA.
 */
export async function runScript(
  client: ValkeyClient,
  script: string,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  const sha = createHash('sha1').update(script).digest('hex');
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
    return client.eval(script, keys.length, ...keys, ...args);
  }
}
// #endregion evalsha

export interface EditLock {
  slug: string;
  /** Proof of holding it: random, so no other editor can guess it and release our lock. */
  token: string;
}

export function createEditLocks(client: ValkeyClient, { ttlMs = 30_000 } = {}) {
  // #region acquire
  /** Takes the lock for `editor`, or answers null and who holds it. */
  async function acquire(
    slug: string,
    editor: string,
    token = `${editor}:${randomUUID()}`,
  ): Promise<EditLock | { heldBy: string }> {
    // NX: only if nobody holds it. PX: it frees itself if the holder crashes or walks away.
    const taken = await client.set(editLockKey(slug), token, 'PX', ttlMs, 'NX');
    if (taken === 'OK') return { slug, token };
    const holder = await client.get(editLockKey(slug));
    return { heldBy: holder?.split(':')[0] ?? 'nobody (it just expired: try again)' };
  }
  // #endregion acquire

  // #region release
  /** Releases the lock if `lock` still holds it; answers false when it had expired or moved on. */
  async function release(lock: EditLock): Promise<boolean> {
    return (await runScript(client, RELEASE_SCRIPT, [editLockKey(lock.slug)], [lock.token])) === 1;
  }

  /** Gives the holder `ttlMs` more; answers false when the lock is no longer theirs. */
  async function extend(lock: EditLock, ms = ttlMs): Promise<boolean> {
    return (
      (await runScript(client, EXTEND_SCRIPT, [editLockKey(lock.slug)], [lock.token, ms])) === 1
    );
  }
  // #endregion release

  // #region unsafe-release
  /**
   * The release that looks right and is not: GET, compare, then DEL. `pause` stands for whatever
   * can happen between the two commands (a GC pause, a slow network, a busy event loop).
   */
  async function releaseWithGetThenDel(lock: EditLock, pause = async () => {}): Promise<boolean> {
    const holder = await client.get(editLockKey(lock.slug));
    if (holder !== lock.token) return false;
    await pause(); // ...meanwhile our lock expires, and another editor takes it...
    return (await client.del(editLockKey(lock.slug))) === 1; // ...and this deletes THEIR lock
  }
  // #endregion unsafe-release

  return { acquire, release, extend, releaseWithGetThenDel };
}

export type EditLocks = ReturnType<typeof createEditLocks>;
export const isHeld = (lock: EditLock | { heldBy: string }): lock is EditLock => 'token' in lock;
