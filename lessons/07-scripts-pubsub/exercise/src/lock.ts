// An edit lock per article, so two editors cannot overwrite each other's work. Taking it is one
// command (SET NX PX); releasing and extending it take a Lua script, because each is a
// read-then-write that must happen with nothing in between: "delete the lock, if it is still
// mine". A GET followed by a DEL leaves a gap, and another editor's lock can fall into it.

import { createHash, randomUUID } from 'node:crypto';
import type { Redis as ValkeyClient } from 'iovalkey';

export const editLockKey = (slug: string) => `lock:edit:${slug}`;

// TODO: two Lua scripts. KEYS[1] is the lock, ARGV[1] the token its holder was given.
// RELEASE: if redis.call('GET', KEYS[1]) equals ARGV[1], DEL it (return what DEL answers); else
// return 0. EXTEND: the same, with PEXPIRE KEYS[1] ARGV[2] instead of DEL.
export const RELEASE_SCRIPT = `return 0`;

export const EXTEND_SCRIPT = `return 0`;

/**
 * Runs a script by its SHA1 (EVALSHA: 40 bytes on the wire instead of the whole script). A server
 * that has not seen it yet answers NOSCRIPT: then send it whole once with EVAL.
 */
export async function runScript(
  client: ValkeyClient,
  script: string,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  // TODO: the SHA1 of the script (createHash('sha1')...digest('hex')), then client.evalsha(...);
  // on an error whose message starts with NOSCRIPT, client.eval(...) instead.
  void createHash;
  return client.eval(script, keys.length, ...keys, ...args);
}

export interface EditLock {
  slug: string;
  /** Proof of holding it: random, so no other editor can guess it and release our lock. */
  token: string;
}

export function createEditLocks(client: ValkeyClient, { ttlMs = 30_000 } = {}) {
  /** Takes the lock for `editor`, or answers null and who holds it. */
  async function acquire(
    slug: string,
    editor: string,
    token = `${editor}:${randomUUID()}`,
  ): Promise<EditLock | { heldBy: string }> {
    // TODO: SET the lock to the token only if nobody holds it (NX), expiring after ttlMs (PX).
    // 'OK' means it is ours; otherwise answer { heldBy } from the holder's token (before ':').
    await client.set(editLockKey(slug), token);
    return { slug, token };
  }

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
