// The test stack's store behind a TCP proxy, for the checkpoints of a store that goes away and
// comes back (the cache's own, and the wiki's).

import { startTcpProxy, type TestStack, viaProxy } from '@workshop/test-support';
import { createUpstashStore } from '../src/upstash.ts';

/** The real endpoint through a proxy the test can cut and restore (a blip, an outage). */
export async function storeThroughProxy(stack: TestStack) {
  const target = new URL(stack.upstash.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const url = viaProxy(stack.upstash.url, proxy);
  return { proxy, store: createUpstashStore({ url, token: stack.upstash.token }) };
}
