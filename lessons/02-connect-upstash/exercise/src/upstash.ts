// EXERCISE (lesson 2): the store moves out of the process, to an Upstash Redis database reached
// over HTTPS with `@upstash/redis`. Without an account, the local stack answers the same
// protocol on http://127.0.0.1:8079, so this file does not care which one it talks to.
// Fill in the two TODO(lesson 2) functions; `pnpm practice check` runs them against a real
// local server.

import type { WorkshopConfig } from '@workshop/config';
import type { KeyValueStore } from './store.ts';

/** A KeyValueStore backed by Upstash: the same get/set/del/... calls, sent over HTTP. */
export function createUpstashStore(upstash: { url: string; token: string }): KeyValueStore {
  // TODO(lesson 2): return a `Redis` client from '@upstash/redis' for this URL and token. It
  // already has get/set/del/exists/incr/expire/ttl with our interface's call shapes. Mind its
  // one surprising default: the wiki stores JSON text and must get back exactly that text.
  throw new Error(`TODO(lesson 2): createUpstashStore(${upstash.url}) in src/upstash.ts`);
}

/**
 * The store, after one PING that proves the URL answers and accepts the token. A wrong token
 * or an unreachable endpoint fails here, at start-up, with a message saying what to change,
 * instead of on the first page view.
 */
export async function connectStore(
  config: Pick<WorkshopConfig, 'upstash'>,
): Promise<KeyValueStore> {
  // TODO(lesson 2): check the endpoint first (`@workshop/config` has a helper that PINGs it and
  // turns each failure into a clear message), then return the store.
  throw new Error(`TODO(lesson 2): connectStore(${config.upstash.url}) in src/upstash.ts`);
}
