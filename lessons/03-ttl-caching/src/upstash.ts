// The store moves out of the process: an Upstash Redis database, reached over HTTPS with
// `@upstash/redis`. Without an account, the local stack answers the same protocol on
// http://127.0.0.1:8079, so this file does not care which one it talks to.

import { Redis } from '@upstash/redis';
import { pingUpstash, type WorkshopConfig } from '@workshop/config';
import type { KeyValueStore } from './store.ts';

// #region create-store
/** A KeyValueStore backed by Upstash: the same get/set/del/... calls, sent over HTTP. */
export function createUpstashStore(upstash: { url: string; token: string }): KeyValueStore {
  return new Redis({
    url: upstash.url,
    token: upstash.token,
    // The client JSON-parses every value it reads back by default: store '1', get the number 1.
    // Our wiki stores JSON text and parses it itself, like with any Redis client: keep strings.
    automaticDeserialization: false,
    // By default the client retries a failed request 5 times over about 4 seconds. A cache that
    // is down should cost a read nothing: fail at once and let the cache answer from Postgres.
    retry: false,
  });
}
// #endregion create-store

// #region connect
/**
 * The store, after one PING that proves the URL answers and accepts the token. A wrong token
 * or an unreachable endpoint fails here, at start-up, with a message saying what to change,
 * instead of on the first page view.
 */
export async function connectStore(
  config: Pick<WorkshopConfig, 'upstash'>,
): Promise<KeyValueStore> {
  await pingUpstash(config.upstash);
  return createUpstashStore(config.upstash);
}
// #endregion connect
