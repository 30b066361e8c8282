// What a request costs a short-lived function. A serverless function may start cold for each
// invocation: it has no connection yet. Over TCP (Valkey, Redis) it must open one, and the
// client checks the server is ready before the first command; over HTTP (Upstash's REST API)
// one request carries the command. A long-lived server opens its connection once and reuses it.

import { request } from 'node:http';
import type { Redis as ValkeyClient } from 'iovalkey';
import { createValkeyStoreClient } from './valkey-store.ts';

/** The median of `rounds` runs of `call`, in ms. */
export async function medianMs(rounds: number, call: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? Number.NaN;
}

// #region cold-tcp
/** A cold function over TCP: connect, the client's ready check, one GET, close. */
export async function coldTcpGet(valkeyUrl: string, key: string): Promise<void> {
  const client = createValkeyStoreClient(valkeyUrl);
  try {
    await client.get(key);
  } finally {
    client.disconnect();
  }
}
// #endregion cold-tcp

// #region cold-http
/** A cold function over HTTP: one request on a new connection (agent: false), as REST does it. */
export function coldHttpGet(upstash: { url: string; token: string }, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      upstash.url,
      {
        method: 'POST',
        agent: false, // a new TCP connection, closed after the response: nothing kept warm
        headers: { authorization: `Bearer ${upstash.token}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(['GET', key]));
  });
}
// #endregion cold-http

/** A warm server over TCP: the connection is open already. */
export const warmTcpGet = (client: ValkeyClient, key: string) => client.get(key);
